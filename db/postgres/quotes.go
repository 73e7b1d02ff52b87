package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/db"
)

const quoteColumns = `q.seq, q.id, q.text, q.speaker_id, s.name, q.speaker_role, q.said_on, q.date_precision,
	q.outlet_id, o.name, q.context, q.setting, q.lang, q.source_url, q.tags, q.attribution, q.rating,
	q.created_by, q.version, q.created_at, q.updated_at, q.verdict_seq, q.extraction, q.appearance_count, q.drift_count,
	q.suggested_count, q.first_appearance, q.appeared_first, q.first_appearance_pin`

const quoteFrom = ` FROM quotes q JOIN speakers s ON s.id = q.speaker_id LEFT JOIN outlets o ON o.id = q.outlet_id`

func scanQuote(row pgx.Row) (*db.Quote, error) {
	var q db.Quote
	var outletID, outletName *string
	var saidOn, appearedFirst pgtype.Date
	var extraction []byte
	var pin *string
	if err := row.Scan(&q.Seq, &q.ID, &q.Text, &q.Speaker.ID, &q.Speaker.Name, &q.SpeakerRole, &saidOn, &q.DatePrecision,
		&outletID, &outletName, &q.Context, &q.Setting, &q.Lang, &q.SourceURL, &q.Tags, &q.Attribution, &q.Rating,
		&q.CreatedBy, &q.Version, &q.CreatedAt, &q.UpdatedAt, &q.VerdictSeq, &extraction, &q.AppearanceCounts.Confirmed,
		&q.AppearanceCounts.Drifted, &q.AppearanceCounts.Suggested, &q.FirstAppearanceID, &appearedFirst, &pin); err != nil {
		return nil, err
	}
	q.SaidOn, q.AppearedFirst = date(saidOn), date(appearedFirst)
	q.FirstSeen, q.FirstAppearancePin = db.FirstSeen(q.SaidOn, q.AppearedFirst), db.ParsePin(pin)
	if outletID != nil && outletName != nil {
		q.Outlet = &db.OutletRef{ID: *outletID, Name: *outletName}
	}
	if q.Tags == nil {
		q.Tags = []string{}
	}
	q.CreatedAt, q.UpdatedAt = utc(q.CreatedAt), utc(q.UpdatedAt)
	if extraction != nil {
		var x db.Extraction
		if json.Unmarshal(extraction, &x) == nil {
			q.Extraction = &x
		}
	}
	return &q, nil
}

func (t *tx) Quote(ctx context.Context, id string, lock bool) (*db.Quote, error) {
	query := `SELECT ` + quoteColumns + quoteFrom + ` WHERE q.id = $1`
	if lock {
		query += ` FOR UPDATE OF q`
	}
	q, err := scanQuote(t.q.QueryRow(ctx, query, id))
	return q, one("read quote", err)
}

func (t *tx) QuotesBySeq(ctx context.Context, seqs []int64) ([]*db.Quote, error) {
	out := make([]*db.Quote, 0, len(seqs))
	if len(seqs) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read quotes", scanQuote, `SELECT `+quoteColumns+quoteFrom+` WHERE q.seq = ANY($1)`, seqs)
	if err != nil {
		return nil, err
	}
	bySeq := make(map[int64]*db.Quote, len(rows))
	for _, q := range rows {
		bySeq[q.Seq] = q
	}
	for _, seq := range seqs {
		q, ok := bySeq[seq]
		if !ok {
			return nil, fmt.Errorf("postgres: read quotes: quote %d vanished inside a transaction", seq)
		}
		out = append(out, q)
	}
	return out, nil
}

func extractionJSON(x *db.Extraction) []byte {
	if x == nil {
		return nil
	}
	b, _ := json.Marshal(x) // a struct of strings and numbers always marshals
	return b
}

func outletID(q *db.Quote) *string {
	if q.Outlet == nil {
		return nil
	}
	return &q.Outlet.ID
}

func tags(ts []string) []string {
	if ts == nil {
		return []string{}
	}
	return ts
}

// speakerNames returns each speaker's names (the name, then the aliases) joined by
// spaces, as the search index holds them.
func (t *tx) speakerNames(ctx context.Context, ids []string) (map[string]string, error) {
	type names struct{ id, names string }
	rows, err := collect(ctx, t.q, "read speaker names", func(r pgx.Row) (names, error) {
		var n names
		return n, r.Scan(&n.id, &n.names)
	}, `SELECT speaker_id, string_agg(name, ' ' ORDER BY ord) FROM speaker_names WHERE speaker_id = ANY($1) GROUP BY speaker_id`, ids)
	out := make(map[string]string, len(rows))
	for _, n := range rows {
		out[n.id] = n.names
	}
	return out, err
}

func (t *tx) searchVector(ctx context.Context, q *db.Quote) (pgtype.TSVector, error) {
	names, err := t.speakerNames(ctx, []string{q.Speaker.ID})
	if err != nil {
		return pgtype.TSVector{}, err
	}
	return vector(q.Text, names[q.Speaker.ID], deref(q.Context)), nil
}

// InsertQuote writes the quote row with its search vector, and its bands.
func (t *tx) InsertQuote(ctx context.Context, q *db.Quote, externalID *string, bands []int64) (int64, error) {
	vec, err := t.searchVector(ctx, q)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = t.q.QueryRow(ctx, `INSERT INTO quotes (id, text, speaker_id, speaker_role, said_on, date_precision, outlet_id,
		context, setting, lang, source_url, tags, attribution, rating, created_by, version, created_at, updated_at,
		external_id, extraction, search, first_appearance_pin, loaded_in)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING seq`,
		q.ID, q.Text, q.Speaker.ID, q.SpeakerRole, dateArg(q.SaidOn), q.DatePrecision, outletID(q), q.Context, q.Setting,
		q.Lang, q.SourceURL, tags(q.Tags), q.Attribution, q.Rating, q.CreatedBy, q.Version, q.CreatedAt, q.UpdatedAt,
		externalID, extractionJSON(q.Extraction), vec, db.PinJSON(q.FirstAppearancePin), loadedIn(q.LoadedIn)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("postgres: insert quote: %w", classify(err))
	}
	return seq, t.writeBands(ctx, seq, bands)
}

// loadedIn is a record's loaded_in: NULL for one no load created.
func loadedIn(seq int64) any {
	if seq == 0 {
		return nil
	}
	return seq
}

func (t *tx) UpdateQuote(ctx context.Context, cur, next *db.Quote, bands *db.BandChange) error {
	var vec *pgtype.TSVector
	if next.Text != cur.Text || next.Speaker.ID != cur.Speaker.ID || deref(next.Context) != deref(cur.Context) {
		v, err := t.searchVector(ctx, next)
		if err != nil {
			return err
		}
		vec = &v
	}
	tag, err := t.exec(ctx, "update quote", `UPDATE quotes SET text = $1, speaker_id = $2, speaker_role = $3, said_on = $4,
		date_precision = $5, outlet_id = $6, context = $7, setting = $8, lang = $9, source_url = $10, tags = $11,
		version = $12, updated_at = $13, search = coalesce($14, search), attribution = $17, rating = $18, verdict_seq = $19,
		first_appearance_pin = $20 WHERE seq = $15 AND version = $16`,
		next.Text, next.Speaker.ID, next.SpeakerRole, dateArg(next.SaidOn), next.DatePrecision, outletID(next), next.Context,
		next.Setting, next.Lang, next.SourceURL, tags(next.Tags), next.Version, next.UpdatedAt, vec, cur.Seq, cur.Version,
		next.Attribution, next.Rating, next.VerdictSeq, db.PinJSON(next.FirstAppearancePin))
	if err != nil {
		return err
	}
	if err := conditional(tag); err != nil {
		return err
	}
	if next.Text != cur.Text {
		// Its appearances that printed the words as they were keep them (appearanceColumns).
		if _, err := t.exec(ctx, "keep appearances' words", `UPDATE appearances SET words = $1
			WHERE quote_seq = $2 AND words = ''`, cur.Text, cur.Seq); err != nil {
			return err
		}
	}
	if bands != nil {
		if err := t.clearBands(ctx, cur.Seq, bands.Old); err != nil {
			return err
		}
		return t.writeBands(ctx, cur.Seq, bands.New)
	}
	return nil
}

func (t *tx) DeleteQuote(ctx context.Context, q *db.Quote, bands []int64) error {
	if err := t.clearBands(ctx, q.Seq, bands); err != nil {
		return err
	}
	_, err := t.exec(ctx, "delete quote", `DELETE FROM quotes WHERE seq = $1`, q.Seq)
	return err
}

func (t *tx) QuoteIDByExternalID(ctx context.Context, key string) (string, error) {
	var id string
	err := one("find imported quote", t.q.QueryRow(ctx, `SELECT id FROM quotes WHERE external_id = $1`, key).Scan(&id))
	if errors.Is(err, db.ErrNoRow) {
		return "", nil
	}
	return id, err
}

func (t *tx) ExternalIDsStored(ctx context.Context, keys []string) (map[string]bool, error) {
	found, err := collect(ctx, t.q, "find imported keys", func(r pgx.Row) (string, error) {
		var k string
		return k, r.Scan(&k)
	}, `SELECT external_id FROM quotes WHERE external_id = ANY($1)
		UNION ALL SELECT external_id FROM appearances WHERE external_id = ANY($1)`, keys)
	out := make(map[string]bool, len(found))
	for _, k := range found {
		out[k] = true
	}
	return out, err
}

func (t *tx) CountQuotesBy(ctx context.Context, by, id string) (int, error) {
	column := map[string]string{"speaker": "speaker_id", "outlet": "outlet_id"}[by]
	if column == "" {
		return 0, fmt.Errorf("postgres: count quotes by %q", by)
	}
	var n int
	err := one("count quotes", t.q.QueryRow(ctx, `SELECT count(*) FROM quotes WHERE `+column+` = $1`, id).Scan(&n))
	return n, err
}

func (t *tx) Counts(ctx context.Context) (db.Counts, error) {
	var c db.Counts
	err := one("count", t.q.QueryRow(ctx, `SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM speakers),
		(SELECT count(*) FROM outlets)`).Scan(&c.Quotes, &c.Speakers, &c.Outlets))
	return c, err
}
