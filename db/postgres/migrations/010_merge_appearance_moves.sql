-- The appearances an outlet merge re-pointed at the survivor, to point them back on undo
-- (as merge_moves does for quotes).
CREATE TABLE merge_appearance_moves (
    merge_id       text COLLATE "C" NOT NULL REFERENCES merges (id) ON DELETE CASCADE,
    appearance_seq bigint NOT NULL,
    PRIMARY KEY (merge_id, appearance_seq)
);
