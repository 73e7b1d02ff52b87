package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/db"
)

// An appearance whose words are its quote's stores none (the empty string; words are
// never blank): most of a corpus' appearances print the quotation as recorded, and their
// words were a third of what an appearance weighs. Before a quote's words change, its
// appearances that share them are given them (UpdateQuote); an appearance moved to
// another quote takes its words along (MoveRows); one written anew (storedWords) stores
// none again when they are its quote's.
const appearanceColumns = `a.seq, a.id, q.id, a.quote_seq, a.url, a.outlet_id, o.name, a.published_on, a.date_precision,
	CASE a.words WHEN '' THEN q.text ELSE a.words END, a.start_offset, a.end_offset, a.via, a.match, a.score, a.state, a.linked_quote, a.external_id, a.note,
	a.reviewed_by, a.reviewed_at, a.created_by, a.version, a.created_at, a.updated_at`

const appearanceFrom = ` FROM appearances a JOIN quotes q ON q.seq = a.quote_seq LEFT JOIN outlets o ON o.id = a.outlet_id`

// chainOrder orders a quote's appearances: by date published, undated last, then as
// recorded.
const chainOrder = `coalesce(a.published_on, 'infinity'::date), a.seq`

func scanAppearance(row pgx.Row) (*db.Appearance, error) {
	var a db.Appearance
	var outletID, outletName *string
	var published pgtype.Date
	var start, end *int32
	if err := row.Scan(&a.Seq, &a.ID, &a.QuoteID, &a.QuoteSeq, &a.URL, &outletID, &outletName, &published,
		&a.DatePrecision, &a.Words, &start, &end, &a.Via, &a.Match, &a.Score, &a.State, &a.LinkedQuoteID,
		&a.ExternalID, &a.Note, &a.ReviewedBy, &a.ReviewedAt, &a.CreatedBy, &a.Version, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	a.PublishedOn = date(published)
	a.Start, a.End = intPtr(start), intPtr(end)
	if outletID != nil && outletName != nil {
		a.Outlet = &db.OutletRef{ID: *outletID, Name: *outletName}
	}
	if a.ReviewedAt != nil {
		at := utc(*a.ReviewedAt)
		a.ReviewedAt = &at
	}
	a.CreatedAt, a.UpdatedAt = utc(a.CreatedAt), utc(a.UpdatedAt)
	return &a, nil
}

func intPtr(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

func (t *tx) appearances(ctx context.Context, where string, args ...any) ([]*db.Appearance, error) {
	return collect(ctx, t.q, "read appearances", scanAppearance, `SELECT `+appearanceColumns+appearanceFrom+` WHERE `+where, args...)
}

// storedWords stores an appearance's words (the parameter words) as none when they are
// its quote's (the parameter quote, the quote's key): see appearanceColumns.
func storedWords(words, quote string) string {
	return `CASE WHEN ` + words + `::text = (SELECT text FROM quotes WHERE seq = ` + quote + `) THEN '' ELSE ` + words + `::text END`
}

func appearanceOutlet(a *db.Appearance) *string {
	if a.Outlet == nil {
		return nil
	}
	return &a.Outlet.ID
}

// insertAppearance stores one appearance and returns its key.
var insertAppearance = `INSERT INTO appearances (id, quote_seq, url, outlet_id, published_on, date_precision, words,
	start_offset, end_offset, via, match, score, state, drift, linked_quote, external_id, note, reviewed_by, reviewed_at,
	created_by, version, created_at, updated_at, loaded_in)
	VALUES ($1, $2, $3, $4, $5, $6, ` + storedWords("$7", "$2") + `, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
	RETURNING seq`

// InsertAppearance sends the rows a batch at a time (pgx's pipeline): one round trip for
// a corpus batch's appearances, not one each — a Quotebank load's 2.9 a quotation.
func (t *tx) InsertAppearance(ctx context.Context, as ...*db.Appearance) error {
	return t.pipelined(ctx, "insert appearance", len(as), func(b *pgx.Batch, i int) {
		a := as[i]
		b.Queue(insertAppearance, a.ID, a.QuoteSeq, a.URL, appearanceOutlet(a), dateArg(a.PublishedOn), a.DatePrecision,
			a.Words, a.Start, a.End, a.Via, a.Match, a.Score, a.State, a.Drift.Class, a.LinkedQuoteID, a.ExternalID, a.Note,
			a.ReviewedBy, a.ReviewedAt, a.CreatedBy, a.Version, a.CreatedAt, a.UpdatedAt, loadedIn(a.LoadedIn)).
			QueryRow(func(r pgx.Row) error { return r.Scan(&a.Seq) })
	})
}

func (t *tx) Appearance(ctx context.Context, quoteSeq int64, id string, lock bool) (*db.Appearance, error) {
	where := `a.id = $1 AND a.quote_seq = $2`
	if lock {
		where += ` FOR UPDATE OF a`
	}
	rows, err := t.appearances(ctx, where, id, quoteSeq)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0], nil
}

func (t *tx) UpdateAppearance(ctx context.Context, cur, next *db.Appearance) error {
	tag, err := t.exec(ctx, "update appearance", `UPDATE appearances SET quote_seq = $1, url = $2, outlet_id = $3,
		published_on = $4, date_precision = $5, words = `+storedWords("$6", "$1")+`, start_offset = $7, end_offset = $8, state = $9, drift = $10,
		external_id = $11, note = $12, reviewed_by = $13, reviewed_at = $14, version = $15, updated_at = $16
		WHERE seq = $17 AND version = $18`,
		next.QuoteSeq, next.URL, appearanceOutlet(next), dateArg(next.PublishedOn), next.DatePrecision, next.Words, next.Start,
		next.End, next.State, next.Drift.Class, next.ExternalID, next.Note, next.ReviewedBy, next.ReviewedAt, next.Version,
		next.UpdatedAt, cur.Seq, cur.Version)
	if err != nil {
		return err
	}
	return conditional(tag)
}

func (t *tx) ListAppearances(ctx context.Context, quoteSeq int64, key string, seq int64, limit int) ([]*db.Appearance, error) {
	if seq == 0 {
		return t.appearances(ctx, `a.quote_seq = $1 ORDER BY `+chainOrder+` LIMIT $2`, quoteSeq, limit)
	}
	after := pgtype.Date{InfinityModifier: pgtype.Infinity, Valid: true}
	if key != "~" {
		after = dateArg(&key)
	}
	return t.appearances(ctx, `a.quote_seq = $1 AND (`+chainOrder+`) > ($2::date, $3) ORDER BY `+chainOrder+` LIMIT $4`,
		quoteSeq, after, seq, limit)
}

func (t *tx) ListAllAppearances(ctx context.Context, state string, checked bool, before int64, limit int) ([]*db.Appearance, error) {
	where, args := `true`, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if state != "" {
		where += ` AND a.state = ` + arg(state)
	}
	if checked {
		// Reappeared once checked: recorded after the quote's first verdict.
		where += ` AND (q.attribution <> 'unverified' OR q.rating IS NOT NULL)
			AND a.created_at > (SELECT min(created_at) FROM verdicts WHERE quote_seq = q.seq)`
	}
	if before > 0 {
		where += ` AND a.seq < ` + arg(before)
	}
	return t.appearances(ctx, where+` ORDER BY a.seq DESC LIMIT `+arg(limit), args...)
}

func (t *tx) AppearancesOf(ctx context.Context, quoteSeqs []int64) (map[int64][]*db.Appearance, error) {
	out := map[int64][]*db.Appearance{}
	if len(quoteSeqs) == 0 {
		return out, nil
	}
	rows, err := t.appearances(ctx, `a.quote_seq = ANY($1) ORDER BY `+chainOrder, quoteSeqs)
	for _, a := range rows {
		out[a.QuoteSeq] = append(out[a.QuoteSeq], a)
	}
	return out, err
}

// RefreshChain is one statement for up to chainChunk quotes: the counts, the first
// appearance and its date from each quote's appearances (an index on quote_seq serves
// each). A corpus batch touches thousands of quotes, and a statement each (even
// pipelined) cost the server a plan and an execution each.
func (t *tx) RefreshChain(ctx context.Context, quoteSeqs ...int64) error {
	for start := 0; start < len(quoteSeqs); start += chainChunk {
		if _, err := t.exec(ctx, "refresh chain", refreshChains, quoteSeqs[start:min(start+chainChunk, len(quoteSeqs))]); err != nil {
			return err
		}
	}
	return nil
}

// chainChunk is how many quotes' chains one statement sums.
const chainChunk = 5000

// refreshChains sums the chains of the quotes with the keys $1 into their rows.
const refreshChains = `UPDATE quotes SET
		appearance_count = c.confirmed, drift_count = c.drifted, suggested_count = c.suggested,
		appeared_first = c.first_date,
		first_appearance = coalesce(
			(SELECT id FROM appearances WHERE quote_seq = quotes.seq AND state = 'confirmed'
				AND id = (quotes.first_appearance_pin::jsonb ->> 'appearance_id')),
			(SELECT id FROM appearances a WHERE a.quote_seq = quotes.seq AND a.state = 'confirmed' ORDER BY ` + chainOrder + ` LIMIT 1))
		FROM (SELECT s.seq,
				count(*) FILTER (WHERE a.state = 'confirmed') AS confirmed,
				count(*) FILTER (WHERE a.state = 'confirmed' AND a.drift IN ('minor', 'altered')) AS drifted,
				count(*) FILTER (WHERE a.state = 'suggested') AS suggested,
				min(a.published_on) FILTER (WHERE a.state = 'confirmed') AS first_date
			FROM (SELECT DISTINCT unnest($1::bigint[]) AS seq) s
			LEFT JOIN appearances a ON a.quote_seq = s.seq
			GROUP BY s.seq) c
		WHERE quotes.seq = c.seq`

// movable are the statements that move the rows of the tables MoveRows moves, by the
// name the core gives them, but for the rows' new quote and which rows: an appearance
// that stored its quote's words as none takes them with it (appearanceColumns).
var movable = map[string]string{
	"citations": `UPDATE citations SET`,
	"verdicts":  `UPDATE verdicts SET`,
	"appearances": `UPDATE appearances SET
		words = CASE words WHEN '' THEN (SELECT text FROM quotes WHERE seq = appearances.quote_seq) ELSE words END,`,
}

func (t *tx) MoveRows(ctx context.Context, table string, ids []string, toSeq int64) error {
	update, ok := movable[table]
	if !ok {
		return fmt.Errorf("postgres: move rows of %q", table)
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := t.exec(ctx, "move "+table, update+` quote_seq = $1 WHERE id = ANY($2)`, toSeq, ids)
	return err
}

func (t *tx) AppearanceByExternalID(ctx context.Context, key string) (string, error) {
	var id string
	err := one("find imported appearance", t.q.QueryRow(ctx, `SELECT q.id FROM appearances a
		JOIN quotes q ON q.seq = a.quote_seq WHERE a.external_id = $1`, key).Scan(&id))
	if errors.Is(err, db.ErrNoRow) {
		return "", nil
	}
	return id, err
}

func (t *tx) QuoteExternalID(ctx context.Context, seq int64) (*string, error) {
	var key *string
	err := one("read import key", t.q.QueryRow(ctx, `SELECT external_id FROM quotes WHERE seq = $1`, seq).Scan(&key))
	return key, err
}

func (t *tx) VerdictIDsOf(ctx context.Context, quoteSeq int64) ([]string, error) {
	return collect(ctx, t.q, "read verdict IDs", func(r pgx.Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM verdicts WHERE quote_seq = $1 ORDER BY seq`, quoteSeq)
}
