package sqlite

import (
	"context"
	"errors"
	"fmt"

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
const chainOrder = `coalesce(a.published_on, '~'), a.seq`

func scanAppearance(row scanner) (*db.Appearance, error) {
	var a db.Appearance
	var outletID, outletName, reviewedAt *string
	var created, updated string
	if err := row.Scan(&a.Seq, &a.ID, &a.QuoteID, &a.QuoteSeq, &a.URL, &outletID, &outletName, &a.PublishedOn,
		&a.DatePrecision, &a.Words, &a.Start, &a.End, &a.Via, &a.Match, &a.Score, &a.State, &a.LinkedQuoteID,
		&a.ExternalID, &a.Note, &a.ReviewedBy, &reviewedAt, &a.CreatedBy, &a.Version, &created, &updated); err != nil {
		return nil, err
	}
	if outletID != nil && outletName != nil {
		a.Outlet = &db.OutletRef{ID: *outletID, Name: *outletName}
	}
	a.ReviewedAt = optTime(reviewedAt)
	a.CreatedAt, a.UpdatedAt = parseTime(created), parseTime(updated)
	return &a, nil
}

func (t *tx) appearances(ctx context.Context, query string, args ...any) ([]*db.Appearance, error) {
	return collect(ctx, t.q, "read appearances", scanAppearance, `SELECT `+appearanceColumns+appearanceFrom+` WHERE `+query, args...)
}

// storedWords stores an appearance's words (the first and third argument) as none when
// they are its quote's (the second, the quote's key): see appearanceColumns.
const storedWords = `CASE WHEN ? = (SELECT text FROM quotes WHERE seq = ?) THEN '' ELSE ? END`

func appearanceOutlet(a *db.Appearance) *string {
	if a.Outlet == nil {
		return nil
	}
	return &a.Outlet.ID
}

// InsertAppearance inserts one row a statement: many rows to a statement measured slower
// here (each row's words compared with its quote's).
func (t *tx) InsertAppearance(ctx context.Context, as ...*db.Appearance) error {
	for _, a := range as {
		if err := t.insertAppearance(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) insertAppearance(ctx context.Context, a *db.Appearance) error {
	res, err := t.exec(ctx, "insert appearance", `INSERT INTO appearances (id, quote_seq, url, outlet_id, published_on,
		date_precision, words, start_offset, end_offset, via, match, score, state, drift, linked_quote, external_id, note,
		reviewed_by, reviewed_at, created_by, version, created_at, updated_at, loaded_in)
		VALUES (?, ?, ?, ?, ?, ?, `+storedWords+`, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.QuoteSeq, a.URL, appearanceOutlet(a), a.PublishedOn, a.DatePrecision, a.Words, a.QuoteSeq, a.Words, a.Start, a.End, a.Via,
		a.Match, a.Score, a.State, a.Drift.Class, a.LinkedQuoteID, a.ExternalID, a.Note, a.ReviewedBy, optTS(a.ReviewedAt), a.CreatedBy,
		a.Version, ts(a.CreatedAt), ts(a.UpdatedAt), loadedIn(a.LoadedIn))
	if err != nil {
		return err
	}
	a.Seq, err = res.LastInsertId()
	return err
}

func (t *tx) Appearance(ctx context.Context, quoteSeq int64, id string, _ bool) (*db.Appearance, error) {
	rows, err := t.appearances(ctx, `a.id = ? AND a.quote_seq = ?`, id, quoteSeq)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0], nil
}

func (t *tx) UpdateAppearance(ctx context.Context, cur, next *db.Appearance) error {
	res, err := t.exec(ctx, "update appearance", `UPDATE appearances SET quote_seq = ?, url = ?, outlet_id = ?,
		published_on = ?, date_precision = ?, words = `+storedWords+`, start_offset = ?, end_offset = ?, state = ?, drift = ?,
		external_id = ?, note = ?, reviewed_by = ?, reviewed_at = ?, version = ?, updated_at = ?
		WHERE seq = ? AND version = ?`,
		next.QuoteSeq, next.URL, appearanceOutlet(next), next.PublishedOn, next.DatePrecision, next.Words, next.QuoteSeq, next.Words, next.Start,
		next.End, next.State, next.Drift.Class, next.ExternalID, next.Note, next.ReviewedBy, optTS(next.ReviewedAt), next.Version,
		ts(next.UpdatedAt), cur.Seq, cur.Version)
	if err != nil {
		return err
	}
	return affected("update appearance", res)
}

func (t *tx) ListAppearances(ctx context.Context, quoteSeq int64, key string, seq int64, limit int) ([]*db.Appearance, error) {
	if seq == 0 {
		return t.appearances(ctx, `a.quote_seq = ? ORDER BY `+chainOrder+` LIMIT ?`, quoteSeq, limit)
	}
	return t.appearances(ctx, `a.quote_seq = ? AND (coalesce(a.published_on, '~'), a.seq) > (?, ?) ORDER BY `+chainOrder+
		` LIMIT ?`, quoteSeq, key, seq, limit)
}

func (t *tx) ListAllAppearances(ctx context.Context, state string, checked bool, before int64, limit int) ([]*db.Appearance, error) {
	where, args := `1=1`, []any{}
	if state != "" {
		where += ` AND a.state = ?`
		args = append(args, state)
	}
	if checked {
		// Reappeared once checked: recorded after the quote's first verdict.
		where += ` AND (q.attribution != 'unverified' OR q.rating IS NOT NULL)
			AND a.created_at > (SELECT min(created_at) FROM verdicts WHERE quote_seq = q.seq)`
	}
	if before > 0 {
		where += ` AND a.seq < ?`
		args = append(args, before)
	}
	return t.appearances(ctx, where+` ORDER BY a.seq DESC LIMIT ?`, append(args, limit)...)
}

func (t *tx) AppearancesOf(ctx context.Context, quoteSeqs []int64) (map[int64][]*db.Appearance, error) {
	out := map[int64][]*db.Appearance{}
	if len(quoteSeqs) == 0 {
		return out, nil
	}
	rows, err := t.appearances(ctx, `a.quote_seq IN (`+placeholders(len(quoteSeqs))+`) ORDER BY `+chainOrder, anys(quoteSeqs)...)
	for _, a := range rows {
		out[a.QuoteSeq] = append(out[a.QuoteSeq], a)
	}
	return out, err
}

// RefreshChain is one statement: the counts, the first appearance and its date from the
// quote's appearances (an index on quote_seq serves each).
func (t *tx) RefreshChain(ctx context.Context, quoteSeqs ...int64) error {
	for _, seq := range quoteSeqs {
		if err := t.refreshChain(ctx, seq); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) refreshChain(ctx context.Context, quoteSeq int64) error {
	_, err := t.exec(ctx, "refresh chain", `UPDATE quotes SET
		appearance_count = (SELECT count(*) FROM appearances WHERE quote_seq = quotes.seq AND state = 'confirmed'),
		drift_count = (SELECT count(*) FROM appearances WHERE quote_seq = quotes.seq AND state = 'confirmed'
			AND drift IN ('minor', 'altered')),
		suggested_count = (SELECT count(*) FROM appearances WHERE quote_seq = quotes.seq AND state = 'suggested'),
		appeared_first = (SELECT min(published_on) FROM appearances WHERE quote_seq = quotes.seq AND state = 'confirmed'),
		first_appearance = coalesce(
			(SELECT id FROM appearances WHERE quote_seq = quotes.seq AND state = 'confirmed'
				AND id = json_extract(quotes.first_appearance_pin, '$.appearance_id')),
			(SELECT id FROM appearances a WHERE a.quote_seq = quotes.seq AND a.state = 'confirmed' ORDER BY `+chainOrder+` LIMIT 1))
		WHERE seq = ?`, quoteSeq)
	return err
}

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
		return fmt.Errorf("sqlite: move rows of %q", table)
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		if _, err := t.exec(ctx, "move "+table, update+` quote_seq = ? WHERE id IN (`+placeholders(len(chunk))+`)`,
			append([]any{toSeq}, anys(chunk)...)...); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) AppearanceByExternalID(ctx context.Context, key string) (string, error) {
	var id string
	err := one("find imported appearance", t.q.QueryRowContext(ctx, `SELECT q.id FROM appearances a
		JOIN quotes q ON q.seq = a.quote_seq WHERE a.external_id = ?`, key).Scan(&id))
	if errors.Is(err, db.ErrNoRow) {
		return "", nil
	}
	return id, err
}

func (t *tx) QuoteExternalID(ctx context.Context, seq int64) (*string, error) {
	var key *string
	err := one("read import key", t.q.QueryRowContext(ctx, `SELECT external_id FROM quotes WHERE seq = ?`, seq).Scan(&key))
	return key, err
}

func (t *tx) VerdictIDsOf(ctx context.Context, quoteSeq int64) ([]string, error) {
	return collect(ctx, t.q, "read verdict IDs", func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM verdicts WHERE quote_seq = ? ORDER BY seq`, quoteSeq)
}
