package api_test

import (
	"net/http"
	"testing"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/extract"
)

const article = "Talks go on in London this week.\n\n" +
	"\"NATO isn’t on the table,” said US\u00a0Special Envoy to\u00a0Ukraine Keith Kellogg in\u00a0an\u00a0interview with Fox News on\u00a0April\u00a020\n\n" +
	"A\u00a0senior State Department official said the proposals were a\u00a0“list of\u00a0potential options for discussion.”\n"

func TestExtractEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := mustJSON(t, map[string]any{"text": article, "published_on": "2025-04-21", "url": "https://example.com/witkoff", "lang": "en"})
	res := e.do(http.MethodPost, "/v1/extract", body)
	var got api.ExtractResponse
	res.decode(t, &got)
	if res.Code != http.StatusOK || len(got.Data) != 2 || got.Data[0].QuoteID != nil {
		t.Fatalf("extract: %d %s", res.Code, res.Body)
	}
	k := got.Data[0]
	if k.SpeakerName != "Keith Kellogg" || k.SpeakerRole != "US Special Envoy to Ukraine" || k.OutletName != "Fox News" ||
		k.SaidOn != "2025-04-20" || k.Setting != "interview" || string([]rune(article)[k.Start:k.End]) != k.Text {
		t.Errorf("Kellogg's candidate %+v", k)
	}
	if c := e.counts(); c.Quotes != 0 {
		t.Errorf("extract without save stored %d quotes", c.Quotes)
	}
	// With save: unverified quotes, the speakers and outlet found or created, the article
	// as a report citation, and how each was extracted.
	e.create("/v1/speakers", `{"name": "Keith Kellogg"}`, new(db.Speaker))
	res = e.do(http.MethodPost, "/v1/extract", mustJSON(t, map[string]any{"text": article, "published_on": "2025-04-21",
		"url": "https://example.com/witkoff", "save": true}))
	res.decode(t, &got)
	// Kellogg's quote is attributed right beside it; the official's words stand at the end
	// of reported speech, below the operating point: returned, not saved.
	if got.Data[0].QuoteID == nil || got.Data[1].QuoteID != nil || got.Data[1].Confidence >= extract.Threshold {
		t.Fatalf("save: %s", res.Body)
	}
	saved := *got.Data[0].QuoteID
	var q db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+saved, "").decode(t, &q)
	if q.Attribution != "unverified" || q.Extraction == nil || q.Extraction.Version == "" || q.Extraction.Start != k.Start ||
		q.Outlet == nil || q.Outlet.Name != "Fox News" || q.Text != k.Text {
		t.Errorf("saved quote %+v", q)
	}
	if c := e.counts(); c.Speakers != 1 || c.Quotes != 1 {
		t.Errorf("counts %+v: Kellogg must be found, not created again, and only he saved", c)
	}
	var cites struct{ Data []db.Citation }
	e.do(http.MethodGet, "/v1/quotes/"+saved+"/citations", "").decode(t, &cites)
	if len(cites.Data) != 1 || cites.Data[0].Relation != "report" || !*cites.Data[0].ExcerptMatches {
		t.Errorf("article citation %+v", cites.Data)
	}
	runBad(t, e, []badCase{
		{name: "no text", method: "POST", path: "/v1/extract", body: `{"save": true}`, status: 422, field: "text"},
		{name: "bad date", method: "POST", path: "/v1/extract", body: `{"text": "x", "published_on": "April 21"}`, status: 400, field: "published_on"},
		{name: "bad url", method: "POST", path: "/v1/extract", body: `{"text": "x", "url": "ftp://x"}`, status: 422, field: "url"},
		{name: "save not a bool", method: "POST", path: "/v1/extract", body: `{"text": "x", "save": "yes"}`, status: 400, field: "save"},
		{name: "reader may not extract", method: "POST", path: "/v1/extract", body: `{"text": "x"}`, status: 403,
			headers: []string{"Authorization", "Bearer " + e.key("rd", "reader")}},
	})
}
