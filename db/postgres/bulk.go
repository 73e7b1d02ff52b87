package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

// BulkInsertQuotes loads new quotes with COPY, which cannot skip a row whose key is
// taken: the rows go by COPY into a temporary table, then into quotes with INSERT …
// SELECT … ON CONFLICT (external_id) DO NOTHING, so that a key another import stored
// meanwhile is skipped and reported (0) rather than failing the batch. The search
// vectors are built here, typed, and the variant bands follow by COPY too.
func (t *tx) BulkInsertQuotes(ctx context.Context, rows []*db.BulkQuote) ([]int64, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	speakers := make([]string, 0, len(rows))
	for _, r := range rows {
		speakers = append(speakers, r.Quote.Speaker.ID)
	}
	names, err := t.speakerNames(ctx, uniq(speakers))
	if err != nil {
		return nil, err
	}
	if _, err := t.exec(ctx, "bulk insert", `CREATE TEMP TABLE bulk_quotes (
		ord integer, id text, text text, speaker_id text, speaker_role text, said_on date, date_precision text, outlet_id text,
		context text, setting text, lang text, source_url text, tags text[], created_by text, version bigint,
		created_at timestamptz, updated_at timestamptz, external_id text, search tsvector) ON COMMIT DROP`); err != nil {
		return nil, err
	}
	_, err = t.q.CopyFrom(ctx, pgx.Identifier{"bulk_quotes"}, []string{"ord", "id", "text", "speaker_id", "speaker_role",
		"said_on", "date_precision", "outlet_id", "context", "setting", "lang", "source_url", "tags", "created_by", "version",
		"created_at", "updated_at", "external_id", "search"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			q := r.Quote
			return []any{i, q.ID, q.Text, q.Speaker.ID, q.SpeakerRole, dateArg(q.SaidOn), q.DatePrecision, outletID(q), q.Context,
				q.Setting, q.Lang, q.SourceURL, tags(q.Tags), q.CreatedBy, q.Version, q.CreatedAt, q.UpdatedAt, r.ExternalID,
				vector(q.Text, names[q.Speaker.ID], deref(q.Context))}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("postgres: bulk copy: %w", classify(err))
	}
	taken, err := collect(ctx, t.q, "bulk insert", func(r pgx.Row) ([2]int64, error) {
		var x [2]int64
		return x, r.Scan(&x[0], &x[1])
	}, `WITH ins AS (
		INSERT INTO quotes (id, text, speaker_id, speaker_role, said_on, date_precision, outlet_id, context, setting, lang,
			source_url, tags, created_by, version, created_at, updated_at, external_id, search)
		SELECT id, text, speaker_id, speaker_role, said_on, date_precision, outlet_id, context, setting, lang, source_url,
			tags, created_by, version, created_at, updated_at, external_id, search FROM bulk_quotes ORDER BY ord
		ON CONFLICT (external_id) DO NOTHING RETURNING id, seq)
		SELECT b.ord, ins.seq FROM ins JOIN bulk_quotes b ON b.id = ins.id`)
	if err != nil {
		return nil, err
	}
	seqs := make([]int64, len(rows))
	for _, x := range taken {
		seqs[x[0]] = x[1]
	}
	var bands [][]any
	for i, r := range rows {
		if seqs[i] == 0 {
			continue
		}
		for _, k := range uniq(r.Bands) {
			bands = append(bands, []any{k, seqs[i]})
		}
	}
	if _, err := t.q.CopyFrom(ctx, pgx.Identifier{"quote_bands"}, []string{"key", "quote_seq"}, pgx.CopyFromRows(bands)); err != nil {
		return nil, fmt.Errorf("postgres: bulk copy bands: %w", classify(err))
	}
	if _, err := t.exec(ctx, "bulk insert", `DROP TABLE bulk_quotes`); err != nil {
		return nil, err
	}
	return seqs, nil
}
