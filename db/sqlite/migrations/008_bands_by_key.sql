-- Variant bands are looked up by key only. The index by quote (and the foreign key that
-- needed it) cost a third of writing a band; a quote's bands are found again from its
-- text when it changes or is deleted (db.clearBands), as the band function is the same.
CREATE TABLE quote_bands_by_key (
    key       INTEGER NOT NULL,
    quote_seq INTEGER NOT NULL,
    PRIMARY KEY (key, quote_seq)
) WITHOUT ROWID;
INSERT INTO quote_bands_by_key (key, quote_seq) SELECT key, quote_seq FROM quote_bands;
DROP TABLE quote_bands;
ALTER TABLE quote_bands_by_key RENAME TO quote_bands;
