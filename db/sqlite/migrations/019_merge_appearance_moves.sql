-- The appearances an outlet merge re-pointed at the survivor, to point them back on undo
-- (as merge_moves does for quotes).
CREATE TABLE merge_appearance_moves (
    merge_id       TEXT NOT NULL REFERENCES merges (id) ON DELETE CASCADE,
    appearance_seq INTEGER NOT NULL,
    PRIMARY KEY (merge_id, appearance_seq)
) WITHOUT ROWID;
