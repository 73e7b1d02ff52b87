package postgres

import (
	"context"
	"errors"
	"fmt"
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
	default: // created_at: seq alone orders by creation
		keyExpr = `''::text`
	}
	dir, cmp := "ASC", ">"
	if strings.HasPrefix(s.Sort, "-") {
		dir, cmp = "DESC", "<"
	}
	var floor int64
	if s.Sort == "relevance" && !filtered {
		if s.After != nil {
			floor = s.After.Floor
		} else if s.RankWindow > 0 {
			err := t.q.QueryRow(ctx, `SELECT seq FROM quotes WHERE search @@ $1::tsquery ORDER BY seq DESC OFFSET $2 LIMIT 1`,
				planned, s.Query.LooseTSQuery(), s.RankWindow).Scan(&floor)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return nil, fmt.Errorf("postgres: rank window: %w", classify(err))
			}
		}
		if floor > 0 {
			where = append(where, `q.seq >= `+a.add(floor))
		}
	}
	if c := s.After; c != nil {
		var key string
		switch s.Sort {
		case "relevance":
			key = a.add(float32(c.Rank)) + `::real`
		case "-said_on", "said_on":
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
		case "-said_on", "said_on":
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

// facetSQL is, per facet, the value and label expressions to group by.
var facetSQL = map[string]struct{ value, label string }{
	"speaker":     {`q.speaker_id`, `s.name`},
	"outlet":      {`q.outlet_id`, `o.name`},
	"year":        {`to_char(q.said_on, 'YYYY')`, `NULL::text`},
	"attribution": {`q.attribution`, `NULL::text`},
	"rating":      {`q.rating`, `NULL::text`},
	"tag":         {`qt.tag`, `NULL::text`},
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
		if facet == "tag" {
			from += ` CROSS JOIN LATERAL unnest(q.tags) AS qt(tag)`
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
