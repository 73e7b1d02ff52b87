-- How a quote found by the extractor was found: its rules' version, its offsets in the
-- article and its confidence (JSON); NULL for quotes recorded by hand.
ALTER TABLE quotes ADD COLUMN extraction TEXT;
