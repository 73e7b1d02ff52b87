-- The secondary indexes a bulk load into an empty archive drops and builds once at its
-- end, with their definitions, so that a load cut short has them built again by the next
-- process to open the archive (as PostgreSQL's deferred_indexes).
CREATE TABLE deferred_indexes (
    name       TEXT PRIMARY KEY,
    definition TEXT NOT NULL
) WITHOUT ROWID;
