package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

// quoteCopyColumns are the columns a bulk load writes, in order.
var quoteCopyColumns = []string{"id", "text", "speaker_id", "speaker_role", "said_on", "date_precision", "outlet_id", "context",
	"setting", "lang", "source_url", "tags", "created_by", "version", "created_at", "updated_at", "external_id", "search", "loaded_in"}

// BulkInsertQuotes loads new quotes with COPY, a part at a time as the parts come.
// COPY cannot skip a row whose key is taken, and the core has checked that none is; so
// the rows go straight into quotes, with keys taken ahead from the sequence — unless
// another import stored one of their keys meanwhile, when the COPY fails, is undone to
// its savepoint and the part's rows go by COPY into a temporary table and from there with
// INSERT … ON CONFLICT (external_id) DO NOTHING, which skips (and reports, as 0) the rows
// whose keys are taken. The variant bands of every part follow by one COPY.
func (t *tx) BulkInsertQuotes(ctx context.Context, parts iter.Seq[[]*db.BulkQuote]) ([]int64, error) {
	var rows []*db.BulkQuote
	var seqs []int64
	for part := range parts {
		if len(part) == 0 {
			continue
		}
		s, err := t.insertQuotes(ctx, part)
		if err != nil {
			return nil, err
		}
		rows = append(rows, part...)
		seqs = append(seqs, s...)
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
	if len(bands) == 0 {
		return seqs, nil
	}
	if _, err := t.q.CopyFrom(ctx, pgx.Identifier{"quote_bands"}, []string{"key", "quote_seq"}, pgx.CopyFromRows(bands)); err != nil {
		return nil, fmt.Errorf("postgres: bulk copy bands: %w", classify(err))
	}
	return seqs, nil
}

// insertQuotes stores one part of a bulk load's quotes and returns each row's key, 0 for
// a row whose key was taken.
func (t *tx) insertQuotes(ctx context.Context, rows []*db.BulkQuote) ([]int64, error) {
	speakers := make([]string, 0, len(rows))
	for _, r := range rows {
		speakers = append(speakers, r.Quote.Speaker.ID)
	}
	names, err := t.speakerNames(ctx, uniq(speakers))
	if err != nil {
		return nil, err
	}
	// A row's values, its search vector included, are made as COPY asks for them: pgx
	// sends what is ready while the next rows are made, so building the vectors overlaps
	// with the server storing the rows before them.
	values := func(i int) []any {
		q := rows[i].Quote
		return []any{q.ID, q.Text, q.Speaker.ID, q.SpeakerRole, dateArg(q.SaidOn), q.DatePrecision, outletID(q), q.Context,
			q.Setting, q.Lang, q.SourceURL, tags(q.Tags), q.CreatedBy, q.Version, q.CreatedAt, q.UpdatedAt, rows[i].ExternalID,
			vector(q.Text, names[q.Speaker.ID], deref(q.Context)), loadedIn(q.LoadedIn)}
	}
	seqs, err := t.copyQuotes(ctx, len(rows), values)
	if errors.Is(err, db.ErrDuplicate) {
		seqs, err = t.insertQuotesSkipping(ctx, len(rows), values)
	}
	return seqs, err
}

// copyQuotes copies the rows into quotes with keys from the sequence, behind a
// savepoint: ErrDuplicate leaves the transaction as it was.
func (t *tx) copyQuotes(ctx context.Context, n int, values func(int) []any) ([]int64, error) {
	if _, err := t.exec(ctx, "bulk insert", `SAVEPOINT bulk`); err != nil {
		return nil, err
	}
	seqs, err := collect(ctx, t.q, "take keys", func(r pgx.Row) (int64, error) {
		var seq int64
		return seq, r.Scan(&seq)
	}, `SELECT nextval(pg_get_serial_sequence('quotes', 'seq')) FROM generate_series(1, $1)`, n)
	if err == nil {
		_, err = t.q.CopyFrom(ctx, pgx.Identifier{"quotes"}, append([]string{"seq"}, quoteCopyColumns...),
			pgx.CopyFromSlice(n, func(i int) ([]any, error) { return append([]any{seqs[i]}, values(i)...), nil }))
		err = classify(err)
	}
	if err != nil {
		if _, rerr := t.exec(ctx, "bulk insert", `ROLLBACK TO SAVEPOINT bulk`); rerr != nil {
			return nil, rerr
		}
		return nil, fmt.Errorf("postgres: bulk copy: %w", err)
	}
	_, err = t.exec(ctx, "bulk insert", `RELEASE SAVEPOINT bulk`)
	return seqs, err
}

// insertQuotesSkipping stores the rows whose keys are free, by way of a temporary table,
// and returns each row's key, 0 for a row skipped.
func (t *tx) insertQuotesSkipping(ctx context.Context, n int, values func(int) []any) ([]int64, error) {
	if _, err := t.exec(ctx, "bulk insert", `CREATE TEMP TABLE bulk_quotes (
		ord integer, id text, text text, speaker_id text, speaker_role text, said_on date, date_precision text, outlet_id text,
		context text, setting text, lang text, source_url text, tags text[], created_by text, version bigint,
		created_at timestamptz, updated_at timestamptz, external_id text, search tsvector, loaded_in bigint) ON COMMIT DROP`); err != nil {
		return nil, err
	}
	_, err := t.q.CopyFrom(ctx, pgx.Identifier{"bulk_quotes"}, append([]string{"ord"}, quoteCopyColumns...),
		pgx.CopyFromSlice(n, func(i int) ([]any, error) { return append([]any{i}, values(i)...), nil }))
	if err != nil {
		return nil, fmt.Errorf("postgres: bulk copy: %w", classify(err))
	}
	taken, err := collect(ctx, t.q, "bulk insert", func(r pgx.Row) ([2]int64, error) {
		var x [2]int64
		return x, r.Scan(&x[0], &x[1])
	}, `WITH ins AS (
		INSERT INTO quotes (id, text, speaker_id, speaker_role, said_on, date_precision, outlet_id, context, setting, lang,
			source_url, tags, created_by, version, created_at, updated_at, external_id, search, loaded_in)
		SELECT id, text, speaker_id, speaker_role, said_on, date_precision, outlet_id, context, setting, lang, source_url,
			tags, created_by, version, created_at, updated_at, external_id, search, loaded_in FROM bulk_quotes ORDER BY ord
		ON CONFLICT (external_id) DO NOTHING RETURNING id, seq)
		SELECT b.ord, ins.seq FROM ins JOIN bulk_quotes b ON b.id = ins.id`)
	if err != nil {
		return nil, err
	}
	if _, err := t.exec(ctx, "bulk insert", `DROP TABLE bulk_quotes`); err != nil {
		return nil, err
	}
	seqs := make([]int64, n)
	for _, x := range taken {
		seqs[x[0]] = x[1]
	}
	return seqs, nil
}
