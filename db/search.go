package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/search"
)

// QuoteFilter selects quotes; nil fields do not filter.
type QuoteFilter struct {
	Q           *string // full-text query in the search package's language
	SpeakerID   *string
	Speaker     *string // a speaker's name or alias, or part of one
	OutletID    *string
	SaidFrom    *string // YYYY-MM-DD, inclusive
	SaidTo      *string // YYYY-MM-DD, inclusive
	Tag         *string
	Lang        *string
	Attribution *string
	Rating      *string
	Sort        string   // one of QuoteSorts; "" is relevance with Q, else -said_on
	Facets      []string // of Facets: counts over the whole result to return with the page
	Limit       int
	Cursor      *string
}

// QuoteSorts are the orders a quote list can take. relevance needs a query.
var QuoteSorts = []string{"relevance", "-said_on", "said_on", "-created_at", "created_at"}

// Facets are the dimensions a result can be counted by.
var Facets = []string{"speaker", "outlet", "year", "attribution", "rating", "tag"}

// facetLimit is how many values of each facet are counted, the most frequent first.
const facetLimit = 20

// QuotePage is one page of a quote list, with the facet counts asked for.
type QuotePage struct {
	Data       []*Quote
	NextCursor *string
	Facets     map[string][]FacetCount
}

// FacetCount is how many quotes of the whole result share a value.
type FacetCount struct {
	Value string  `json:"value" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Label *string `json:"label,omitempty" example:"Keith Kellogg"`
	Count int64   `json:"count" example:"42"`
} //@name FacetCount

// bm25 ranks the words of a quote above its speaker's names, and those above its context.
const bm25 = `bm25(quotes_fts, 10.0, 2.0, 1.0)`

// snippetWords is how many words of a quote a search hit's snippet shows at most.
const snippetWords = 40

// defaultRankWindow bounds the work of an unfiltered relevance search: when more quotes
// than this contain every word of the query (a query of common words over a large
// archive), relevance ranks the matches among the most recently recorded this many of
// them; a date sort or an export still finds every match. Scoring costs about a
// microsecond a match on a 2-core machine, on top of a fixed cost per word (bm25 counts
// the word's quotes over the whole archive, 25 ms for a word in three quarters of a
// million quotes): with 100,000 a query of two such words took 200 ms, and the corpus-like
// search list's p99 was 167 ms at 2 clients; with 50,000 it is 99 ms (docs/BENCHMARKS.md).
// 50,000 still ranks 2,500 pages of twenty.
//
// The window counts quotes with the words rather than exact matches because finding the
// exact matches of a phrase of common words means checking word positions in every quote
// that has the words — for "the in" at a million quotes that check alone was 70 ms, paid
// again by the ranking.
const defaultRankWindow = 50_000

// ListQuotes searches and filters quotes. Malformed (q, sort, cursor, facets).
//
// A search that runs past the context's deadline is interrupted: Timeout.
func (d *DB) ListQuotes(ctx context.Context, f QuoteFilter) (QuotePage, error) {
	page, err := d.listQuotes(ctx, f, clampLimit(f.Limit))
	return page, searchError(ctx, err)
}

// listQuotes is ListQuotes with the page size given: exports take larger pages than
// clients may ask for.
func (d *DB) listQuotes(ctx context.Context, f QuoteFilter, limit int) (QuotePage, error) {
	var query *search.Query
	if f.Q != nil {
		var err error
		if query, err = search.Parse(*f.Q); err != nil {
			return QuotePage{}, errorf(Malformed, "q", strings.TrimPrefix(err.Error(), search.ErrQuery.Error()+": "))
		}
	}
	sort := f.Sort
	if sort == "" {
		sort = "-said_on"
		if query != nil {
			sort = "relevance"
		}
	}
	var keyExpr string
	switch sort {
	case "relevance":
		if query == nil {
			return QuotePage{}, errorf(Malformed, "sort", "relevance needs a query (q)")
		}
		keyExpr = bm25
	case "-said_on", "said_on":
		keyExpr = `coalesce(q.said_on, '')`
	case "-created_at", "created_at":
		keyExpr = `''` // seq alone orders by creation
	default:
		return QuotePage{}, errorf(Malformed, "sort", "sort must be one of "+strings.Join(QuoteSorts, ", "))
	}
	for _, facet := range f.Facets {
		if _, ok := facetSQL[facet]; !ok {
			return QuotePage{}, errorf(Malformed, "facets", "facets must be among "+strings.Join(Facets, ", "))
		}
	}
	dir, cmp := "ASC", ">"
	if strings.HasPrefix(sort, "-") {
		dir, cmp = "DESC", "<"
	}
	c, err := d.decodeCursor(f.Cursor, sort)
	if err != nil {
		return QuotePage{}, err
	}

	// Phase one finds the page's keys touching as little as it can: the search index alone
	// when ranking by relevance without filters, the quotes table only when filters or a
	// date order need it. Phase two reads the page's rows and snippets, twenty at most —
	// doing that for every match before sorting was most of a broad search's time.
	where, args := []string{"1=1"}, []any{}
	add := func(clause string, v *string) {
		if v != nil {
			where = append(where, clause)
			args = append(args, *v)
		}
	}
	add(`q.speaker_id = ?`, f.SpeakerID)
	if f.Speaker != nil {
		add(`q.speaker_id IN (SELECT speaker_id FROM speaker_names WHERE instr(name_key, ?) > 0)`, ptr(fold.String(*f.Speaker)))
	}
	add(`q.outlet_id = ?`, f.OutletID)
	add(`q.said_on >= ?`, f.SaidFrom)
	add(`q.said_on <= ?`, f.SaidTo)
	add(`q.seq IN (SELECT quote_seq FROM quote_tags WHERE tag = ?)`, lowerPtr(f.Tag))
	add(`q.lang = ? COLLATE NOCASE`, f.Lang)
	add(`q.attribution = ?`, f.Attribution)
	add(`q.rating = ?`, f.Rating)
	filtered := len(where) > 1

	from, seqExpr := ` FROM quotes q`, `q.seq`
	if query != nil {
		where = append([]string{`quotes_fts MATCH ?`}, where...)
		args = append([]any{query.FTS()}, args...)
		from = ` FROM quotes_fts JOIN quotes q ON q.seq = quotes_fts.rowid`
		if sort == "relevance" && !filtered {
			from, seqExpr = ` FROM quotes_fts`, `quotes_fts.rowid`
		}
	}
	filterWhere, filterArgs := append([]string(nil), where...), append([]any(nil), args...)

	if c != nil && sort == "relevance" {
		// bm25 scores move as the archive grows (every document's term weights change), so
		// the score kept in the cursor is stale. Re-score the last row seen and continue
		// from where it stands now; the stored score serves if it no longer matches.
		err := d.reader.QueryRowContext(ctx, `SELECT `+bm25+` FROM quotes_fts WHERE quotes_fts MATCH ? AND rowid = ?`,
			query.FTS(), c.Seq).Scan(&c.Rank)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return QuotePage{}, fmt.Errorf("db: re-score cursor: %w", err)
		}
	}
	var floor int64 // the rank window's lowest rowid; 0 when every match is ranked
	if sort == "relevance" && !filtered {
		if c != nil {
			floor = c.Floor
		} else {
			err := d.reader.QueryRowContext(ctx, `SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ? ORDER BY rowid DESC
				LIMIT 1 OFFSET ?`, query.Loose(), d.rankWindow).Scan(&floor)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return QuotePage{}, fmt.Errorf("db: rank window: %w", err)
			}
		}
		if floor > 0 {
			where = append(where, `quotes_fts.rowid >= ?`)
			args = append(args, floor)
		}
	}
	if c != nil {
		where = append(where, fmt.Sprintf(`(%s, %s) %s (?, ?)`, keyExpr, seqExpr, cmp))
		if sort == "relevance" {
			args = append(args, c.Rank, c.Seq)
		} else {
			args = append(args, c.Key, c.Seq)
		}
	}
	stmt := `SELECT ` + seqExpr + `, ` + keyExpr + from + ` WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY %s %s, %s %s LIMIT ?`, keyExpr, dir, seqExpr, dir)
	args = append(args, limit+1)

	var page QuotePage
	err = d.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, stmt, args...)
		if err != nil {
			return fmt.Errorf("db: list quotes: %w", err)
		}
		type hit struct {
			seq int64
			key any
		}
		var hits []hit
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.seq, &h.key); err != nil {
				rows.Close()
				return fmt.Errorf("db: list quotes: %w", err)
			}
			hits = append(hits, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("db: list quotes: %w", err)
		}
		if len(hits) > limit {
			h := hits[limit-1]
			last := cursor{Sort: sort, Seq: h.seq, Floor: floor}
			switch k := h.key.(type) {
			case float64:
				last.Rank = k
			case string:
				last.Key = k
			}
			page.NextCursor = d.encodeCursor(last)
			hits = hits[:limit]
		}
		seqs := make([]int64, len(hits))
		for i, h := range hits {
			seqs[i] = h.seq
		}
		if page.Data, err = quotesBySeq(ctx, tx, seqs); err != nil {
			return err
		}
		if err := attachVerdicts(ctx, tx, page.Data); err != nil {
			return err
		}
		if len(f.Facets) > 0 {
			facetFrom := ` FROM quotes q JOIN speakers s ON s.id = q.speaker_id LEFT JOIN outlets o ON o.id = q.outlet_id`
			if query != nil {
				facetFrom = ` FROM quotes_fts JOIN quotes q ON q.seq = quotes_fts.rowid JOIN speakers s ON s.id = q.speaker_id
					LEFT JOIN outlets o ON o.id = q.outlet_id`
			}
			page.Facets, err = countFacets(ctx, tx, f.Facets, facetFrom, filterWhere, filterArgs)
		}
		return err
	})
	if err != nil {
		return QuotePage{}, err
	}
	// Snippets are pure Go, made after the read transaction has given its connection back.
	if query != nil {
		for _, q := range page.Data {
			if err := ctx.Err(); err != nil {
				return QuotePage{}, err
			}
			q.Snippet = ptr(query.Snippet(q.Text, snippetWords))
		}
	}
	return page, nil
}

// searchError says so when a search ran out of its time budget (the context's deadline):
// SQLite was interrupted, and the client should narrow the search.
func searchError(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Code: Timeout, Message: "the search took longer than its time budget; narrow it with filters or more words", err: err}
	}
	return err
}

// facetSQL is, per facet, the value and label expressions to group by.
var facetSQL = map[string]struct{ value, label string }{
	"speaker":     {`q.speaker_id`, `s.name`},
	"outlet":      {`q.outlet_id`, `o.name`},
	"year":        {`substr(q.said_on, 1, 4)`, `NULL`},
	"attribution": {`q.attribution`, `NULL`},
	"rating":      {`q.rating`, `NULL`},
	"tag":         {`qt.tag`, `NULL`},
}

// countFacets counts the whole filtered result by each facet.
func countFacets(ctx context.Context, tx *sql.Tx, facets []string, from string, where []string, args []any) (map[string][]FacetCount, error) {
	out := map[string][]FacetCount{}
	for _, facet := range facets {
		expr := facetSQL[facet]
		facetFrom := from
		if facet == "tag" {
			facetFrom += ` JOIN quote_tags qt ON qt.quote_seq = q.seq`
		}
		stmt := `SELECT ` + expr.value + `, ` + expr.label + `, count(*)` + facetFrom + ` WHERE ` + strings.Join(where, " AND ") + ` AND ` + expr.value +
			` IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, coalesce(` + expr.label + `, ` + expr.value + `) LIMIT ` + fmt.Sprint(facetLimit)
		rows, err := tx.QueryContext(ctx, stmt, args...)
		if err != nil {
			return nil, fmt.Errorf("db: facet %s: %w", facet, err)
		}
		counts := []FacetCount{}
		for rows.Next() {
			var fc FacetCount
			if err := rows.Scan(&fc.Value, &fc.Label, &fc.Count); err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: facet %s: %w", facet, err)
			}
			counts = append(counts, fc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("db: facet %s: %w", facet, err)
		}
		out[facet] = counts
	}
	return out, nil
}

// markSnippet escapes a snippet for HTML and turns FTS5's match marks into <mark>.
func ptr[T any](v T) *T { return &v }
