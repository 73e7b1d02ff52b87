package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/similar"
)

// The words as Fox News aired them, and the Kyiv Post's re-report a day later.
const (
	foxWords  = `NATO isn’t on the table for Ukraine, and we have said so to Kyiv and to Moscow`
	kyivWords = `NATO is not on the table for Ukraine, and we have said so to Kyiv and to Moscow`
)

func foxQuote(t *testing.T, e *env) db.Quote {
	t.Helper()
	var q db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": foxWords, "speaker_name": "Keith Kellogg", "said_on": "2025-04-20",
		"outlet_name": "Fox News", "source_url": "https://www.foxnews.com/video/kellogg"}), &q)
	return q
}

// Words the archive holds already become an appearance of the stored quote, on every way
// in; the answer says so, nothing new is made, and the chain shows the drift.
func TestRecordingKnownWordsLinksThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	res := e.do(http.MethodPost, "/v1/quotes", mustJSON(t, map[string]any{"text": kyivWords, "speaker_name": "keith kellogg",
		"said_on": "2025-04-21", "outlet_name": "Kyiv Post", "source_url": "https://www.kyivpost.com/post/50000"}))
	if res.Code != http.StatusOK {
		t.Fatalf("re-report: %d %s", res.Code, res.Body)
	}
	var got db.Quote
	res.decode(t, &got)
	if got.ID != fox.ID || got.Link == nil || got.Link.Outcome != "appearance" || !strings.Contains(got.Link.Reason, "same speaker") {
		t.Fatalf("the answer: %s %+v", got.ID, got.Link)
	}
	if loc := res.Header.Get("Location"); loc != "/v1/quotes/"+fox.ID {
		t.Errorf("Location %q", loc)
	}
	a := got.Link.Appearance
	if a.State != "confirmed" || a.Via != "record" || a.Match != "near" || a.Outlet == nil || a.Outlet.Name != "Kyiv Post" ||
		*a.PublishedOn != "2025-04-21" || a.Drift.Class != "minor" || a.Drift.ChangedWords != 2 {
		t.Errorf("the appearance: %+v", a)
	}
	if c := e.counts(); c.Quotes != 1 {
		t.Errorf("%d quotes stored, want 1", c.Quotes)
	}
	var q db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+fox.ID, "").decode(t, &q)
	if q.AppearanceCounts != (db.AppearanceCounts{Confirmed: 1, Drifted: 1}) || q.FirstAppearanceID == nil || *q.FirstAppearanceID != a.ID ||
		*q.FirstSeen != "2025-04-20" {
		t.Errorf("the quote's chain: %+v %v %v", q.AppearanceCounts, q.FirstAppearanceID, q.FirstSeen)
	}
	var list struct{ Data []db.Appearance }
	e.do(http.MethodGet, "/v1/quotes/"+fox.ID+"/appearances", "").decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Drift.Ops[1] != (similar.Op{Op: "delete", Text: "isn’t"}) {
		t.Errorf("the chain: %+v", list.Data)
	}
	// The same words again by import (HTTP): linked, and a re-import changes nothing.
	line := mustJSON(t, map[string]any{"external_id": "wsj-1", "text": kyivWords, "speaker_name": "Keith Kellogg",
		"outlet_name": "The Wall Street Journal", "said_on": "2025-04-21"}) + "\n"
	for pass, want := range []db.ImportResult{{Linked: 1, LastLine: 1}, {Unchanged: 1, LastLine: 1}} {
		if _, got := e.importBody("/v1/import", line); got.Linked != want.Linked || got.Unchanged != want.Unchanged || got.Created != 0 {
			t.Errorf("import pass %d: %+v", pass+1, got)
		}
	}
	// A client that wants a quote of its own says so.
	var own db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": kyivWords, "speaker_name": "Keith Kellogg", "separate": true}), &own)
	if own.ID == fox.ID || own.Link != nil {
		t.Errorf("separate: %+v", own)
	}
}

// Uncertain words make a new quote with a suggested link; confirming it folds the newer
// quote into the older — its ID answers 308 from then on, writes to it 409 — and an admin
// can undo it.
func TestConfirmingALinkMergesTheQuotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	editor, checker := e.key("desk", "editor"), e.key("checker", "factchecker")
	auth := func(k string) []string { return []string{"Authorization", "Bearer " + k} }
	var other db.Quote // the same words, attributed to another speaker: a fact-checker decides
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": foxWords, "speaker_name": "A Spokesman", "said_on": "2025-04-22",
		"outlet_name": "Reuters", "tags": []string{"reuters"}}), &other)
	if other.Link == nil || other.Link.Outcome != "suggested" || other.Link.Appearance.QuoteID != fox.ID ||
		*other.Link.Appearance.LinkedQuoteID != other.ID || !strings.Contains(other.Link.Reason, "another speaker") {
		t.Fatalf("the suggestion: %+v", other.Link)
	}
	link := other.Link.Appearance
	var c db.Citation
	e.create("/v1/quotes/"+other.ID+"/citations", `{"url": "https://www.reuters.com/a", "relation": "report"}`, &c)
	path := "/v1/quotes/" + fox.ID + "/appearances/" + link.ID
	var queue struct{ Data []db.Appearance }
	e.do(http.MethodGet, "/v1/appearances?state=suggested", "", auth(editor)...).decode(t, &queue)
	if len(queue.Data) != 1 || queue.Data[0].ID != link.ID {
		t.Errorf("the desk's queue: %+v", queue.Data)
	}
	if res := e.do(http.MethodPost, path+"/confirm", `{}`, auth(editor)...); res.Code != http.StatusForbidden {
		t.Errorf("an editor confirms: %d", res.Code)
	}
	if res := e.do(http.MethodPost, path+"/confirm", `{}`, append(auth(checker), "If-Match", `"9"`)...); res.Code != http.StatusPreconditionFailed {
		t.Errorf("a stale If-Match: %d", res.Code)
	}
	res := e.do(http.MethodPost, path+"/confirm", `{"note": "Reuters re-reported Fox"}`, append(auth(checker), "If-Match", `"1"`)...)
	if res.Code != http.StatusOK {
		t.Fatalf("confirm: %d %s", res.Code, res.Body)
	}
	var confirmed db.Appearance
	res.decode(t, &confirmed)
	if confirmed.State != "confirmed" || *confirmed.ReviewedBy != "checker" || confirmed.Outlet.Name != "Reuters" ||
		*confirmed.PublishedOn != "2025-04-22" || confirmed.Drift.Class != "identical" {
		t.Errorf("confirmed: %+v", confirmed)
	}
	if res := e.do(http.MethodPost, path+"/confirm", `{}`, auth(checker)...); res.Code != http.StatusConflict {
		t.Errorf("a second confirm: %d %s", res.Code, res.Body)
	}
	// The merged ID redirects; writes to it are refused with where to go.
	res = e.do(http.MethodGet, "/v1/quotes/"+other.ID+"/citations", "")
	if res.Code != http.StatusPermanentRedirect || res.Header.Get("Location") != "/v1/quotes/"+fox.ID+"/citations" {
		t.Errorf("GET a merged quote's citations: %d %q", res.Code, res.Header.Get("Location"))
	}
	if res := e.do(http.MethodPatch, "/v1/quotes/"+other.ID, `{"context": "x"}`); res.Code != http.StatusConflict ||
		res.Header.Get("Location") != "/v1/quotes/"+fox.ID {
		t.Errorf("PATCH a merged quote: %d %q", res.Code, res.Header.Get("Location"))
	}
	var merged db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+fox.ID, "").decode(t, &merged)
	if strings.Join(merged.Tags, ",") != "reuters" || merged.AppearanceCounts.Confirmed != 1 {
		t.Errorf("the survivor: tags %v, counts %+v", merged.Tags, merged.AppearanceCounts)
	}
	var cits struct{ Data []db.Citation }
	e.do(http.MethodGet, "/v1/quotes/"+fox.ID+"/citations", "").decode(t, &cits)
	if len(cits.Data) != 1 || cits.Data[0].ID != c.ID {
		t.Errorf("the citation moved: %+v", cits.Data)
	}
	var all struct{ Data []db.Quote }
	e.do(http.MethodGet, "/v1/quotes", "").decode(t, &all)
	if len(all.Data) != 1 {
		t.Errorf("lists show %d quotes, want the survivor alone", len(all.Data))
	}
	// Undo: an admin's, while nothing changed.
	var merges struct{ Data []db.Merge }
	e.do(http.MethodGet, "/v1/merges?id="+other.ID, "").decode(t, &merges)
	if len(merges.Data) != 1 || merges.Data[0].Kind != "quote" || merges.Data[0].Into != fox.ID {
		t.Fatalf("the merge: %+v", merges.Data)
	}
	undo := "/v1/merges/" + merges.Data[0].ID + "/undo"
	if res := e.do(http.MethodPost, undo, "", auth(checker)...); res.Code != http.StatusForbidden {
		t.Errorf("a fact-checker undoes: %d", res.Code)
	}
	if res := e.do(http.MethodPost, undo, ""); res.Code != http.StatusOK {
		t.Fatalf("undo: %d %s", res.Code, res.Body)
	}
	var back db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+other.ID, "").decode(t, &back)
	var l db.Appearance
	e.do(http.MethodGet, path, "").decode(t, &l)
	e.do(http.MethodGet, "/v1/quotes/"+other.ID+"/citations", "").decode(t, &cits)
	if back.ID != other.ID || strings.Join(back.Tags, ",") != "reuters" || l.State != "suggested" || len(cits.Data) != 1 {
		t.Errorf("after the undo: %+v, link %s, %d citations", back, l.State, len(cits.Data))
	}
}

// Two quotes that both carry verdicts are not folded silently: the fact-checker chooses
// whose current verdict survives, and both histories are kept.
func TestMergingTwoCheckedQuotesNeedsAChoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	var other db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": foxWords, "speaker_name": "A Spokesman"}), &other)
	for _, id := range []string{fox.ID, other.ID} {
		e.create("/v1/quotes/"+id+"/verdicts", `{"attribution": "disputed", "summary": "Checking."}`, &db.Verdict{})
	}
	e.create("/v1/quotes/"+other.ID+"/verdicts", `{"attribution": "misattributed", "summary": "Kellogg's words, not the spokesman's."}`, &db.Verdict{})
	path := "/v1/quotes/" + fox.ID + "/appearances/" + other.Link.Appearance.ID + "/confirm"
	res := e.do(http.MethodPost, path, `{}`)
	if p := res.problem(t); res.Code != http.StatusConflict || p.Errors[0].Field != "keep_verdict" {
		t.Fatalf("no choice: %d %+v", res.Code, p)
	}
	if res := e.do(http.MethodPost, path, `{"keep_verdict": "linked"}`); res.Code != http.StatusOK {
		t.Fatalf("choosing: %d %s", res.Code, res.Body)
	}
	var q db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+fox.ID, "").decode(t, &q)
	var hist struct{ Data []db.Verdict }
	e.do(http.MethodGet, "/v1/quotes/"+fox.ID+"/verdicts", "").decode(t, &hist)
	if q.Attribution != "misattributed" || len(hist.Data) != 4 || !strings.HasPrefix(hist.Data[0].Summary, "Merged by admin") {
		t.Errorf("kept %s with %d verdicts in the history, the newest %+v", q.Attribution, len(hist.Data), hist.Data[0])
	}
	// The merge gave a verdict, which the public history keeps: no undo takes it back.
	var merges struct{ Data []db.Merge }
	e.do(http.MethodGet, "/v1/merges", "").decode(t, &merges)
	if res := e.do(http.MethodPost, "/v1/merges/"+merges.Data[0].ID+"/undo", ""); res.Code != http.StatusConflict {
		t.Errorf("undo: %d %s", res.Code, res.Body)
	}
	// The history restores: an export of the merged quote imports into an empty archive.
	exp := e.do(http.MethodGet, "/v1/export", "")
	f := newEnv(t)
	if _, got := f.importBody("/v1/import", string(exp.Body)); got.Created != 1 || got.Rejected != 0 {
		t.Errorf("restore of the merged quote: %+v", got)
	}
}

// Bad input on the chain's routes: each a 4xx naming the field, nothing half-written.
func TestAppearanceBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	var gone db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": foxWords, "speaker_name": "A Spokesman"}), &gone)
	e.do(http.MethodPost, "/v1/quotes/"+fox.ID+"/appearances/"+gone.Link.Appearance.ID+"/confirm", `{}`)
	editor := e.key("desk", "editor")
	before := e.counts()
	for _, c := range []struct {
		name, path, body string
		status           int
		field            string
		headers          []string
	}{
		{"missing quote", "/v1/quotes/q_01JS8X2W5Q7K3M9N4P6R8T0V99/appearances", `{"words": "w"}`, 404, "", nil},
		{"merged quote", "/v1/quotes/" + gone.ID + "/appearances", `{"words": "w"}`, 409, "", nil},
		{"confirm on a quote merged away", "/v1/quotes/" + gone.ID + "/appearances/" + gone.Link.Appearance.ID + "/confirm", `{}`, 409, "", nil},
		{"confirm twice", "/v1/quotes/" + fox.ID + "/appearances/" + gone.Link.Appearance.ID + "/confirm", `{}`, 409, "", nil},
		{"not http", "/v1/quotes/" + fox.ID + "/appearances", `{"words": "w", "url": "ftp://example.com/a"}`, 422, "url", nil},
		{"no words", "/v1/quotes/" + fox.ID + "/appearances", `{"words": ""}`, 422, "words", nil},
		{"words too long", "/v1/quotes/" + fox.ID + "/appearances", `{"words": "` + strings.Repeat("w", 20001) + `"}`, 422, "words", nil},
		{"end before start", "/v1/quotes/" + fox.ID + "/appearances", `{"words": "w", "start": 9, "end": 3}`, 422, "end", nil},
		{"unknown state", "/v1/quotes/" + fox.ID + "/appearances", `{"words": "w", "state": "rejected"}`, 422, "state", nil},
		{"bad date", "/v1/quotes/" + fox.ID + "/appearances", `{"words": "w", "published_on": "2025-13-01"}`, 400, "published_on", nil},
		{"wrong type", "/v1/quotes/" + fox.ID + "/appearances", `{"words": 7}`, 400, "words", nil},
		{"malformed JSON", "/v1/quotes/" + fox.ID + "/appearances", `{"words": `, 400, "", nil},
		{"unknown field", "/v1/quotes/" + fox.ID + "/appearances", `{"words": "w", "colour": 1}`, 400, "colour", nil},
		{"an editor confirms uncertain words", "/v1/quotes/" + fox.ID + "/appearances", `{"words": "w", "state": "confirmed"}`, 403, "state",
			[]string{"Authorization", "Bearer " + editor}},
		{"pin a missing appearance", "/v1/quotes/" + fox.ID + "/first-appearance", `{"appearance_id": "app_x", "reason": "r"}`, 422, "appearance_id", nil},
		{"pin without a reason", "/v1/quotes/" + fox.ID + "/first-appearance", `{"appearance_id": "app_x", "reason": " "}`, 422, "reason", nil},
		{"keep_verdict unknown", "/v1/quotes/" + fox.ID + "/appearances/" + gone.Link.Appearance.ID + "/confirm", `{"keep_verdict": "both"}`, 422, "keep_verdict", nil},
	} {
		res := e.do(http.MethodPost, c.path, c.body, c.headers...)
		if res.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, res.Code, res.Body, c.status)
			continue
		}
		if p := res.problem(t); c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) && !strings.Contains(p.Detail, c.field) {
			t.Errorf("%s: the problem names no %s: %+v", c.name, c.field, p)
		}
	}
	if after := e.counts(); after != before {
		t.Errorf("refused requests wrote: %+v → %+v", before, after)
	}
}

// Two fact-checkers confirm the same link at once: exactly one wins.
func TestRacingConfirmsOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	var other db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": foxWords, "speaker_name": "A Spokesman"}), &other)
	results := e.concurrently(6, http.MethodPost, "/v1/quotes/"+fox.ID+"/appearances/"+other.Link.Appearance.ID+"/confirm",
		func(int) string { return `{}` })
	won := 0
	for _, res := range results {
		switch res.Code {
		case http.StatusOK:
			won++
		case http.StatusConflict, http.StatusPreconditionFailed:
		default:
			t.Errorf("a racing confirm: %d %s", res.Code, res.Body)
		}
	}
	if won != 1 {
		t.Errorf("%d confirms won, want 1", won)
	}
	var merges struct{ Data []db.Merge }
	e.do(http.MethodGet, "/v1/merges", "").decode(t, &merges)
	if len(merges.Data) != 1 {
		t.Errorf("%d merges recorded", len(merges.Data))
	}
}

// Who may do what on the chain: readers read, editors record, fact-checkers confirm,
// reject and pin.
func TestAppearanceRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	reader, editor, checker := e.key("r", "reader"), e.key("ed", "editor"), e.key("fc", "factchecker")
	as := func(k string) []string { return []string{"Authorization", "Bearer " + k} }
	base := "/v1/quotes/" + fox.ID
	if res := e.do(http.MethodGet, base+"/appearances", "", as(reader)...); res.Code != 200 {
		t.Errorf("a reader lists: %d", res.Code)
	}
	if res := e.do(http.MethodPost, base+"/appearances", `{"words": "NATO"}`, as(reader)...); res.Code != 403 {
		t.Errorf("a reader records: %d", res.Code)
	}
	var short db.Appearance // short words: suggested, whoever records them
	e.do(http.MethodPost, base+"/appearances", `{"words": "on the table"}`, as(editor)...).decode(t, &short)
	if short.State != "suggested" || short.Match != "hand" || short.Drift.Class != "fragment" {
		t.Errorf("an editor's short fragment: %+v", short)
	}
	var long db.Appearance // the quote's words, long enough: confirmed by the rule
	e.do(http.MethodPost, base+"/appearances", mustJSON(t, map[string]any{"words": kyivWords, "url": "https://www.kyivpost.com/post/50000"}),
		as(editor)...).decode(t, &long)
	if long.State != "confirmed" {
		t.Errorf("an editor's re-report: %+v", long)
	}
	for _, c := range []struct {
		key, path, body string
		want            int
	}{
		{editor, base + "/appearances/" + short.ID + "/reject", `{}`, 403},
		{editor, base + "/first-appearance", `{"appearance_id": "` + long.ID + `", "reason": "r"}`, 403},
		{checker, base + "/first-appearance", `{"appearance_id": "` + short.ID + `", "reason": "r"}`, 422},
		{checker, base + "/first-appearance", `{"appearance_id": "` + long.ID + `", "reason": "The Kyiv Post was first"}`, 200},
		{checker, base + "/appearances/" + short.ID + "/reject", `{"note": "too short to tell"}`, 200},
		{checker, base + "/appearances", `{"words": "NATO", "state": "confirmed"}`, 201},
	} {
		if res := e.do(http.MethodPost, c.path, c.body, as(c.key)...); res.Code != c.want {
			t.Errorf("POST %s %s: %d %s, want %d", c.path, c.body, res.Code, res.Body, c.want)
		}
	}
	var q db.Quote
	e.do(http.MethodGet, base, "").decode(t, &q)
	if q.FirstAppearancePin == nil || q.FirstAppearancePin.PinnedBy != "fc" || *q.FirstAppearanceID != long.ID {
		t.Errorf("the pin: %+v %v", q.FirstAppearancePin, q.FirstAppearanceID)
	}
	if res := e.do(http.MethodDelete, base+"/first-appearance", "", as(checker)...); res.Code != 200 {
		t.Errorf("unpin: %d", res.Code)
	}
}

// Search filters and facets over the chain, and the first-seen order.
func TestSearchByTheChain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	e.do(http.MethodPost, "/v1/quotes", mustJSON(t, map[string]any{"text": kyivWords, "speaker_name": "Keith Kellogg",
		"said_on": "2025-04-21", "outlet_name": "Kyiv Post"}))
	var plain db.Quote
	e.create("/v1/quotes", `{"text": "A different matter altogether, said on another day", "speaker_name": "Someone", "said_on": "2025-01-02"}`, &plain)
	var kyiv db.Outlet
	e.do(http.MethodGet, "/v1/outlets?q=kyiv", "")
	var outlets struct{ Data []db.Outlet }
	e.do(http.MethodGet, "/v1/outlets", "").decode(t, &outlets)
	for _, o := range outlets.Data {
		if o.Name == "Kyiv Post" {
			kyiv = o
		}
	}
	for query, want := range map[string]string{
		"appeared_in=" + kyiv.ID: fox.ID, "drifted=true": fox.ID, "drifted=false": plain.ID, "min_appearances=1": fox.ID,
		"sort=first_seen&limit=1": plain.ID, "sort=-first_seen&limit=1": fox.ID,
	} {
		var p struct{ Data []db.Quote }
		e.do(http.MethodGet, "/v1/quotes?"+query, "").decode(t, &p)
		if len(p.Data) != 1 || p.Data[0].ID != want {
			t.Errorf("%s: %d quotes, want %s", query, len(p.Data), want)
		}
	}
	var p struct {
		Facets map[string][]db.FacetCount `json:"facets"`
	}
	e.do(http.MethodGet, "/v1/quotes?facets=appeared_in,appeared_year", "").decode(t, &p)
	if f := p.Facets["appeared_in"]; len(f) != 1 || f[0].Value != kyiv.ID || f[0].Count != 1 || p.Facets["appeared_year"][0].Value != "2025" {
		t.Errorf("facets: %+v", p.Facets)
	}
	if res := e.do(http.MethodGet, "/v1/quotes?min_appearances=0", ""); res.Code != 400 {
		t.Errorf("min_appearances=0: %d", res.Code)
	}
}

// A checked quote reappearing is news: quote.reappeared goes to the endpoints that want
// it, and the list of checked quotes that reappeared shows it.
func TestReappearanceOfACheckedQuote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	var w struct {
		Webhook db.Webhook `json:"webhook"`
	}
	e.create("/v1/webhooks", `{"url": "https://cms.example.org/hooks", "event_types": ["quote.reappeared"]}`, &w)
	// Unchecked, a reappearance is no news.
	e.do(http.MethodPost, "/v1/quotes/"+fox.ID+"/appearances", mustJSON(t, map[string]any{"words": kyivWords}))
	e.create("/v1/quotes/"+fox.ID+"/verdicts", `{"attribution": "disputed", "summary": "Unclear."}`, &db.Verdict{})
	var a db.Appearance
	e.create("/v1/quotes/"+fox.ID+"/appearances", mustJSON(t, map[string]any{"words": foxWords, "outlet_name": "RT",
		"published_on": "2025-06-01"}), &a)
	var dl struct{ Data []db.Delivery }
	e.do(http.MethodGet, "/v1/webhooks/"+w.Webhook.ID+"/deliveries", "").decode(t, &dl)
	if len(dl.Data) != 1 || dl.Data[0].EventType != "quote.reappeared" {
		t.Errorf("deliveries: %+v", dl.Data)
	}
	var list struct{ Data []db.Appearance }
	e.do(http.MethodGet, "/v1/appearances?state=confirmed&checked=true", "").decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].ID != a.ID {
		t.Errorf("reappeared: %+v", list.Data)
	}
}

// ClaimReview carries the chain: exports fill itemReviewed.appearance with the confirmed
// appearances and firstAppearance with the pinned one; importing the review reads them
// back as the quote's appearances, the first pinned.
func TestClaimReviewCarriesTheChain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fox := foxQuote(t, e)
	var kyiv, wsj db.Appearance
	e.create("/v1/quotes/"+fox.ID+"/appearances", mustJSON(t, map[string]any{"words": kyivWords, "outlet_name": "Kyiv Post",
		"url": "https://www.kyivpost.com/post/50000", "published_on": "2025-04-21"}), &kyiv)
	e.create("/v1/quotes/"+fox.ID+"/appearances", mustJSON(t, map[string]any{"words": foxWords, "outlet_name": "The Wall Street Journal",
		"url": "https://www.wsj.com/a", "published_on": "2025-04-22"}), &wsj)
	e.create("/v1/quotes/"+fox.ID+"/verdicts", `{"attribution": "disputed", "rating": "unproven", "summary": "Said, but not policy."}`, &db.Verdict{})
	if res := e.do(http.MethodPost, "/v1/quotes/"+fox.ID+"/first-appearance", `{"appearance_id": "`+wsj.ID+`", "reason": "The WSJ had it first; the Kyiv Post re-reported it"}`); res.Code != 200 {
		t.Fatalf("pin: %d %s", res.Code, res.Body)
	}
	res := e.do(http.MethodGet, "/v1/quotes/"+fox.ID+"/claimreview", "")
	var cr struct {
		ItemReviewed struct {
			Appearance []struct {
				URL, DatePublished string
				Publisher          struct{ Name string }
			}
			FirstAppearance struct{ URL string }
		}
	}
	res.decode(t, &cr)
	urls := []string{}
	for _, a := range cr.ItemReviewed.Appearance {
		urls = append(urls, a.URL)
	}
	if !strings.Contains(strings.Join(urls, " "), "kyivpost") || cr.ItemReviewed.FirstAppearance.URL != "https://www.wsj.com/a" {
		t.Fatalf("the review: %+v", cr.ItemReviewed)
	}
	f := newEnv(t)
	req := strings.ReplaceAll(string(res.Body), "\n", "") + "\n"
	_, got := f.importBody("/v1/import?format=claimreview", req)
	if got.Created != 1 || got.Rejected != 0 {
		t.Fatalf("import of the review: %+v", got)
	}
	var qs struct{ Data []db.Quote }
	f.do(http.MethodGet, "/v1/quotes", "").decode(t, &qs)
	var chain struct{ Data []db.Appearance }
	f.do(http.MethodGet, "/v1/quotes/"+qs.Data[0].ID+"/appearances", "").decode(t, &chain)
	if len(chain.Data) != 2 || chain.Data[0].Via != "claimreview" || chain.Data[0].State != "confirmed" ||
		qs.Data[0].FirstAppearancePin == nil || *qs.Data[0].FirstAppearanceID != chain.Data[1].ID {
		t.Errorf("the imported chain: %+v; pin %+v", chain.Data, qs.Data[0].FirstAppearancePin)
	}
}
