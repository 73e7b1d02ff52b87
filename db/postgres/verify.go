package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/db"
)

// verifyBatch is how many quotes' search vectors one statement checks.
const verifyBatch = 2000

// Verify checks what PostgreSQL does not check itself — that every index is valid (a
// failed CREATE INDEX CONCURRENTLY leaves one that is not), that each reviewed quote
// shows its current verdict's axes, and that every quote's search vector is the one its
// words, speaker and context give today — and counts the rows.
func (e *Engine) Verify(ctx context.Context) (db.Report, error) {
	var r db.Report
	err := read(ctx, e.primary, func(dtx db.Tx) error {
		q := dtx.(*tx).q
		if err := q.QueryRow(ctx, `SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM speakers),
			(SELECT count(*) FROM outlets), (SELECT count(*) FROM verdicts), (SELECT count(*) FROM citations),
			(SELECT count(*) FROM audit_log)`).Scan(&r.Quotes, &r.Speakers, &r.Outlets, &r.Verdicts, &r.Citations, &r.AuditLog); err != nil {
			return fmt.Errorf("postgres: count: %w", err)
		}
		var problems []string
		var invalid []string
		rows, err := q.Query(ctx, `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)`)
		if err != nil {
			return fmt.Errorf("postgres: check indexes: %w", err)
		}
		if invalid, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return fmt.Errorf("postgres: check indexes: %w", err)
		}
		if len(invalid) > 0 {
			problems = append(problems, "invalid indexes: "+strings.Join(invalid, ", "))
		}
		rows, err = q.Query(ctx, `SELECT name FROM deferred_indexes ORDER BY name`)
		if err != nil {
			return fmt.Errorf("postgres: check deferred indexes: %w", err)
		}
		deferred, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("postgres: check deferred indexes: %w", err)
		}
		if len(deferred) > 0 {
			problems = append(problems, "indexes a load has not built yet: "+strings.Join(deferred, ", "))
		}
		var mismatched int64
		if err := q.QueryRow(ctx, `SELECT count(*) FROM quotes q LEFT JOIN verdicts v ON v.seq = q.verdict_seq
			WHERE (q.verdict_seq IS NULL AND (q.attribution <> 'unverified' OR q.rating IS NOT NULL))
			   OR (q.verdict_seq IS NOT NULL AND (v.quote_seq IS DISTINCT FROM q.seq OR v.attribution <> q.attribution
			       OR v.rating IS DISTINCT FROM q.rating))`).Scan(&mismatched); err != nil {
			return fmt.Errorf("postgres: check verdicts: %w", err)
		}
		if mismatched > 0 {
			problems = append(problems, fmt.Sprintf("%d quotes do not show their current verdict", mismatched))
		}
		r.Integrity = "ok"
		if len(problems) > 0 {
			r.Integrity = strings.Join(problems, "; ")
		}
		stale, err := staleVectors(ctx, q)
		if err != nil {
			return err
		}
		r.SearchIndexOK = stale == 0 && !slices.Contains(deferred, "quotes_search") && !slices.Contains(invalid, "quotes_search")
		return nil
	})
	return r, err
}

// staleVectors counts the quotes whose stored search vector differs from the one built
// from them now, a batch of quotes at a time.
func staleVectors(ctx context.Context, q querier) (int64, error) {
	var stale int64
	var after int64
	for {
		type row struct {
			seq                  int64
			text, names, context string
		}
		rows, err := collect(ctx, q, "read quotes to verify", func(r pgx.Row) (row, error) {
			var x row
			var context *string
			err := r.Scan(&x.seq, &x.text, &x.names, &context)
			x.context = deref(context)
			return x, err
		}, `SELECT q.seq, q.text, (SELECT string_agg(name, ' ' ORDER BY ord) FROM speaker_names WHERE speaker_id = q.speaker_id),
			q.context FROM quotes q WHERE q.seq > $1 ORDER BY q.seq LIMIT $2`, after, verifyBatch)
		if err != nil {
			return 0, err
		}
		if len(rows) == 0 {
			return stale, nil
		}
		seqs := make([]int64, len(rows))
		vecs := make([]pgtype.TSVector, len(rows))
		for i, r := range rows {
			seqs[i], vecs[i] = r.seq, vector(r.text, r.names, r.context)
		}
		var n int64
		if err := q.QueryRow(ctx, `SELECT count(*) FROM unnest($1::bigint[], $2::tsvector[]) AS v(seq, vec)
			JOIN quotes q ON q.seq = v.seq WHERE q.search IS DISTINCT FROM v.vec`, seqs, vecs).Scan(&n); err != nil {
			return 0, fmt.Errorf("postgres: verify search vectors: %w", err)
		}
		stale += n
		after = rows[len(rows)-1].seq
	}
}
