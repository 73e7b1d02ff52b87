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
	if res.Code != http.StatusOK || len(got.Data) == 0 || got.Data[0].QuoteID != nil || got.Lang != "en" || got.LangDetected ||
		got.Model != extract.Version || got.Threshold != extract.Threshold {
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
	// Kellogg's quote is attributed right beside it: saved. The official's words, quoted
	// inside the writer's sentence, are at most returned below the operating point; every
	// candidate is saved exactly when it reaches it.
	if got.Data[0].QuoteID == nil || !got.LangDetected || got.Lang != "en" {
		t.Fatalf("save: %s", res.Body)
	}
	for _, c := range got.Data {
		if (c.QuoteID != nil) != (c.Confidence >= extract.Threshold && c.SpeakerName != "") {
			t.Errorf("candidate %q at %.2f: saved %v", c.Text, c.Confidence, c.QuoteID != nil)
		}
	}
	saved := *got.Data[0].QuoteID
	var q db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+saved, "").decode(t, &q)
	if q.Attribution != "unverified" || q.Extraction == nil || q.Extraction.Version != extract.Version || q.Extraction.Start != k.Start ||
		q.Outlet == nil || q.Outlet.Name != "Fox News" || q.Text != k.Text || q.Lang == nil || *q.Lang != "en" {
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

// An article in another language is read in it — detected, or as the request says — and
// the quotes saved from it carry that language.
func TestExtractOtherLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The model learnt from English news: a Japanese reading (speaker before the quote,
	// cue after it) is proposed but weighed below the operating point, so not saved.
	tests := []struct {
		lang, given, text, speaker string
		saved                      bool
	}{
		{"de", "", "Die Regierung hat am Montag beraten. „Wir werden die Ukraine weiter unterstützen“, sagte Bundeskanzler Olaf Scholz nach dem Treffen in Berlin.", "Olaf Scholz", true},
		{"fr", "fr-FR", "Le président a reçu les syndicats. « Nous ne céderons pas sur l'essentiel », a déclaré Emmanuel Macron à la sortie de la réunion.", "Emmanuel Macron", true},
		{"ja", "", "岸田文雄首相は15日、記者団に「経済対策を速やかに実行する」と述べた。政府は来週にも閣議決定する方針だ。", "岸田文雄首相", false},
	}
	for _, tt := range tests {
		body := map[string]any{"text": tt.text, "published_on": "2025-04-21", "save": true}
		if tt.given != "" {
			body["lang"] = tt.given
		}
		res := e.do(http.MethodPost, "/v1/extract", mustJSON(t, body))
		var got api.ExtractResponse
		res.decode(t, &got)
		want := tt.lang
		if tt.given != "" {
			want = tt.given
		}
		if res.Code != http.StatusOK || got.Lang != want || got.LangDetected != (tt.given == "") || len(got.Data) != 1 ||
			got.Data[0].SpeakerName != tt.speaker || (got.Data[0].QuoteID != nil) != tt.saved ||
			tt.saved != (got.Data[0].Confidence >= got.Threshold) {
			t.Errorf("%s: %d %s", tt.lang, res.Code, res.Body)
			continue
		}
		if !tt.saved {
			continue
		}
		var q db.Quote
		e.do(http.MethodGet, "/v1/quotes/"+*got.Data[0].QuoteID, "").decode(t, &q)
		if q.Lang == nil || *q.Lang != want || q.Speaker.Name != tt.speaker {
			t.Errorf("%s: saved %+v", tt.lang, q)
		}
	}
}
