package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// bulkRows is how many rows one multi-row INSERT carries: well under SQLite's limit of
// 32,766 parameters even at 16 columns.
const bulkRows = 100

// bulkEligible reports whether a record can take the bulk path: a new quote in the create
// shape with nothing hanging off it.
func bulkEligible(r *ImportRecord) bool {
	return r.Exported == nil && len(r.Verdicts) == 0 && len(r.Citations) == 0
}

// bulkInsert writes new create-shape records with multi-row statements — quotes, then
// their search index in one statement, tags, variant bands and audit entries — and
// returns the records it did not take (already stored, or named twice in the batch), for
// the record-at-a-time path. Any record's error aborts the bulk write (the caller then
// retries the batch record by record, which reports it).
func (d *DB) bulkInsert(ctx context.Context, tx *sql.Tx, recs []*ImportRecord) (created int, rest []*ImportRecord, err error) {
	keys := make([]string, len(recs))
	for i, r := range recs {
		r.Prepare()
		keys[i] = r.prep.key
	}
	stored, err := existingKeys(ctx, tx, keys)
	if err != nil {
		return 0, nil, err
	}
	type row struct {
		rec                  *ImportRecord
		id, speakerID        string
		outletID, saidOn, pr *string
	}
	var rows []row
	seen := map[string]bool{}
	now := d.now()
	for i, r := range recs {
		if stored[keys[i]] || seen[keys[i]] {
			rest = append(rest, r)
			continue
		}
		seen[keys[i]] = true
		saidOn, prec, err := dateSaid(r.Quote.SaidOn, r.Quote.DatePrecision)
		if err != nil {
			return 0, nil, err
		}
		speakerID, err := d.resolveSpeaker(ctx, tx, r.Quote.SpeakerID, r.Quote.SpeakerName)
		if err != nil {
			return 0, nil, err
		}
		outletID, err := d.resolveOutlet(ctx, tx, r.Quote.OutletID, r.Quote.OutletName)
		if err != nil {
			return 0, nil, err
		}
		rows = append(rows, row{rec: r, id: newID("q_", now), speakerID: speakerID, outletID: outletID, saidOn: saidOn, pr: prec})
	}
	if len(rows) == 0 {
		return 0, rest, nil
	}
	ts := now.Format(timeFormat)
	actor := actorOf(ctx).Name
	// The trigger stands aside while the rows go in; the index follows in one statement.
	if _, err := tx.ExecContext(ctx, `INSERT INTO fts_deferred (one) VALUES (1)`); err != nil {
		return 0, nil, fmt.Errorf("db: defer indexing: %w", classify(err))
	}
	seqOf := make(map[string]int64, len(rows))
	for start := 0; start < len(rows); start += bulkRows {
		chunk := rows[start:min(start+bulkRows, len(rows))]
		args := make([]any, 0, 16*len(chunk))
		for _, r := range chunk {
			q := r.rec.Quote
			args = append(args, r.id, q.Text, r.speakerID, q.SpeakerRole, r.saidOn, r.pr, r.outletID, q.Context, q.Setting,
				q.Lang, q.SourceURL, tagsJSON(r.rec.prep.tags), actor, ts, ts, r.rec.prep.key)
		}
		if err := insertReturning(ctx, tx, `INSERT INTO quotes (id, text, speaker_id, speaker_role, said_on, date_precision,
			outlet_id, context, setting, lang, source_url, tags, created_by, created_at, updated_at, external_id) VALUES `+
			values(len(chunk), 16)+` RETURNING id, seq`, args, seqOf); err != nil {
			return 0, nil, err
		}
	}
	// Rows are numbered from the largest seq up and nothing else writes in between, so
	// the batch's quotes are exactly the range; the count proves it.
	seqs := make([]int64, len(rows))
	for i, r := range rows {
		seqs[i] = seqOf[r.id]
	}
	lo, hi := slices.Min(seqs), slices.Max(seqs)
	if hi-lo+1 != int64(len(rows)) {
		return 0, nil, fmt.Errorf("db: bulk insert: %d quotes took seqs %d..%d", len(rows), lo, hi)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO quotes_fts (rowid, text, speaker, context)
		SELECT q.seq, q.text, (SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = q.speaker_id),
		       coalesce(q.context, '')
		FROM quotes q WHERE q.seq BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return 0, nil, fmt.Errorf("db: index quotes: %w", classify(err))
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(rows)) {
		return 0, nil, fmt.Errorf("db: index quotes: %d of %d indexed (%v)", n, len(rows), err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM fts_deferred`); err != nil {
		return 0, nil, fmt.Errorf("db: defer indexing: %w", classify(err))
	}

	var tagArgs, auditArgs []any
	type band struct{ key, seq int64 }
	var bands []band
	for i, r := range rows {
		seq := seqs[i]
		for _, t := range r.rec.prep.tags {
			tagArgs = append(tagArgs, seq, t)
		}
		for _, k := range r.rec.prep.bands {
			bands = append(bands, band{k, seq})
		}
		q := r.rec.Quote
		after := &Quote{ID: r.id, Text: q.Text, Speaker: SpeakerRef{ID: r.speakerID}, SpeakerRole: q.SpeakerRole, SaidOn: r.saidOn,
			DatePrecision: r.pr, Context: q.Context, Setting: q.Setting, Lang: q.Lang, SourceURL: q.SourceURL, Tags: r.rec.prep.tags,
			Attribution: "unverified", CreatedBy: actor}
		if r.outletID != nil {
			after.Outlet = &OutletRef{ID: *r.outletID}
		}
		changes, err := quoteCreation(after)
		if err != nil {
			return 0, nil, err
		}
		auditArgs = append(auditArgs, ts, actor, "create", "quote", r.id, r.id, changes)
	}
	// Band keys are random: in key order the B-tree takes them page by page (a third faster).
	slices.SortFunc(bands, func(a, b band) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.seq, b.seq)) })
	bandArgs := make([]any, 0, 2*len(bands))
	for _, b := range bands {
		bandArgs = append(bandArgs, b.key, b.seq)
	}
	if err := insertRows(ctx, tx, `INSERT INTO quote_tags (quote_seq, tag)`, 2, tagArgs); err != nil {
		return 0, nil, err
	}
	if err := insertRows(ctx, tx, `INSERT OR IGNORE INTO quote_bands (key, quote_seq)`, 2, bandArgs); err != nil {
		return 0, nil, err
	}
	if err := insertRows(ctx, tx, `INSERT INTO audit_log (at, actor, action, resource, resource_id, quote_id, changes)`, 7, auditArgs); err != nil {
		return 0, nil, err
	}
	return len(rows), rest, nil
}

// insertReturning runs an INSERT … RETURNING id, seq into out (RETURNING's order is
// not defined, so rows are matched by ID).
func insertReturning(ctx context.Context, tx *sql.Tx, stmt string, args []any, out map[string]int64) error {
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("db: bulk insert: %w", classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return fmt.Errorf("db: bulk insert: %w", err)
		}
		out[id] = seq
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: bulk insert: %w", classify(err))
	}
	return nil
}

// existingKeys returns which of keys are stored as external IDs.
func existingKeys(ctx context.Context, tx *sql.Tx, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		rows, err := tx.QueryContext(ctx, `SELECT external_id FROM quotes WHERE external_id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("db: find imported keys: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: find imported keys: %w", err)
			}
			out[k] = true
		}
		rows.Close()
	}
	return out, nil
}

// insertRows runs a multi-row INSERT of width-column rows from args, in chunks.
func insertRows(ctx context.Context, tx *sql.Tx, head string, width int, args []any) error {
	per := bulkRows * 8 / width
	for start := 0; start < len(args); start += per * width {
		chunk := args[start:min(start+per*width, len(args))]
		if _, err := tx.ExecContext(ctx, head+` VALUES `+values(len(chunk)/width, width), chunk...); err != nil {
			return fmt.Errorf("db: bulk insert: %w", classify(err))
		}
	}
	return nil
}

// values is "(?, ?), (?, ?)" for n rows of width columns.
func values(n, width int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

// quoteCreation is the audit changes of a quote's creation — {"field": {"after": v}} over
// the audited fields in key order, references as their IDs, nulls as {} — exactly what
// audit writes for a single create, without its generic flattening through a map (which
// was a tenth of a bulk import).
func quoteCreation(q *Quote) (string, error) {
	type change struct {
		After any `json:"after,omitempty"`
	}
	str := func(p *string) change {
		if p == nil {
			return change{}
		}
		return change{*p}
	}
	var outlet, tags change
	if q.Outlet != nil {
		outlet = change{q.Outlet.ID}
	}
	if q.Tags != nil {
		tags = change{q.Tags}
	}
	b, err := json.Marshal(struct {
		Attribution   change `json:"attribution"`
		Context       change `json:"context"`
		CreatedBy     change `json:"created_by"`
		DatePrecision change `json:"date_precision"`
		ID            change `json:"id"`
		Lang          change `json:"lang"`
		Outlet        change `json:"outlet"`
		Rating        change `json:"rating"`
		SaidOn        change `json:"said_on"`
		Setting       change `json:"setting"`
		SourceURL     change `json:"source_url"`
		Speaker       change `json:"speaker"`
		SpeakerRole   change `json:"speaker_role"`
		Tags          change `json:"tags"`
		Text          change `json:"text"`
	}{change{q.Attribution}, str(q.Context), change{q.CreatedBy}, str(q.DatePrecision), change{q.ID}, str(q.Lang), outlet,
		str(q.Rating), str(q.SaidOn), str(q.Setting), str(q.SourceURL), change{q.Speaker.ID}, str(q.SpeakerRole), tags,
		change{q.Text}})
	return string(b), err
}
