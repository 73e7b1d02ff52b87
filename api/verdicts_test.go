package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
)

// The whole fact-checking flow on Kellogg's quote.
func TestFactCheckFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	base := "/v1/quotes/" + q.ID

	var primary, report db.Citation
	res := e.create(base+"/citations", `{"url": "https://www.foxnews.com/video/kellogg-interview", "relation": "primary",
		"title": "Kellogg on Sunday Morning Futures", "publisher": "Fox News", "published_at": "2025-04-20",
		"accessed_at": "2025-04-22", "excerpt": "\"NATO isn't on the table,\" Kellogg told the host."}`, &primary)
	if primary.ExcerptMatches == nil || !*primary.ExcerptMatches {
		t.Errorf("excerpt with straight quotes should match the curly quote: %+v", primary.ExcerptMatches)
	}
	if res.Header.Get("Location") != base+"/citations/"+primary.ID || res.Header.Get("ETag") != `"1"` {
		t.Errorf("citation headers %v", res.Header)
	}
	e.create(base+"/citations", `{"url": "https://www.wsj.com/world/witkoff-russia", "relation": "report", "publisher": "WSJ"}`, &report)
	if report.ExcerptMatches != nil {
		t.Errorf("no excerpt, yet excerpt_matches = %v", *report.ExcerptMatches)
	}

	// No verdict yet: no ClaimReview, and the quote is unverified.
	if res := e.do(http.MethodGet, base+"/claimreview", ""); res.Code != http.StatusNotFound {
		t.Errorf("ClaimReview before any verdict: %d", res.Code)
	} else {
		res.problem(t)
	}

	var v1 db.Verdict
	res = e.do(http.MethodPost, base+"/verdicts", mustJSON(t, map[string]any{"attribution": "verified", "rating": "not_checkable",
		"summary":      "Said on Fox News on 20 April 2025; a policy position, not a checkable fact.",
		"citation_ids": []string{primary.ID, report.ID, primary.ID}}), "If-Match", `"1"`)
	if res.Code != http.StatusCreated {
		t.Fatalf("first verdict: %d %s", res.Code, res.Body)
	}
	res.decode(t, &v1)
	if v1.Supersedes != nil || strings.Join(v1.CitationIDs, ",") != primary.ID+","+report.ID {
		t.Errorf("first verdict %+v", v1)
	}
	if res.Header.Get("Location") != base+"/verdicts/"+v1.ID {
		t.Errorf("verdict Location %q", res.Header.Get("Location"))
	}

	var got db.Quote
	e.do(http.MethodGet, base, "").decode(t, &got)
	if got.Attribution != "verified" || got.Rating == nil || *got.Rating != "not_checkable" || got.Version != 2 ||
		got.CurrentVerdict == nil || got.CurrentVerdict.ID != v1.ID || len(got.CurrentVerdict.CitationIDs) != 2 {
		t.Fatalf("quote after verdict: %+v", got)
	}

	// A colleague working from version 1 is stopped.
	stale := e.do(http.MethodPost, base+"/verdicts", `{"attribution": "disputed", "summary": "x"}`, "If-Match", `"1"`)
	if stale.Code != http.StatusPreconditionFailed {
		t.Fatalf("stale verdict: %d %s", stale.Code, stale.Body)
	}
	stale.problem(t)

	var v2 db.Verdict
	res = e.do(http.MethodPost, base+"/verdicts", mustJSON(t, map[string]any{"attribution": "paraphrased", "rating": "mostly_false",
		"summary": "Correction: the transcript has different words."}), "If-Match", `"2"`)
	if res.Code != http.StatusCreated {
		t.Fatalf("second verdict: %d %s", res.Code, res.Body)
	}
	res.decode(t, &v2)
	if v2.Supersedes == nil || *v2.Supersedes != v1.ID {
		t.Errorf("second verdict supersedes %v, want %s", v2.Supersedes, v1.ID)
	}

	// History, newest first, each naming what it supersedes; pages of one.
	var history []db.Verdict
	path := base + "/verdicts?limit=1"
	for {
		var page struct {
			Data       []db.Verdict `json:"data"`
			NextCursor *string      `json:"next_cursor"`
		}
		e.do(http.MethodGet, path, "").decode(t, &page)
		history = append(history, page.Data...)
		if page.NextCursor == nil {
			break
		}
		path = base + "/verdicts?limit=1&cursor=" + *page.NextCursor
	}
	if len(history) != 2 || history[0].ID != v2.ID || history[1].ID != v1.ID || *history[0].Supersedes != history[1].ID {
		t.Errorf("history %+v", history)
	}
	var one db.Verdict
	e.do(http.MethodGet, base+"/verdicts/"+v1.ID, "").decode(t, &one)
	if one.ID != v1.ID || one.Summary != v1.Summary || len(one.CitationIDs) != 2 {
		t.Errorf("GET verdict: %+v", one)
	}

	// Filters follow the current verdict.
	for query, want := range map[string]int{"attribution=paraphrased": 1, "rating=mostly_false": 1, "attribution=verified": 0, "rating=not_checkable": 0} {
		var page struct{ Data []db.Quote }
		e.do(http.MethodGet, "/v1/quotes?"+query, "").decode(t, &page)
		if len(page.Data) != want {
			t.Errorf("%s: %d quotes, want %d", query, len(page.Data), want)
		}
	}

	// The ClaimReview of the current verdict.
	res = e.do(http.MethodGet, base+"/claimreview", "")
	if res.Code != http.StatusOK || res.Header.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("ClaimReview: %d %s", res.Code, res.Header.Get("Content-Type"))
	}
	var cr claimreview.ClaimReview
	res.decode(t, &cr)
	if cr.Type != "ClaimReview" || cr.ClaimReviewed != q.Text || cr.ReviewRating.RatingValue != 2 ||
		cr.ReviewRating.AlternateName != "Mostly false" || cr.ItemReviewed.Author.Name != "Keith Kellogg" ||
		cr.ItemReviewed.Author.JobTitle != "US Special Envoy to Ukraine" || cr.ItemReviewed.DatePublished != "2025-04-20" ||
		cr.ItemReviewed.FirstAppearance == nil || cr.ItemReviewed.FirstAppearance.URL != primary.URL ||
		len(cr.ItemReviewed.Appearance) != 2 || cr.URL != "http://example.com/v1/quotes/"+q.ID {
		t.Errorf("ClaimReview %s", res.Body)
	}

	// The feed has it once; since the future, nothing.
	var feed struct {
		Data []claimreview.ClaimReview `json:"data"`
	}
	e.do(http.MethodGet, "/v1/claimreview", "").decode(t, &feed)
	if len(feed.Data) != 1 || feed.Data[0].ClaimReviewed != q.Text {
		t.Errorf("feed %+v", feed)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	e.do(http.MethodGet, "/v1/claimreview?since="+future, "").decode(t, &feed)
	if len(feed.Data) != 0 {
		t.Errorf("feed since the future: %+v", feed.Data)
	}

	// A verdict's sources are kept; others can go.
	if res := e.do(http.MethodDelete, base+"/citations/"+primary.ID, ""); res.Code != http.StatusConflict ||
		!strings.Contains(string(res.Body), v1.ID) {
		t.Errorf("deleting a cited citation: %d %s", res.Code, res.Body)
	}
	if res := e.do(http.MethodPatch, base+"/citations/"+primary.ID, `{"url": "https://example.com/elsewhere"}`); res.Code != http.StatusConflict {
		t.Errorf("moving a cited citation: %d %s", res.Code, res.Body)
	}
	if res := e.do(http.MethodPatch, base+"/citations/"+primary.ID, `{"archive_url": "https://web.archive.org/web/2025/x"}`,
		"If-Match", `"1"`); res.Code != http.StatusOK {
		t.Errorf("annotating a cited citation: %d %s", res.Code, res.Body)
	}
	var extra db.Citation
	e.create(base+"/citations", `{"url": "https://example.com/unused", "relation": "context"}`, &extra)
	if res := e.do(http.MethodDelete, base+"/citations/"+extra.ID, "", "If-Match", `"1"`); res.Code != http.StatusNoContent {
		t.Errorf("deleting an uncited citation: %d %s", res.Code, res.Body)
	}
}

func TestClaimReviewPublisherConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.server = newServerWith(e, claimreview.Publisher{Name: "Desk", URL: "https://desk.example", QuoteURL: "https://desk.example/q/{id}"})
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	if res := e.do(http.MethodPost, "/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "misattributed", "rating": "false",
		"summary": "Not his words."}`); res.Code != http.StatusCreated {
		t.Fatalf("verdict: %d %s", res.Code, res.Body)
	}
	var cr claimreview.ClaimReview
	e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/claimreview", "").decode(t, &cr)
	if cr.URL != "https://desk.example/q/"+q.ID || cr.Author.Name != "Desk" || cr.Author.URL != "https://desk.example" ||
		cr.ReviewRating.AlternateName != "Misattributed" || cr.ReviewRating.RatingValue != 0 {
		t.Errorf("ClaimReview %+v", cr)
	}
}

func TestExcerptMatching(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	tests := []struct {
		excerpt string
		want    bool
	}{
		{`"NATO isn’t on the table,” said US Special Envoy`, true}, // the article's own mixed marks
		{"He said: “nato   ISN'T on the table.”", true},
		{"NATO isn\u2019t\u00a0on the table", true},
		{"NATO is not on the table", false},
		{"NATO isn't on the", false},
		{"", false},
	}
	for i, tt := range tests {
		var c db.Citation
		e.create("/v1/quotes/"+q.ID+"/citations", mustJSON(t, map[string]any{"url": fmt.Sprintf("https://example.com/%d", i),
			"relation": "report", "excerpt": tt.excerpt}), &c)
		if c.ExcerptMatches == nil || *c.ExcerptMatches != tt.want {
			t.Errorf("excerpt %q: excerpt_matches %v, want %v", tt.excerpt, c.ExcerptMatches, tt.want)
		}
	}
	// Fixing the quote's text re-checks every excerpt.
	e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"text": "NATO is not on the table"}`)
	var page struct{ Data []db.Citation }
	e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/citations?limit=100", "").decode(t, &page)
	matched := 0
	for _, c := range page.Data {
		if *c.ExcerptMatches {
			matched++
			if *c.Excerpt != "NATO is not on the table" {
				t.Errorf("after the text changed, %q still matches", *c.Excerpt)
			}
		}
	}
	if matched != 1 {
		t.Errorf("%d excerpts match the new text, want 1", matched)
	}
}

func TestCitationAndVerdictBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q, other db.Quote
	e.create("/v1/quotes", kellogg, &q)
	e.create("/v1/quotes", `{"text": "other", "speaker_name": "Someone Else"}`, &other)
	var report, foreign db.Citation
	e.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://Example.com/story#top", "relation": "report"}`, &report)
	e.create("/v1/quotes/"+other.ID+"/citations", `{"url": "https://example.com/primary", "relation": "primary"}`, &foreign)
	cites := "/v1/quotes/" + q.ID + "/citations"
	verdicts := "/v1/quotes/" + q.ID + "/verdicts"
	post := func(name, path, body string, status int, field string) badCase {
		return badCase{name: name, method: http.MethodPost, path: path, body: body, status: status, field: field}
	}
	runBad(t, e, []badCase{
		post("citation malformed", cites, `{"url": `, 400, ""),
		post("citation unknown field", cites, `{"url": "https://a.example", "relation": "primary", "quote_id": "x"}`, 400, "quote_id"),
		post("citation missing url", cites, `{"relation": "primary"}`, 422, "url"),
		post("citation ftp url", cites, `{"url": "ftp://a.example/x", "relation": "primary"}`, 422, "url"),
		post("citation javascript url", cites, `{"url": "javascript:alert(1)", "relation": "primary"}`, 422, "url"),
		post("citation relative url", cites, `{"url": "/x", "relation": "primary"}`, 422, "url"),
		post("citation bad archive url", cites, `{"url": "https://a.example", "relation": "primary", "archive_url": "file:///etc/passwd"}`, 422, "archive_url"),
		post("citation unknown relation", cites, `{"url": "https://a.example", "relation": "source"}`, 422, "relation"),
		post("citation missing relation", cites, `{"url": "https://a.example"}`, 422, "relation"),
		post("citation bad date", cites, `{"url": "https://a.example", "relation": "primary", "published_at": "20 April"}`, 400, "published_at"),
		post("citation month only", cites, `{"url": "https://a.example", "relation": "primary", "accessed_at": "2025-04"}`, 400, "accessed_at"),
		post("citation url number", cites, `{"url": 7, "relation": "primary"}`, 400, "url"),
		post("citation duplicate url", cites, `{"url": "https://example.com/story", "relation": "supports"}`, 409, "url"),
		post("citation duplicate url, host case and port", cites, `{"url": "HTTPS://EXAMPLE.COM:443/story", "relation": "report"}`, 409, "url"),
		post("citation on unknown quote", "/v1/quotes/q_none/citations", `{"url": "https://a.example", "relation": "primary"}`, 404, ""),
		{name: "citation patch null url", method: "PATCH", path: cites + "/" + report.ID, body: `{"url": null}`, status: 400, field: "url"},
		{name: "citation patch bad relation", method: "PATCH", path: cites + "/" + report.ID, body: `{"relation": "rumour"}`, status: 422, field: "relation"},
		{name: "citation patch stale", method: "PATCH", path: cites + "/" + report.ID, body: `{"title": "t"}`, headers: []string{"If-Match", `"9"`}, status: 412},
		{name: "citation of another quote", method: "GET", path: cites + "/" + foreign.ID, status: 404},
		{name: "citation list bad cursor", method: "GET", path: cites + "?cursor=nope", status: 400, field: "cursor"},
		{name: "citation list unknown param", method: "GET", path: cites + "?relation=primary", status: 400, field: "relation"},
		post("verdict malformed", verdicts, `{"attribution": "verified",`, 400, ""),
		post("verdict missing attribution", verdicts, `{"summary": "s"}`, 422, "attribution"),
		post("verdict unknown attribution", verdicts, `{"attribution": "true", "summary": "s"}`, 422, "attribution"),
		post("verdict unknown rating", verdicts, `{"attribution": "unverified", "rating": "pants_on_fire", "summary": "s"}`, 422, "rating"),
		post("verdict missing summary", verdicts, `{"attribution": "disputed"}`, 422, "summary"),
		post("verdict names its reviewer", verdicts, `{"attribution": "disputed", "summary": "s", "reviewer": "Someone Else"}`, 400, "reviewer"),
		post("verdict claims reviewed_by", verdicts, `{"attribution": "disputed", "summary": "s", "reviewed_by": "Someone Else"}`, 400, "reviewed_by"),
		post("verdict citation_ids not a list", verdicts, `{"attribution": "disputed", "summary": "s", "citation_ids": "x"}`, 400, "citation_ids"),
		post("verdict unknown citation", verdicts, `{"attribution": "disputed", "summary": "s", "citation_ids": ["cit_none"]}`, 422, "citation_ids[0]"),
		post("verdict another quote's citation", verdicts, `{"attribution": "verified", "summary": "s", "citation_ids": ["`+report.ID+`", "`+foreign.ID+`"]}`, 422, "citation_ids[1]"),
		post("verified without citations", verdicts, `{"attribution": "verified", "summary": "s"}`, 422, "citation_ids"),
		post("verified on a report only", verdicts, `{"attribution": "verified", "rating": "true", "summary": "s", "citation_ids": ["`+report.ID+`"]}`, 422, "citation_ids"),
		post("verdict server-owned supersedes", verdicts, `{"attribution": "disputed", "summary": "s", "supersedes": "v_x"}`, 400, "supersedes"),
		post("verdict on unknown quote", "/v1/quotes/q_none/verdicts", `{"attribution": "disputed", "summary": "s"}`, 404, ""),
		{name: "verdict stale If-Match", method: "POST", path: verdicts, body: `{"attribution": "disputed", "summary": "s"}`,
			headers: []string{"If-Match", `"5"`}, status: 412},
		{name: "verdict unknown", method: "GET", path: verdicts + "/v_none", status: 404},
		{name: "claimreview feed bad since", method: "GET", path: "/v1/claimreview?since=yesterday", status: 400, field: "since"},
		{name: "claimreview feed bad cursor", method: "GET", path: "/v1/claimreview?cursor=" + strings.Repeat("A", 40), status: 400, field: "cursor"},
		{name: "claimreview of unknown quote", method: "GET", path: "/v1/quotes/q_none/claimreview", status: 404},
	})
	var got db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+q.ID, "").decode(t, &got)
	if got.Version != 1 || got.CurrentVerdict != nil || got.Attribution != "unverified" {
		t.Errorf("refused verdicts changed the quote: %+v", got)
	}
}

// Verdicts are never edited or deleted: a correction is a new verdict.
func TestVerdictsAreImmutable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	var v db.Verdict
	e.create("/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "disputed", "summary": "Sources conflict."}`, &v)
	for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		res := e.do(method, "/v1/quotes/"+q.ID+"/verdicts/"+v.ID, `{"summary": "rewritten"}`)
		if res.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s on a verdict: %d, want 405", method, res.Code)
		}
		res.problem(t)
	}
	var got db.Verdict
	e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/verdicts/"+v.ID, "").decode(t, &got)
	if got.Summary != "Sources conflict." {
		t.Errorf("verdict changed: %+v", got)
	}
}

// Many fact-checkers appending over the same version: exactly one succeeds.
func TestConcurrentVerdictsOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	const checkers = 20
	results := e.concurrently(checkers, http.MethodPost, "/v1/quotes/"+q.ID+"/verdicts", func(i int) string {
		return fmt.Sprintf(`{"attribution": "disputed", "summary": "checker %d"}`, i)
	})
	wins := 0
	for i, res := range results {
		switch res.Code {
		case http.StatusCreated:
			wins++
		case http.StatusPreconditionFailed:
		default:
			t.Errorf("checker %d: %d %s", i, res.Code, res.Body)
		}
	}
	var page struct{ Data []db.Verdict }
	e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/verdicts", "").decode(t, &page)
	if wins != 1 || len(page.Data) != 1 {
		t.Errorf("%d appends succeeded and %d verdicts stored, want 1 and 1", wins, len(page.Data))
	}
}
