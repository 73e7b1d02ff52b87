package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/verbatimhq/verbatim/db"
)

// firstSeen is the earliest date a quote's words are known from (db.FirstSeen), as the
// index quotes_first_seen holds it: undated quotes sort as the earliest.
const firstSeen = `coalesce(nullif(min(coalesce(q.said_on, '~'), coalesce(q.appeared_first, '~')), '~'), '')`

// bm25 ranks the words of a quote above its speaker's names, and those above its context.
const bm25 = `bm25(quotes_fts, 10.0, 2.0, 1.0)`

// filters is the WHERE clauses and arguments of a search's filters, over quotes q.
func filters(f *db.QuoteFilter) ([]string, []any) {
	where, args := []string{}, []any{}
	add := func(clause string, v *string) {
		if v != nil {
			where = append(where, clause)
			args = append(args, *v)
		}
	}
	add(`q.speaker_id = ?`, f.SpeakerID)
	add(`q.speaker_id IN (SELECT speaker_id FROM speaker_names WHERE instr(name_key, ?) > 0)`, f.Speaker)
	add(`q.outlet_id = ?`, f.OutletID)
	add(`q.said_on >= ?`, f.SaidFrom)
	add(`q.said_on <= ?`, f.SaidTo)
	add(`q.seq IN (SELECT quote_seq FROM quote_tags WHERE tag = ?)`, f.Tag)
	add(`q.lang = ? COLLATE NOCASE`, f.Lang)
	add(`q.attribution = ?`, f.Attribution)
	add(`q.rating = ?`, f.Rating)
	add(`q.seq IN (SELECT quote_seq FROM appearances WHERE outlet_id = ? AND state = 'confirmed')`, f.AppearedIn)
	if f.Drifted != nil && *f.Drifted {
		where = append(where, `q.drift_count > 0`)
	} else if f.Drifted != nil {
		where = append(where, `q.drift_count = 0`)
	}
	if f.MinAppearances != nil {
		where = append(where, `q.appearance_count >= ?`)
		args = append(args, *f.MinAppearances)
	}
	if f.AwaitingReview {
		where = append(where, `q.attribution IN ('unverified', 'disputed')`)
	}
	if f.RecordedBefore != nil {
		where = append(where, `q.created_at < ?`)
		args = append(args, ts(*f.RecordedBefore))
	}
	return where, args
}

// SearchQuotes finds a page's keys touching as little as it can: the search index alone
// when ranking by relevance without filters, the quotes table only when filters or a
// date order need it. The page's rows are read after, by key — doing that for every
// match before sorting was most of a broad search's time.
func (t *tx) SearchQuotes(ctx context.Context, s *db.Search, limit int) ([]db.Hit, error) {
	var keyExpr string
	switch s.Sort {
	case "relevance":
		keyExpr = bm25
	case "-said_on", "said_on":
		keyExpr = `coalesce(q.said_on, '')`
	case "-first_seen", "first_seen":
		keyExpr = firstSeen
	default: // created_at: seq alone orders by creation
		keyExpr = `''`
	}
	dir, cmp := "ASC", ">"
	if strings.HasPrefix(s.Sort, "-") {
		dir, cmp = "DESC", "<"
	}
	where, args := filters(&s.Filter)
	filtered := len(where) > 0
	where = append([]string{"1=1"}, where...)
	if s.Below > 0 {
		where = append(where, `q.seq < ?`)
		args = append(args, s.Below)
	}
	from, seqExpr := ` FROM quotes q`, `q.seq`
	if s.Query != nil {
		where = append([]string{`quotes_fts MATCH ?`}, where...)
		args = append([]any{s.Query.FTS()}, args...)
		from = ` FROM quotes_fts JOIN quotes q ON q.seq = quotes_fts.rowid`
		if s.Sort == "relevance" && !filtered {
			from, seqExpr = ` FROM quotes_fts`, `quotes_fts.rowid`
		}
	}
	c := s.After
	if c != nil && s.Sort == "relevance" {
		// bm25 scores move as the archive grows (every document's term weights change), so
		// the score kept in the cursor is stale. Re-score the last row seen and continue
		// from where it stands now; the stored score serves if it no longer matches.
		cc := *c
		err := t.q.QueryRowContext(ctx, `SELECT `+bm25+` FROM quotes_fts WHERE quotes_fts MATCH ? AND rowid = ?`,
			s.Query.FTS(), c.Seq).Scan(&cc.Rank)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlite: re-score cursor: %w", err)
		}
		c = &cc
	}
	var floor int64 // the rank window's lowest rowid; 0 when every match is ranked
	if s.Sort == "relevance" && !filtered {
		if c != nil {
			floor = c.Floor
		} else if s.RankWindow > 0 {
			err := t.q.QueryRowContext(ctx, `SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ? ORDER BY rowid DESC
				LIMIT 1 OFFSET ?`, s.Query.Loose(), s.RankWindow).Scan(&floor)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("sqlite: rank window: %w", err)
			}
		}
		if floor > 0 {
			where = append(where, `quotes_fts.rowid >= ?`)
			args = append(args, floor)
		}
	}
	if c != nil {
		where = append(where, fmt.Sprintf(`(%s, %s) %s (?, ?)`, keyExpr, seqExpr, cmp))
		if s.Sort == "relevance" {
			args = append(args, c.Rank, c.Seq)
		} else {
			args = append(args, c.Key, c.Seq)
		}
	}
	stmt := `SELECT ` + seqExpr + `, ` + keyExpr + from + ` WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY %s %s, %s %s LIMIT ?`, keyExpr, dir, seqExpr, dir)
	return collect(ctx, t.q, "search", func(r scanner) (db.Hit, error) {
		h := db.Hit{Pos: db.Cursor{Sort: s.Sort, Floor: floor}}
		var key any
		if err := r.Scan(&h.Seq, &key); err != nil {
			return h, err
		}
		h.Pos.Seq = h.Seq
		switch k := key.(type) {
		case float64:
			h.Pos.Rank = k
		case string:
			h.Pos.Key = k
		}
		return h, nil
	}, stmt, append(args, limit+1)...)
}

// facetSQL is, per facet, the value and label expressions to group by.
var facetSQL = map[string]struct{ value, label string }{
	"speaker":     {`q.speaker_id`, `s.name`},
	"outlet":      {`q.outlet_id`, `o.name`},
	"year":        {`substr(q.said_on, 1, 4)`, `NULL`},
	"attribution": {`q.attribution`, `NULL`},
	"rating":      {`q.rating`, `NULL`},
	"tag":         {`qt.tag`, `NULL`},
	// Appearances: counted once per confirmed appearance.
	"appeared_in":   {`ao.id`, `ao.name`},
	"appeared_year": {`substr(ap.published_on, 1, 4)`, `NULL`},
}

// CountFacets counts the whole filtered result by each facet.
func (t *tx) CountFacets(ctx context.Context, s *db.Search, facets []string) (map[string][]db.FacetCount, error) {
	where, args := filters(&s.Filter)
	from := ` FROM quotes q JOIN speakers s ON s.id = q.speaker_id LEFT JOIN outlets o ON o.id = q.outlet_id`
	if s.Query != nil {
		from = ` FROM quotes_fts JOIN quotes q ON q.seq = quotes_fts.rowid JOIN speakers s ON s.id = q.speaker_id
			LEFT JOIN outlets o ON o.id = q.outlet_id`
		where = append([]string{`quotes_fts MATCH ?`}, where...)
		args = append([]any{s.Query.FTS()}, args...)
	}
	out := map[string][]db.FacetCount{}
	for _, facet := range facets {
		expr, ok := facetSQL[facet]
		if !ok {
			return nil, fmt.Errorf("sqlite: unknown facet %q", facet)
		}
		facetFrom := from
		switch facet {
		case "tag":
			facetFrom += ` JOIN quote_tags qt ON qt.quote_seq = q.seq`
		case "appeared_in", "appeared_year":
			facetFrom += ` JOIN appearances ap ON ap.quote_seq = q.seq AND ap.state = 'confirmed'
				LEFT JOIN outlets ao ON ao.id = ap.outlet_id`
		}
		stmt := `SELECT ` + expr.value + `, ` + expr.label + `, count(*)` + facetFrom + ` WHERE ` +
			strings.Join(append(append([]string{}, where...), expr.value+` IS NOT NULL`), " AND ") +
			` GROUP BY 1 ORDER BY count(*) DESC, coalesce(` + expr.label + `, ` + expr.value + `) LIMIT ` + fmt.Sprint(db.FacetLimit)
		counts, err := collect(ctx, t.q, "facet "+facet, func(r scanner) (db.FacetCount, error) {
			var fc db.FacetCount
			return fc, r.Scan(&fc.Value, &fc.Label, &fc.Count)
		}, stmt, args...)
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
