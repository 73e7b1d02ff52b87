-- A quote or appearance a load created names the audit entry of the load's batch that
-- wrote it (which load, who ran it, when, which lines): the trail keeps one entry a
-- batch, not one a record, which at corpus scale weighed a quarter of the archive. A
-- record's own history still begins with its creation, read from here.
ALTER TABLE quotes ADD COLUMN loaded_in bigint;
ALTER TABLE appearances ADD COLUMN loaded_in bigint;
