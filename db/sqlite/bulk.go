package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/similar"
)

// bulkRows is how many rows one multi-row INSERT carries: well under SQLite's limit of
// 32,766 parameters even at 16 columns.
const bulkRows = 100

// BulkInsertQuotes writes new quotes with multi-row statements — each part's quotes as
// it comes, then, once for all of them, their search index in one statement, their tags
// and their variant bands (in key order: by parts, the bands' B-tree took three times as
// long). The core has checked that no stored quote has their keys, and SQLite has one
// writer, so every row is taken.
func (t *tx) BulkInsertQuotes(ctx context.Context, parts iter.Seq[[]*db.BulkQuote]) ([]int64, error) {
	var rows []*db.BulkQuote
	seqOf := map[string]int64{}
	for part := range parts {
		if len(rows) == 0 && len(part) > 0 {
			// The trigger stands aside while the rows go in; the index follows in one
			// statement, which costs less than half of indexing them row by row.
			if _, err := t.exec(ctx, "defer indexing", `INSERT INTO fts_deferred (one) VALUES (1)`); err != nil {
				return nil, err
			}
		}
		rows = append(rows, part...)
		for start := 0; start < len(part); start += bulkRows {
			chunk := part[start:min(start+bulkRows, len(part))]
			args := make([]any, 0, 18*len(chunk))
			for _, r := range chunk {
				q := r.Quote
				args = append(args, q.ID, q.Text, q.Speaker.ID, q.SpeakerRole, q.SaidOn, q.DatePrecision, outletID(q), q.Context,
					q.Setting, q.Lang, q.SourceURL, tagsJSON(q.Tags), q.CreatedBy, q.Version, ts(q.CreatedAt), ts(q.UpdatedAt), r.ExternalID,
					loadedIn(q.LoadedIn))
			}
			if err := t.insertReturning(ctx, `INSERT INTO quotes (id, text, speaker_id, speaker_role, said_on, date_precision,
				outlet_id, context, setting, lang, source_url, tags, created_by, version, created_at, updated_at, external_id,
				loaded_in) VALUES `+values(len(chunk), 18)+` RETURNING id, seq`, args, seqOf); err != nil {
				return nil, err
			}
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	// Rows are numbered from the largest seq up and nothing else writes in between, so
	// the batch's quotes are exactly the range; the count proves it.
	seqs := make([]int64, len(rows))
	for i, r := range rows {
		seqs[i] = seqOf[r.Quote.ID]
	}
	lo, hi := slices.Min(seqs), slices.Max(seqs)
	if hi-lo+1 != int64(len(rows)) {
		return nil, fmt.Errorf("sqlite: bulk insert: %d quotes took seqs %d..%d", len(rows), lo, hi)
	}
	res, err := t.exec(ctx, "index quotes", `INSERT INTO quotes_fts (rowid, text, speaker, context)
		SELECT q.seq, verbatim_index(q.text),
		       verbatim_index((SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = q.speaker_id)),
		       verbatim_index(q.context)
		FROM quotes q WHERE q.seq BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(rows)) {
		return nil, fmt.Errorf("sqlite: index quotes: %d of %d indexed (%v)", n, len(rows), err)
	}
	if _, err := t.exec(ctx, "defer indexing", `DELETE FROM fts_deferred`); err != nil {
		return nil, err
	}

	var tagArgs []any
	type band struct{ key, seq int64 }
	var bands []band
	for i, r := range rows {
		for _, tag := range r.Quote.Tags {
			tagArgs = append(tagArgs, seqs[i], tag)
		}
		for _, k := range r.Bands {
			bands = append(bands, band{k, seqs[i]})
		}
	}
	// Band keys are random: in key order the B-tree takes them page by page (a third faster).
	slices.SortFunc(bands, func(a, b band) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.seq, b.seq)) })
	bandArgs := make([]any, 0, 2*len(bands))
	for _, b := range bands {
		bandArgs = append(bandArgs, b.key, b.seq)
	}
	if err := t.insertRows(ctx, `INSERT INTO quote_tags (quote_seq, tag)`, 2, tagArgs); err != nil {
		return nil, err
	}
	if err := t.insertRows(ctx, `INSERT OR IGNORE INTO quote_bands (key, quote_seq)`, 2, bandArgs); err != nil {
		return nil, err
	}
	if t.bands != nil {
		keys := make([]int64, len(bands))
		for i, b := range bands {
			keys[i] = b.key
		}
		t.bands.added(keys)
	}
	return seqs, nil
}

// insertReturning runs an INSERT … RETURNING id, seq into out (RETURNING's order is
// not defined, so rows are matched by ID).
func (t *tx) insertReturning(ctx context.Context, stmt string, args []any, out map[string]int64) error {
	rows, err := t.q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("sqlite: bulk insert: %w", classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return fmt.Errorf("sqlite: bulk insert: %w", err)
		}
		out[id] = seq
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: bulk insert: %w", classify(err))
	}
	return nil
}

// insertRows runs a multi-row INSERT of width-column rows from args, in chunks.
func (t *tx) insertRows(ctx context.Context, head string, width int, args []any) error {
	per := bulkRows * 8 / width
	for start := 0; start < len(args); start += per * width {
		chunk := args[start:min(start+per*width, len(args))]
		if _, err := t.exec(ctx, "bulk insert", head+` VALUES `+values(len(chunk)/width, width), chunk...); err != nil {
			return err
		}
	}
	return nil
}

// backfillBands computes the bands of quotes stored before variants were indexed
// (migration 3).
func backfillBands(ctx context.Context, sqlTx *sql.Tx) error {
	type row struct {
		seq  int64
		text string
	}
	todo, err := collect(ctx, sqlTx, "backfill bands", func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.seq, &x.text)
	}, `SELECT seq, text FROM quotes WHERE seq NOT IN (SELECT quote_seq FROM quote_bands)`)
	if err != nil {
		return err
	}
	t := &tx{q: sqlTx, sqlTx: sqlTx}
	for _, r := range todo {
		if err := t.writeBands(ctx, r.seq, similar.BandKeys(similar.Features(r.text))); err != nil {
			return err
		}
	}
	return nil
}
