package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// kellogg is the quote everything is tested against: note the curly apostrophe.
const kellogg = `{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg",
	"speaker_role": "US Special Envoy to Ukraine", "said_on": "2025-04-20", "outlet_name": "Fox News",
	"context": "interview with Fox News", "setting": "interview", "lang": "en",
	"source_url": "https://example.com/witkoff-london-talks", "tags": ["Ukraine", "nato", "ukraine"]}`

func TestQuoteLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	var q db.Quote
	res := e.create("/v1/quotes", kellogg, &q)
	if q.Text != "NATO isn’t on the table" {
		t.Errorf("text = %q, want it exactly as sent", q.Text)
	}
	if q.Speaker.Name != "Keith Kellogg" || q.Outlet == nil || q.Outlet.Name != "Fox News" {
		t.Errorf("speaker %+v, outlet %+v: want Keith Kellogg and Fox News", q.Speaker, q.Outlet)
	}
	if q.SaidOn == nil || *q.SaidOn != "2025-04-20" || q.DatePrecision == nil || *q.DatePrecision != "day" {
		t.Errorf("said_on %v precision %v, want 2025-04-20 day", q.SaidOn, q.DatePrecision)
	}
	if got := strings.Join(q.Tags, ","); got != "ukraine,nato" {
		t.Errorf("tags = %q, want lowercased and de-duplicated ukraine,nato", got)
	}
	if q.Attribution != "unverified" || q.Rating != nil || q.Version != 1 {
		t.Errorf("attribution %q rating %v version %d, want unverified, null, 1", q.Attribution, q.Rating, q.Version)
	}
	if loc := res.Header.Get("Location"); loc != "/v1/quotes/"+q.ID {
		t.Errorf("Location = %q", loc)
	}
	if et := res.Header.Get("ETag"); et != `"1"` {
		t.Errorf("ETag = %q, want \"1\"", et)
	}

	res = e.do(http.MethodGet, "/v1/quotes/"+q.ID, "")
	var got db.Quote
	res.decode(t, &got)
	if res.Code != http.StatusOK || got.ID != q.ID || got.Text != q.Text {
		t.Fatalf("GET: %d %s", res.Code, res.Body)
	}
	if res = e.do(http.MethodGet, "/v1/quotes/"+q.ID, "", "If-None-Match", `"1"`); res.Code != http.StatusNotModified {
		t.Errorf("If-None-Match current: %d, want 304", res.Code)
	}
	if res = e.do(http.MethodGet, "/v1/quotes/"+q.ID, "", "If-None-Match", `W/"7", "2"`); res.Code != http.StatusOK {
		t.Errorf("If-None-Match stale: %d, want 200", res.Code)
	}

	res = e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"context": "Fox News Sunday interview", "outlet_id": null, "said_on": "2025-04"}`,
		"If-Match", `"1"`)
	if res.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", res.Code, res.Body)
	}
	res.decode(t, &got)
	if got.Version != 2 || *got.Context != "Fox News Sunday interview" || got.Outlet != nil ||
		*got.SaidOn != "2025-04-01" || *got.DatePrecision != "month" || got.Text != q.Text {
		t.Errorf("after PATCH: %+v", got)
	}
	if et := res.Header.Get("ETag"); et != `"2"` {
		t.Errorf("ETag after PATCH = %q", et)
	}
	// A patch that changes nothing keeps the version.
	res = e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"context": "Fox News Sunday interview"}`)
	res.decode(t, &got)
	if got.Version != 2 {
		t.Errorf("no-op PATCH moved the version to %d", got.Version)
	}
	if res = e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"context": "x"}`, "If-Match", `"1"`); res.Code != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d, want 412", res.Code)
	} else {
		res.problem(t)
	}
	if res = e.do(http.MethodDelete, "/v1/quotes/"+q.ID, "", "If-Match", `"1"`); res.Code != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match on DELETE: %d, want 412", res.Code)
	}
	if res = e.do(http.MethodDelete, "/v1/quotes/"+q.ID, "", "If-Match", `"2"`); res.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", res.Code, res.Body)
	}
	if res = e.do(http.MethodGet, "/v1/quotes/"+q.ID, ""); res.Code != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", res.Code)
	} else {
		res.problem(t)
	}
	if c := e.counts(); c.Quotes != 0 || c.Speakers != 1 || c.Outlets != 1 {
		t.Errorf("counts after delete: %+v", c)
	}
}

func TestQuoteTextStoredExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	texts := []string{
		"  leading and trailing spaces  ",
		"<b>Tags</b> & \"straight\" and “curly” quotes — dashes…",
		"Zelenskyy’s \u00a0non-breaking\u00a0spaces and e\u0301 combining",
		"line one\nline two\ttabbed",
		"emoji 🇺🇦 and RTL \u200fעברית",
	}
	for _, text := range texts {
		var q db.Quote
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": text, "speaker_name": "Someone"}), &q)
		var got db.Quote
		e.do(http.MethodGet, "/v1/quotes/"+q.ID, "").decode(t, &got)
		if got.Text != text {
			t.Errorf("stored %q, got back %q", text, got.Text)
		}
	}
}

func TestQuoteSpeakerAndOutletByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sp db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg", "aliases": ["Gen. Kellogg", "Kellogg"], "wikidata_qid": "Q6385264"}`, &sp)
	var o db.Outlet
	e.create("/v1/outlets", `{"name": "Fox News", "url": "https://www.foxnews.com"}`, &o)

	for _, name := range []string{"keith kellogg", "GEN. KELLOGG", "  Kellogg ", "Kéith  Kellogg"} {
		var q db.Quote
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": "words", "speaker_name": name, "outlet_name": "fox news"}), &q)
		if q.Speaker.ID != sp.ID || q.Outlet == nil || q.Outlet.ID != o.ID {
			t.Errorf("speaker_name %q: got speaker %+v outlet %+v", name, q.Speaker, q.Outlet)
		}
	}
	if c := e.counts(); c.Speakers != 1 || c.Outlets != 1 {
		t.Errorf("names created duplicates: %+v", c)
	}

	// Two people with one name: the client must choose.
	e.create("/v1/speakers", `{"name": "John Smith", "description": "MP"}`, &sp)
	e.create("/v1/speakers", `{"name": "John Smith", "description": "footballer"}`, &sp)
	before := e.counts()
	res := e.do(http.MethodPost, "/v1/quotes", `{"text": "words", "speaker_name": "john smith"}`)
	if res.Code != http.StatusConflict {
		t.Fatalf("ambiguous speaker: %d %s", res.Code, res.Body)
	}
	if p := res.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "speaker_name" {
		t.Errorf("problem names %+v, want speaker_name", p.Errors)
	}
	if after := e.counts(); after != before {
		t.Errorf("a refused create wrote: %+v → %+v", before, after)
	}
	var q db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": "words", "speaker_id": sp.ID}), &q)
	if q.Speaker.ID != sp.ID {
		t.Errorf("speaker_id ignored: %+v", q.Speaker)
	}
}

func TestQuoteList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var a, b db.Speaker
	e.create("/v1/speakers", `{"name": "Speaker A"}`, &a)
	e.create("/v1/speakers", `{"name": "Speaker B"}`, &b)
	var o db.Outlet
	e.create("/v1/outlets", `{"name": "Outlet"}`, &o)
	type seed struct {
		speaker, saidOn, lang string
		outlet                bool
		tags                  []string
	}
	seeds := []seed{
		{a.ID, "2024-01-15", "en", true, []string{"nato"}},
		{a.ID, "2024-04-30", "en", false, []string{"ukraine", "nato"}},
		{b.ID, "2024-04-01", "de", true, nil},
		{b.ID, "2023", "en", false, []string{"Ukraine"}},
		{a.ID, "", "fr", false, nil},
	}
	ids := map[string]string{} // said_on → id
	for _, s := range seeds {
		in := map[string]any{"text": "quote said " + s.saidOn, "speaker_id": s.speaker, "lang": s.lang, "tags": s.tags}
		if s.saidOn != "" {
			in["said_on"] = s.saidOn
		}
		if s.outlet {
			in["outlet_id"] = o.ID
		}
		var q db.Quote
		e.create("/v1/quotes", mustJSON(t, in), &q)
		ids[s.saidOn] = q.ID
	}
	tests := []struct {
		query string
		want  []string // said_on of the expected quotes, in order
	}{
		{"", []string{"2024-04-30", "2024-04-01", "2024-01-15", "2023", ""}},
		{"sort=said_on", []string{"", "2023", "2024-01-15", "2024-04-01", "2024-04-30"}},
		{"sort=-created_at", []string{"", "2023", "2024-04-01", "2024-04-30", "2024-01-15"}},
		{"sort=created_at", []string{"2024-01-15", "2024-04-30", "2024-04-01", "2023", ""}},
		{"speaker_id=" + a.ID, []string{"2024-04-30", "2024-01-15", ""}},
		{"outlet_id=" + o.ID, []string{"2024-04-01", "2024-01-15"}},
		{"said_from=2024-02-01", []string{"2024-04-30", "2024-04-01"}},
		{"said_to=2024-04", []string{"2024-04-30", "2024-04-01", "2024-01-15", "2023"}},
		{"said_from=2024-04&said_to=2024-04", []string{"2024-04-30", "2024-04-01"}},
		{"said_to=2023", []string{"2023"}},
		{"tag=UKRAINE", []string{"2024-04-30", "2023"}},
		{"tag=nato&speaker_id=" + a.ID, []string{"2024-04-30", "2024-01-15"}},
		{"lang=EN", []string{"2024-04-30", "2024-01-15", "2023"}},
		{"attribution=unverified&lang=de", []string{"2024-04-01"}},
		{"rating=false", nil},
		{"speaker_id=spk_nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := e.do(http.MethodGet, "/v1/quotes?"+tt.query, "")
			if res.Code != http.StatusOK {
				t.Fatalf("%d %s", res.Code, res.Body)
			}
			var page struct {
				Data       []db.Quote `json:"data"`
				NextCursor *string    `json:"next_cursor"`
			}
			res.decode(t, &page)
			var got []string
			for _, q := range page.Data {
				got = append(got, q.ID)
			}
			var want []string
			for _, d := range tt.want {
				want = append(want, ids[d])
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("got %v, want %v", got, want)
			}
			if page.NextCursor != nil {
				t.Errorf("next_cursor = %q on the only page", *page.NextCursor)
			}
		})
	}

	// The speaker's own list is the same filter under its path.
	res := e.do(http.MethodGet, "/v1/speakers/"+b.ID+"/quotes?sort=said_on", "")
	var page struct{ Data []db.Quote }
	res.decode(t, &page)
	if len(page.Data) != 2 || page.Data[0].ID != ids["2023"] {
		t.Errorf("speaker quotes: %s", res.Body)
	}
	if res := e.do(http.MethodGet, "/v1/speakers/spk_nobody/quotes", ""); res.Code != http.StatusNotFound {
		t.Errorf("unknown speaker's quotes: %d", res.Code)
	}
	// And the outlet's, with the speaker as a filter.
	for query, want := range map[string][]string{"": {"2024-04-01", "2024-01-15"}, "?sort=said_on": {"2024-01-15", "2024-04-01"},
		"?speaker_id=" + b.ID: {"2024-04-01"}} {
		res := e.do(http.MethodGet, "/v1/outlets/"+o.ID+"/quotes"+query, "")
		var page struct{ Data []db.Quote }
		res.decode(t, &page)
		var got []string
		for _, q := range page.Data {
			got = append(got, q.ID)
		}
		var wantIDs []string
		for _, d := range want {
			wantIDs = append(wantIDs, ids[d])
		}
		if strings.Join(got, " ") != strings.Join(wantIDs, " ") {
			t.Errorf("outlet quotes%s: %v, want %v", query, got, wantIDs)
		}
	}
	for path, status := range map[string]int{"/v1/outlets/out_nobody/quotes": 404, "/v1/outlets/" + o.ID + "/quotes?outlet_id=x": 400,
		"/v1/outlets/" + o.ID + "/quotes?sort=relevance": 400} {
		if res := e.do(http.MethodGet, path, ""); res.Code != status {
			t.Errorf("%s: %d, want %d", path, res.Code, status)
		}
	}
}

// Paging through every sort returns each quote once, even while quotes are added between
// pages: cursors name a position in the order, not an offset.
func TestQuotePaginationStableUnderInserts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 45
	existing := map[string]bool{}
	for i := range n {
		var q db.Quote
		// Many quotes share a date, so the tie-breaker matters.
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": fmt.Sprint("q", i), "speaker_name": "S",
			"said_on": fmt.Sprintf("2024-%02d-01", i%4+1)}), &q)
		existing[q.ID] = true
	}
	for _, sort := range db.QuoteSorts[1:] { // relevance needs a query: see the search tests
		t.Run(sort, func(t *testing.T) {
			seen := map[string]int{}
			path := "/v1/quotes?limit=10&sort=" + sort
			var prev *db.Quote
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("pagination does not end")
				}
				res := e.do(http.MethodGet, path, "")
				var page struct {
					Data       []db.Quote `json:"data"`
					NextCursor *string    `json:"next_cursor"`
				}
				res.decode(t, &page)
				for i := range page.Data {
					q := page.Data[i]
					seen[q.ID]++
					if prev != nil && !inOrder(sort, prev, &q) {
						t.Errorf("%s after %s breaks %s", q.ID, prev.ID, sort)
					}
					prev = &q
				}
				// Someone records a quote between the reader's pages.
				var added db.Quote
				e.create("/v1/quotes", mustJSON(t, map[string]any{"text": "added", "speaker_name": "S", "said_on": "2024-02-01"}), &added)
				if page.NextCursor == nil {
					break
				}
				path = "/v1/quotes?limit=10&sort=" + sort + "&cursor=" + *page.NextCursor
			}
			for id := range existing {
				if seen[id] != 1 {
					t.Errorf("quote %s seen %d times", id, seen[id])
				}
			}
			for id, c := range seen {
				if c > 1 {
					t.Errorf("quote %s seen %d times", id, c)
				}
			}
		})
	}
}

func inOrder(sort string, a, b *db.Quote) bool {
	said := func(q *db.Quote) string {
		if q.SaidOn == nil {
			return ""
		}
		return *q.SaidOn
	}
	if strings.HasSuffix(sort, "first_seen") {
		said = func(q *db.Quote) string {
			if q.FirstSeen == nil {
				return ""
			}
			return *q.FirstSeen
		}
		sort = strings.Replace(sort, "first_seen", "said_on", 1)
	}
	switch sort {
	case "-said_on":
		return said(a) > said(b) || said(a) == said(b) && a.CreatedAt.After(b.CreatedAt) || said(a) == said(b) && a.CreatedAt.Equal(b.CreatedAt)
	case "said_on":
		return said(a) < said(b) || said(a) == said(b) && !a.CreatedAt.After(b.CreatedAt)
	case "-created_at":
		return !a.CreatedAt.Before(b.CreatedAt)
	}
	return !a.CreatedAt.After(b.CreatedAt)
}

// Many editors saving over the same version: exactly one wins, the rest get 412 and
// nothing is lost.
func TestQuoteConcurrentUpdatesOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)

	const editors = 24
	results := e.concurrently(editors, http.MethodPatch, "/v1/quotes/"+q.ID, func(i int) string {
		return fmt.Sprintf(`{"context": "editor %d"}`, i)
	})
	winner := -1
	for i, res := range results {
		switch res.Code {
		case http.StatusOK:
			if winner >= 0 {
				t.Errorf("editors %d and %d both won", winner, i)
			}
			winner = i
		case http.StatusPreconditionFailed:
			res.problem(t)
		default:
			t.Errorf("editor %d: %d %s", i, res.Code, res.Body)
		}
	}
	if winner < 0 {
		t.Fatal("no editor won")
	}
	var got db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+q.ID, "").decode(t, &got)
	if got.Version != 2 || *got.Context != fmt.Sprintf("editor %d", winner) {
		t.Errorf("stored version %d context %q, want 2 and the winner's", got.Version, *got.Context)
	}
}
