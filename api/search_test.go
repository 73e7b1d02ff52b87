package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

type searchPage struct {
	Data       []db.Quote                 `json:"data"`
	NextCursor *string                    `json:"next_cursor"`
	Facets     map[string][]db.FacetCount `json:"facets"`
}

// searchEnv holds a small archive written for these tests.
func searchEnv(t *testing.T) (*env, map[string]string) {
	t.Helper()
	e := newEnv(t)
	e.create("/v1/speakers", `{"name": "Volodymyr Zelenskyy", "aliases": ["Zelensky"]}`, new(db.Speaker))
	seeds := []struct{ key, body string }{
		{"kellogg", `{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "said_on": "2025-04-20",
			"outlet_name": "Fox News", "context": "interview with Fox News", "tags": ["nato", "ukraine"], "lang": "en"}`},
		{"variant", `{"text": "NATO is not on the table for Ukraine", "speaker_name": "Keith Kellogg", "said_on": "2025-04-21",
			"outlet_name": "CNN", "tags": ["nato"], "lang": "en"}`},
		{"zelenskyy", `{"text": "Zelenskyy’s plan is a “durable peace” — not a ceasefire", "speaker_name": "Marco Rubio",
			"said_on": "2025-04-17", "context": "press conference in Paris", "tags": ["ukraine"], "lang": "en"}`},
		{"senor", `{"text": "El señor presidente habló de la OTAN", "speaker_name": "Pedro Sánchez", "said_on": "2024-11-02",
			"lang": "es", "tags": ["otan"]}`},
		{"tables", `{"text": "We will put tables and chairs <b>&</b> talk", "speaker_name": "Steve Witkoff", "said_on": "2024-06-01",
			"context": "speech on NATO summit", "lang": "en"}`},
		{"russia", `{"text": "NATO expansion is the problem, says Russia", "speaker_name": "Vladimir Putin", "said_on": "2023-02-01",
			"outlet_name": "Fox News", "tags": ["nato", "russia"], "lang": "en"}`},
		{"zelensky", `{"text": "We need air defence now", "speaker_name": "zelensky", "said_on": "2025-03-01", "lang": "en"}`},
	}
	ids := map[string]string{}
	for _, s := range seeds {
		var q db.Quote
		e.create("/v1/quotes", s.body, &q)
		ids[s.key] = q.ID
	}
	return e, ids
}

func (e *env) search(t *testing.T, params string) searchPage {
	t.Helper()
	res := e.do(http.MethodGet, "/v1/quotes?"+params, "")
	if res.Code != http.StatusOK {
		t.Fatalf("GET /v1/quotes?%s: %d %s", params, res.Code, res.Body)
	}
	var p searchPage
	res.decode(t, &p)
	return p
}

func keysOf(p searchPage, ids map[string]string) []string {
	byID := map[string]string{}
	for k, id := range ids {
		byID[id] = k
	}
	var out []string
	for _, q := range p.Data {
		out = append(out, byID[q.ID])
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	e, ids := searchEnv(t)
	q := url.QueryEscape
	tests := []struct {
		name, params string
		want         []string // in order when ordered is set
		ordered      bool
	}{
		{"straight apostrophe finds curly", "q=" + q("isn't"), []string{"kellogg"}, false},
		{"curly apostrophe finds curly", "q=" + q("isn’t"), []string{"kellogg"}, false},
		{"case", "q=nato+TABLE", []string{"kellogg", "variant"}, false},
		{"phrase", "q=" + q(`"not on the table"`), []string{"variant"}, false},
		{"phrase with straight apostrophe", "q=" + q(`"isn't on the table"`), []string{"kellogg"}, false},
		{"typographic quote marks make a phrase", "q=" + q(`“durable peace”`), []string{"zelenskyy"}, false},
		{"words in any order", "q=" + q("table NATO"), []string{"kellogg", "variant"}, false},
		{"diacritics folded", "q=senor", []string{"senor"}, false},
		{"diacritics kept in the query", "q=" + q("señor"), []string{"senor"}, false},
		// The second is by the speaker known by the alias Zelensky: speaker names are searched.
		{"possessive", "q=Zelenskyy", []string{"zelenskyy", "zelensky"}, false},
		{"prefix", "q=" + q("tabl*"), []string{"kellogg", "variant", "tables"}, false},
		{"exclusion", "q=" + q("nato -russia"), []string{"kellogg", "variant", "tables"}, false},
		{"excluded phrase", "q=" + q(`nato -"on the table"`), []string{"tables", "russia"}, false},
		{"OR", "q=" + q("ceasefire OR defence"), []string{"zelenskyy", "zelensky"}, false},
		{"OR with AND", "q=" + q("nato OR otan table"), []string{"kellogg", "variant"}, false},
		{"speaker names are searched", "q=kellogg", []string{"kellogg", "variant"}, false},
		{"aliases are searched", "q=zelensky", []string{"zelensky"}, false},
		{"context is searched", "q=paris", []string{"zelenskyy"}, false},
		{"words outrank context", "q=nato&sort=relevance&limit=3", []string{"russia", "kellogg", "variant"}, false},
		{"dashes fold", "q=" + q("peace - not"), []string{"zelenskyy"}, false},
		{"query and filter", "q=nato&outlet_id=" + "", []string{"kellogg", "variant", "tables", "russia"}, false},
		{"query and tag", "q=nato&tag=ukraine", []string{"kellogg"}, false},
		{"query and speaker name", "q=nato&speaker=kellogg", []string{"kellogg", "variant"}, false},
		{"speaker name alone", "speaker=KEITH", []string{"variant", "kellogg"}, true},
		{"query and dates", "q=nato&said_from=2025", []string{"kellogg", "variant"}, false},
		{"query sorted by date", "q=nato&sort=-said_on", []string{"variant", "kellogg", "tables", "russia"}, true},
		{"query sorted by date ascending", "q=nato&sort=said_on", []string{"russia", "tables", "kellogg", "variant"}, true},
		{"query sorted by creation", "q=nato&sort=-created_at", []string{"russia", "tables", "variant", "kellogg"}, true},
		{"query in another language", "q=otan&lang=es", []string{"senor"}, false},
		{"no match", "q=crimea", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := strings.Replace(tt.params, "outlet_id=&", "", 1)
			params = strings.TrimSuffix(params, "&outlet_id=")
			got := keysOf(e.search(t, params), ids)
			want := slices.Clone(tt.want)
			if !tt.ordered {
				slices.Sort(got)
				slices.Sort(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestSearchSnippets(t *testing.T) {
	t.Parallel()
	e, ids := searchEnv(t)
	p := e.search(t, "q="+url.QueryEscape("isn't table"))
	if len(p.Data) != 1 || p.Data[0].Snippet == nil {
		t.Fatalf("no snippet: %+v", p.Data)
	}
	if got := *p.Data[0].Snippet; got != "NATO <mark>isn’t</mark> on the <mark>table</mark>" {
		t.Errorf("snippet %q", got)
	}
	// Stored markup is escaped; only the marks are HTML.
	p = e.search(t, "q=chairs")
	if got := *p.Data[0].Snippet; got != "We will put tables and <mark>chairs</mark> &lt;b&gt;&amp;&lt;/b&gt; talk" {
		t.Errorf("snippet %q", got)
	}
	if p.Data[0].ID != ids["tables"] || p.Data[0].Text != "We will put tables and chairs <b>&</b> talk" {
		t.Errorf("text altered: %q", p.Data[0].Text)
	}
	// Without a query there is no snippet.
	for _, q := range e.search(t, "").Data {
		if q.Snippet != nil {
			t.Errorf("snippet without a query: %q", *q.Snippet)
		}
	}
}

func TestSearchFacets(t *testing.T) {
	t.Parallel()
	e, _ := searchEnv(t)
	p := e.search(t, "q=nato&facets=speaker,outlet,year,tag,attribution,rating&limit=1")
	if len(p.Data) != 1 || p.NextCursor == nil {
		t.Fatalf("page: %+v", p)
	}
	flat := func(counts []db.FacetCount) string {
		var parts []string
		for _, c := range counts {
			label := c.Value
			if c.Label != nil {
				label = *c.Label
			}
			parts = append(parts, label+"="+string(rune('0'+c.Count)))
		}
		return strings.Join(parts, " ")
	}
	want := map[string]string{
		"speaker":     "Keith Kellogg=2 Steve Witkoff=1 Vladimir Putin=1",
		"outlet":      "Fox News=2 CNN=1",
		"year":        "2025=2 2023=1 2024=1",
		"tag":         "nato=3 russia=1 ukraine=1",
		"attribution": "unverified=4",
		"rating":      "",
	}
	for facet, w := range want {
		if got := flat(p.Facets[facet]); got != w {
			t.Errorf("facet %s: %q, want %q", facet, got, w)
		}
	}
	// Facets follow the filters.
	p = e.search(t, "speaker=kellogg&facets=outlet")
	if got := flat(p.Facets["outlet"]); got != "CNN=1 Fox News=1" {
		t.Errorf("filtered outlet facet %q", got)
	}
}

// Relevance pages visit each hit once, and quotes recorded meanwhile do not disturb them.
func TestSearchRelevancePaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 30 {
		body := mustJSON(t, map[string]any{"text": strings.Repeat("nato ", i%5+1) + "table " + strings.Repeat("x ", i), "speaker_name": "S",
			"separate": true})
		e.create("/v1/quotes", body, new(db.Quote))
	}
	seen := map[string]int{}
	var lastRank []string
	path := "/v1/quotes?q=nato&limit=7"
	for range 10 {
		p := e.search(t, strings.TrimPrefix(path, "/v1/quotes?"))
		for _, q := range p.Data {
			seen[q.ID]++
			lastRank = append(lastRank, q.ID)
		}
		e.create("/v1/quotes", `{"text": "unrelated words", "speaker_name": "S"}`, new(db.Quote))
		if p.NextCursor == nil {
			break
		}
		path = "/v1/quotes?q=nato&limit=7&cursor=" + *p.NextCursor
	}
	if len(seen) != 30 || len(lastRank) != 30 {
		t.Errorf("saw %d distinct of %d hits over %d rows", len(seen), 30, len(lastRank))
	}
}

func TestSearchFollowsSpeakerRename(t *testing.T) {
	t.Parallel()
	e, ids := searchEnv(t)
	var q db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+ids["tables"], "").decode(t, &q)
	if res := e.do(http.MethodPatch, "/v1/speakers/"+q.Speaker.ID, `{"aliases": ["Special Envoy Witkoff"]}`); res.Code != http.StatusOK {
		t.Fatalf("rename: %d %s", res.Code, res.Body)
	}
	if got := keysOf(e.search(t, "q=envoy"), ids); !slices.Equal(got, []string{"tables"}) {
		t.Errorf("q=envoy after adding the alias: %v", got)
	}
	// Editing a quote re-indexes it.
	e.do(http.MethodPatch, "/v1/quotes/"+ids["tables"], `{"text": "We will bring sofas"}`)
	if got := keysOf(e.search(t, "q=chairs"), ids); len(got) != 0 {
		t.Errorf("old words still found: %v", got)
	}
	if got := keysOf(e.search(t, "q=sofas"), ids); !slices.Equal(got, []string{"tables"}) {
		t.Errorf("new words not found: %v", got)
	}
	// Deleting removes it from the index.
	e.do(http.MethodDelete, "/v1/quotes/"+ids["tables"], "")
	if got := keysOf(e.search(t, "q=sofas"), ids); len(got) != 0 {
		t.Errorf("deleted quote found: %v", got)
	}
}

// Whatever a user types gives results or a 400 problem that says why; never a 500.
func TestSearchHostileQueries(t *testing.T) {
	t.Parallel()
	e, _ := searchEnv(t)
	queries := []string{
		`"`, `""`, `"""`, `"nato`, `nato"`, `na"to`, `'`, `''`, `'nato'`,
		`AND`, `OR`, `NOT`, `nato AND`, `AND nato`, `nato OR`, `OR OR`, `nato NOT table`, `NOT nato`,
		`NEAR(`, `NEAR(nato table)`, `NEAR(nato table, 2)`, `NEAR`, `(`, `)`, `((nato))`, `nato)`,
		`*`, `**`, `nato*`, `*nato`, `n*`, `"nato table"*`, `^nato`, `nato^`,
		`:`, `text:nato`, `speaker:kellogg`, `{text speaker}:nato`, `-`, `--`, `-nato`, `nato -`, `- nato`,
		`.`, `...`, `U.S.`, `e.g.`, `isn't`, `'isn't'`, `don’t`, `l’OTAN`,
		`🤷`, `👍🏽 nato`, `🇺🇦`, `\u0000`, "nato\x00table", "\x01\x02", `%`, `%25`, `_`, `\`, `\\"`, `;DROP TABLE quotes;--`,
		`' OR 1=1 --`, `<script>alert(1)</script>`, `nato` + strings.Repeat(" table", 40),
		strings.Repeat("a", 1000), strings.Repeat("a", 1001), strings.Repeat(`"`, 999), strings.Repeat("nato OR ", 100),
		strings.Repeat("(", 500), `ﷺ`, `ǅ`, `Ⅻ`, `١٢٣`, `東京`, `𝔫𝔞𝔱𝔬`, "\u200b", "\ufeffnato",
	}
	var ok, refused int
	for _, raw := range queries {
		res := e.do(http.MethodGet, "/v1/quotes?q="+url.QueryEscape(raw), "")
		switch res.Code {
		case http.StatusOK:
			ok++
		case http.StatusBadRequest:
			refused++
			p := res.problem(t)
			if len(p.Errors) == 0 || p.Errors[0].Field != "q" || p.Detail == "" {
				t.Errorf("q=%.40q: a 400 that does not explain the query: %s", raw, res.Body)
			}
		default:
			t.Errorf("q=%.40q: %d %s", raw, res.Code, res.Body)
		}
	}
	if len(queries) < 40 {
		t.Fatalf("only %d hostile queries", len(queries))
	}
	t.Logf("%d queries: %d answered, %d refused with a reason", len(queries), ok, refused)
	// Invalid UTF-8 never reaches the parser.
	if res := e.do(http.MethodGet, "/v1/quotes?q=%ff%fe", ""); res.Code != http.StatusBadRequest {
		t.Errorf("invalid UTF-8 query: %d", res.Code)
	}
	// Relevance without a query, and unknown facets, are explained too.
	for _, params := range []string{"sort=relevance", "q=nato&facets=color", "facets=speaker,,year,nope"} {
		res := e.do(http.MethodGet, "/v1/quotes?"+params, "")
		if res.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", params, res.Code)
		}
		res.problem(t)
	}
}
