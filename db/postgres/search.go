package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/db"
)

// args numbers a statement's parameters as its clauses are written.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// planned makes pgx send a search as an unnamed statement, planned for its own values. A
// prepared statement is planned generically after five runs, without knowing how many
// quotes its words match: for a common word it then read the search index's whole
// posting list where the newest quotes by key were enough (88 ms against 38 ms).
const planned = pgx.QueryExecModeExec

// filters is the WHERE clauses of a search's filters and query, over quotes q.
func filters(s *db.Search, a *args) []string {
	f := &s.Filter
	var where []string
	if s.Query != nil {
		where = append(where, `q.search @@ `+a.add(s.Query.TSQuery())+`::tsquery`)
	}
	add := func(clause string, v *string) {
		if v != nil {
			where = append(where, strings.ReplaceAll(clause, "?", a.add(*v)))
		}
	}
	add(`q.speaker_id = ?`, f.SpeakerID)
	add(`q.speaker_id IN (SELECT speaker_id FROM speaker_names WHERE strpos(name_key, ?) > 0)`, f.Speaker)
	add(`q.outlet_id = ?`, f.OutletID)
	add(`q.said_on >= ?::date`, f.SaidFrom)
	add(`q.said_on <= ?::date`, f.SaidTo)
	add(`q.tags @> ARRAY[?::text]`, f.Tag)
	add(`lower(q.lang) = lower(?)`, f.Lang)
	add(`q.attribution = ?`, f.Attribution)
	add(`q.rating = ?`, f.Rating)
	add(`q.seq IN (SELECT quote_seq FROM appearances WHERE outlet_id = ? AND state = 'confirmed')`, f.AppearedIn)
	if f.Drifted != nil && *f.Drifted {
		where = append(where, `q.drift_count > 0`)
	} else if f.Drifted != nil {
		where = append(where, `q.drift_count = 0`)
	}
	if f.MinAppearances != nil {
		where = append(where, `q.appearance_count >= `+a.add(*f.MinAppearances))
	}
	if f.AwaitingReview {
		where = append(where, `q.attribution IN ('unverified', 'disputed')`)
	}
	if f.RecordedBefore != nil {
		where = append(where, `q.created_at < `+a.add(*f.RecordedBefore))
	}
	if s.Below > 0 {
		where = append(where, `q.seq < `+a.add(s.Below))
	}
	return where
}

// rank scores a quote for a query: its own words weigh most, its speaker's names a fifth
// of that, its context a tenth, as bm25's 10, 2 and 1 do in SQLite; normalised by the
// logarithm of the quote's length, as bm25 discounts long documents. It is negated so
// that, as with bm25, a lower key is a better match and both engines page alike.
func rank(query string) string {
	return `-ts_rank('{0, 0.1, 0.2, 1.0}', q.search, ` + query + `::tsquery, 1)`
}

// SearchQuotes finds a page's keys. Relevance without filters ranks only the newest
// matches past the rank window, as SQLite does; ts_rank reads every matching quote's
// vector, so the window is what bounds a search of common words.
func (t *tx) SearchQuotes(ctx context.Context, s *db.Search, limit int) ([]db.Hit, error) {
	var a args
	where := filters(s, &a)
	filtered := s.Filter.Filtered()
	var keyExpr string
	switch s.Sort {
	case "relevance":
		keyExpr = rank(a.add(s.Query.TSQuery()))
	case "-said_on", "said_on":
		keyExpr = `coalesce(q.said_on, '-infinity'::date)`
	case "-first_seen", "first_seen":
		// db.FirstSeen, as the index quotes_first_seen holds it.
		keyExpr = `coalesce(least(q.said_on, q.appeared_first), '-infinity'::date)`
	default: // created_at: seq alone orders by creation
		keyExpr = `''::text`
	}
	dir, cmp := "ASC", ">"
	if strings.HasPrefix(s.Sort, "-") {
		dir, cmp = "DESC", "<"
	}
	var floor int64
	if s.Sort == "relevance" && !filtered {
		if s.After == nil && s.RankWindow > 0 {
			return t.firstRankedPage(ctx, s, limit)
		}
		if s.After != nil && s.After.Floor > 0 {
			floor = s.After.Floor
			where = append(where, `q.seq >= `+a.add(floor))
		}
	}
	if c := s.After; c != nil {
		var key string
		switch s.Sort {
		case "relevance":
			key = a.add(float32(c.Rank)) + `::real`
		case "-said_on", "said_on", "-first_seen", "first_seen":
			key = a.add(c.Key) + `::date`
		default:
			key = a.add(c.Key) + `::text`
		}
		where = append(where, fmt.Sprintf(`(%s, q.seq) %s (%s, %s)`, keyExpr, cmp, key, a.add(c.Seq)))
	}
	if len(where) == 0 {
		where = []string{"true"}
	}
	stmt := fmt.Sprintf(`SELECT q.seq, %s FROM quotes q WHERE %s ORDER BY 2 %s, 1 %s LIMIT %s`,
		keyExpr, strings.Join(where, " AND "), dir, dir, a.add(limit+1))
	return collect(ctx, t.q, "search", func(r pgx.Row) (db.Hit, error) {
		h := db.Hit{Pos: db.Cursor{Sort: s.Sort, Floor: floor}}
		var err error
		switch s.Sort {
		case "relevance":
			var r32 float32
			err = r.Scan(&h.Seq, &r32)
			h.Pos.Rank = float64(r32)
		case "-said_on", "said_on", "-first_seen", "first_seen":
			var d pgtype.Date
			err = r.Scan(&h.Seq, &d)
			if d.InfinityModifier == pgtype.NegativeInfinity {
				h.Pos.Key = "-infinity"
			} else if s := date(d); s != nil {
				h.Pos.Key = *s
			}
		default:
			err = r.Scan(&h.Seq, &h.Pos.Key)
		}
		h.Pos.Seq = h.Seq
		return h, err
	}, stmt, append([]any{planned}, a...)...)
}

// probeSize is how many of the newest quotes firstRankedPage reads to learn how common a
// query's words are.
const probeSize = 1000

// firstRankedPage is the first page of a relevance search without filters. The rank
// window is the newest RankWindow+1 quotes holding the query's words (its loose form, as
// SQLite counts it): when there are that many, its oldest is the floor later pages keep
// to, else every match is ranked (floor 0).
//
// Finding the window's oldest quote by reading the newest quotes until enough match costs
// RankWindow/density rows — 300,000 for a word in 3 % of a million quotes, 110 ms — and
// ranking above it reads them again. Instead the newest probeSize quotes tell how common
// the words are; one statement then reads, from the quote where about 1.3 windows'
// worth of matches begin, every match's key and score (the search index narrows it to
// the matches), and the window, its floor and the page are picked here. A range that
// turns out to hold too few matches is doubled.
func (t *tx) firstRankedPage(ctx context.Context, s *db.Search, limit int) ([]db.Hit, error) {
	exact, loose := s.Query.TSQuery(), s.Query.LooseTSQuery()
	var matched, probed, newest int64
	err := t.q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE search @@ $1::tsquery), count(*), coalesce(max(seq), 0)
		FROM (SELECT seq, search FROM quotes ORDER BY seq DESC LIMIT $2) p`, planned, loose, probeSize).Scan(&matched, &probed, &newest)
	if err != nil {
		return nil, fmt.Errorf("postgres: rank window: %w", classify(err))
	}
	window := int64(s.RankWindow)
	span := newest // the whole archive, for an archive the probe read whole
	if probed == probeSize {
		span = (window + 1) * probeSize * 13 / (10 * max(matched, 1))
	}
	type scored struct {
		seq  int64
		rank *float32 // nil: holds the words, not the phrase (or has an excluded one)
	}
	// The planner reads the range by key and tests every quote's vector, which is right
	// when most quotes match and slow when few do (280 ms for a word in 3 %): then the
	// search index's matches are intersected with the range first (68 ms). Under a fifth,
	// by the probe, the plan is chosen here, for this transaction's search only.
	// A query none of the newest quotes match is rare: the index alone finds its few
	// matches, as the planner knows without being told.
	if sparse := matched > 0 && matched*5 < probed; sparse {
		if _, err := t.exec(ctx, "plan the search", `SET LOCAL enable_indexscan = off`); err != nil {
			return nil, err
		}
		defer t.exec(context.WithoutCancel(ctx), "plan the search", `SET LOCAL enable_indexscan = on`)
	}
	for {
		from := max(newest-span, 0)
		rows, err := collect(ctx, t.q, "search", func(r pgx.Row) (scored, error) {
			var x scored
			return x, r.Scan(&x.seq, &x.rank)
		}, `SELECT q.seq, CASE WHEN q.search @@ $2::tsquery THEN `+rank("$2")+` END FROM quotes q
			WHERE q.search @@ $1::tsquery AND q.seq > $3`, planned, loose, exact, from)
		if err != nil {
			return nil, err
		}
		if int64(len(rows)) <= window && from > 0 {
			span *= 2 // too few matches in the range to fill the window: read further back
			continue
		}
		slices.SortFunc(rows, func(a, b scored) int { return cmp.Compare(b.seq, a.seq) })
		var floor int64
		if int64(len(rows)) > window {
			floor = rows[window].seq
			rows = rows[:window+1]
		}
		ranked := rows[:0]
		for _, r := range rows {
			if r.rank != nil {
				ranked = append(ranked, r)
			}
		}
		slices.SortFunc(ranked, func(a, b scored) int { return cmp.Or(cmp.Compare(*a.rank, *b.rank), cmp.Compare(a.seq, b.seq)) })
		hits := make([]db.Hit, 0, min(len(ranked), limit+1))
		for _, r := range ranked[:min(len(ranked), limit+1)] {
			hits = append(hits, db.Hit{Seq: r.seq, Pos: db.Cursor{Sort: s.Sort, Seq: r.seq, Rank: float64(*r.rank), Floor: floor}})
		}
		return hits, nil
	}
}

// facetSQL is, per facet, the value and label expressions to group by.
var facetSQL = map[string]struct{ value, label string }{
	"speaker":     {`q.speaker_id`, `s.name`},
	"outlet":      {`q.outlet_id`, `o.name`},
	"year":        {`to_char(q.said_on, 'YYYY')`, `NULL::text`},
	"attribution": {`q.attribution`, `NULL::text`},
	"rating":      {`q.rating`, `NULL::text`},
	"tag":         {`qt.tag`, `NULL::text`},
	// Appearances: counted once per confirmed appearance.
	"appeared_in":   {`ao.id`, `ao.name`},
	"appeared_year": {`to_char(ap.published_on, 'YYYY')`, `NULL::text`},
}

// CountFacets counts the whole filtered result by each facet; ties go in byte order of
// the label (or the value), as SQLite orders them.
func (t *tx) CountFacets(ctx context.Context, s *db.Search, facets []string) (map[string][]db.FacetCount, error) {
	out := map[string][]db.FacetCount{}
	for _, facet := range facets {
		expr, ok := facetSQL[facet]
		if !ok {
			return nil, fmt.Errorf("postgres: unknown facet %q", facet)
		}
		var a args
		where := append(filters(s, &a), expr.value+` IS NOT NULL`)
		from := ` FROM quotes q JOIN speakers s ON s.id = q.speaker_id LEFT JOIN outlets o ON o.id = q.outlet_id`
		switch facet {
		case "tag":
			from += ` CROSS JOIN LATERAL unnest(q.tags) AS qt(tag)`
		case "appeared_in", "appeared_year":
			from += ` JOIN appearances ap ON ap.quote_seq = q.seq AND ap.state = 'confirmed'
				LEFT JOIN outlets ao ON ao.id = ap.outlet_id`
		}
		stmt := `SELECT ` + expr.value + `, ` + expr.label + `, count(*)` + from + ` WHERE ` + strings.Join(where, " AND ") +
			` GROUP BY 1, 2 ORDER BY 3 DESC, coalesce(` + expr.label + `, ` + expr.value + `) COLLATE "C" LIMIT ` + fmt.Sprint(db.FacetLimit)
		counts, err := collect(ctx, t.q, "facet "+facet, func(r pgx.Row) (db.FacetCount, error) {
			var fc db.FacetCount
			return fc, r.Scan(&fc.Value, &fc.Label, &fc.Count)
		}, stmt, append([]any{planned}, a...)...)
		if err != nil {
			return nil, err
		}
		if counts == nil {
			counts = []db.FacetCount{}
		}
		out[facet] = counts
	}
	return out, nil
}
