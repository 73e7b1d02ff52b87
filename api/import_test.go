package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
)

func (e *env) importBody(path, body string, headers ...string) (*response, db.ImportResult) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+e.admin)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res := e.send(req)
	var out db.ImportResult
	if res.Code == http.StatusOK {
		res.decode(e.t, &out)
	}
	return res, out
}

func TestImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file := `{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "external_id": "k-1", "said_on": "2025-04-20"}
{"text": "Second", "speaker_name": "Keith Kellogg", "rating_label": "Mostly False"}
{"text": "Bad date", "speaker_name": "S", "said_on": "2025-02-30"}
{"text": "Third", "speaker_name": "Marco Rubio", "outlet_name": "Fox News", "tags": ["nato"]}
`
	res, got := e.importBody("/v1/import", file)
	if res.Code != http.StatusOK || got.Created != 3 || got.Rejected != 1 || got.Errors[0].Line != 3 || got.Errors[0].Field != "said_on" {
		t.Fatalf("import: %d %+v", res.Code, got)
	}
	if c := e.counts(); c.Quotes != 3 || c.Speakers != 2 || c.Outlets != 1 {
		t.Errorf("counts %+v", c)
	}
	page := e.search(t, "rating=mostly_false")
	if len(page.Data) != 1 || page.Data[0].CurrentVerdict == nil || page.Data[0].CurrentVerdict.ReviewedBy != "admin" {
		t.Errorf("the rating label became no verdict: %+v", page.Data)
	}
	// The same file again changes nothing; a changed record is an update.
	_, again := e.importBody("/v1/import", file)
	if again.Created != 0 || again.Unchanged != 3 || again.Rejected != 1 {
		t.Errorf("second import %+v", again)
	}
	_, changed := e.importBody("/v1/import", strings.Replace(file, `"said_on": "2025-04-20"`, `"said_on": "2025-04-21"`, 1))
	if changed.Updated != 1 || changed.Unchanged != 2 {
		t.Errorf("changed import %+v", changed)
	}
	// An Idempotency-Key replays the first answer to the same request, refuses another
	// request under the same key, and belongs to the API key that sent it.
	_, first := e.importBody("/v1/import", `{"text": "Fourth", "speaker_name": "S"}`, "Idempotency-Key", "run-7")
	res2, replay := e.importBody("/v1/import", `{"text": "Fourth", "speaker_name": "S"}`, "Idempotency-Key", "run-7")
	if first.Created != 1 || replay.Created != 1 || res2.Header.Get("Idempotent-Replayed") != "true" || e.counts().Quotes != 4 {
		t.Errorf("idempotency: %+v %+v %v, %d quotes", first, replay, res2.Header, e.counts().Quotes)
	}
	if res, _ := e.importBody("/v1/import", `{"text": "Fifth", "speaker_name": "S"}`, "Idempotency-Key", "run-7"); res.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(string(res.Body), `"field":"Idempotency-Key"`) || e.counts().Quotes != 4 {
		t.Errorf("another body under a used key: %d %s", res.Code, res.Body)
	}
	other := e.key("editor-b", "editor")
	res3, own := e.importBody("/v1/import", `{"text": "Fifth", "speaker_name": "S"}`, "Idempotency-Key", "run-7", "Authorization", "Bearer "+other)
	if res3.Code != http.StatusOK || own.Created != 1 || res3.Header.Get("Idempotent-Replayed") != "" || e.counts().Quotes != 5 {
		t.Errorf("another API key's request under the same Idempotency-Key: %d %+v", res3.Code, own)
	}
	// CSV through a mapping.
	res, csvRes := e.importBody("/v1/import?format=csv&header=true&map=text=quote,speaker=who,said_on=when",
		"quote,who,when\n\"A, b\",Ann,20240102\n,Bob,2024\n")
	if res.Code != http.StatusOK || csvRes.Created != 1 || csvRes.Rejected != 1 || csvRes.Errors[0].Field != "text" {
		t.Errorf("CSV import: %d %+v", res.Code, csvRes)
	}
	runBad(t, e, []badCase{
		{name: "unknown format", method: "POST", path: "/v1/import?format=xml", body: "{}", status: 400, field: "format"},
		{name: "bad mapping", method: "POST", path: "/v1/import?format=csv&map=words=1", body: "a,b\n", status: 400, field: "map"},
		{name: "unknown parameter", method: "POST", path: "/v1/import?batch=5", body: "{}", status: 400, field: "batch"},
		{name: "reader may not import", method: "POST", path: "/v1/import", body: "{}", status: 403,
			headers: []string{"Authorization", "Bearer " + e.key("r", "reader")}},
	})
}

// Export, then import into an empty archive, then export again: the same bytes.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newEnv(t)
	src.create("/v1/speakers", `{"name": "Keith Kellogg", "aliases": ["Gen. Kellogg"], "wikidata_qid": "Q6385264", "description": "envoy"}`, new(db.Speaker))
	src.create("/v1/outlets", `{"name": "Fox News", "url": "https://www.foxnews.com"}`, new(db.Outlet))
	var q db.Quote
	src.create("/v1/quotes", kellogg, &q)
	var c db.Citation
	src.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://example.com/p", "relation": "primary", "excerpt": "NATO isn't on the table", "title": "T"}`, &c)
	src.create("/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "verified", "rating": "not_checkable", "summary": "one", "citation_ids": ["`+c.ID+`"]}`, new(db.Verdict))
	src.create("/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "paraphrased", "rating": "mostly_false", "summary": "two"}`, new(db.Verdict))
	src.create("/v1/quotes", `{"text": "Anonymous words", "speaker_name": "a senior State Department official", "said_on": "2025", "lang": "en-GB"}`, new(db.Quote))
	exported := src.do(http.MethodGet, "/v1/export", "").Body

	dst := newEnv(t)
	_, res := dst.importBody("/v1/import", string(exported))
	if res.Created != 2 || res.Rejected != 0 {
		t.Fatalf("import of the export: %+v", res)
	}
	again := dst.do(http.MethodGet, "/v1/export", "").Body
	if !bytes.Equal(exported, again) {
		t.Errorf("round trip differs:\n%s\n%s", exported, again)
	}
	// The imported archive works: search, verdict history, ClaimReview.
	var got db.Quote
	dst.do(http.MethodGet, "/v1/quotes/"+q.ID, "").decode(t, &got)
	if got.Attribution != "paraphrased" || got.CurrentVerdict == nil || got.CurrentVerdict.Summary != "two" {
		t.Errorf("imported quote %+v", got)
	}
	if p := dst.search(t, "q=nato"); len(p.Data) != 1 {
		t.Errorf("imported quote not searchable")
	}
	if res := dst.do(http.MethodGet, "/v1/quotes/"+q.ID+"/claimreview", ""); res.Code != http.StatusOK {
		t.Errorf("claimreview after import: %d", res.Code)
	}
	// Importing the export again changes nothing.
	if _, res := dst.importBody("/v1/import", string(exported)); res.Unchanged != 2 || res.Created != 0 {
		t.Errorf("second import of the export %+v", res)
	}
}

// Quotebank's bzip2 file goes in over HTTP as it is: each quotation a quote, each URL an
// appearance, the speaker by QID, "None" an anonymous source, bad lines listed.
func TestImportQuotebank(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bz, err := os.ReadFile("../ingest/testdata/quotebank.jsonl.bz2")
	if err != nil {
		t.Fatal(err)
	}
	for pass, want := range []db.ImportResult{{Created: 4, Updated: 2, Rejected: 7}, {Unchanged: 6, Rejected: 7}} {
		res, got := e.importBody("/v1/import?format=quotebank", string(bz), "Content-Type", "application/x-bzip2")
		if res.Code != http.StatusOK || got.Created != want.Created || got.Updated != want.Updated || got.Unchanged != want.Unchanged ||
			got.Rejected != want.Rejected {
			t.Fatalf("pass %d: %d %+v", pass+1, res.Code, got)
		}
		if pass == 0 && (got.Errors[0].Line != 4 || got.Errors[0].Field != "text") {
			t.Errorf("the empty quotation: %+v", got.Errors)
		}
	}
	var page struct{ Data []db.Quote }
	e.do(http.MethodGet, "/v1/quotes?q=America+great", "").decode(t, &page)
	if len(page.Data) != 1 || page.Data[0].AppearanceCounts.Confirmed+page.Data[0].AppearanceCounts.Suggested != 4 ||
		!strings.HasPrefix(*page.Data[0].Context, "Quotebank 2015-08-31-000271") {
		t.Fatalf("the quotation printed four times: %+v", page.Data)
	}
	var s db.Speaker
	e.do(http.MethodGet, "/v1/speakers/"+page.Data[0].Speaker.ID, "").decode(t, &s)
	if s.WikidataQID == nil || *s.WikidataQID != "Q22686" {
		t.Errorf("the speaker by QID: %+v", s)
	}
	e.do(http.MethodGet, "/v1/quotes?q=Nobody+wanted", "").decode(t, &page)
	e.do(http.MethodGet, "/v1/speakers/"+page.Data[0].Speaker.ID, "").decode(t, &s)
	if !s.Anonymous || s.Name != "an unidentified speaker" {
		t.Errorf(`speaker "None": %+v`, s)
	}
}

// The audit still answers who loaded a quote, from what: an editor's import is a load,
// the audit entry of each quote it created names the load, and the load names who sent
// what (its SHA-256, size, counts). A reader sees no loads.
func TestWhoLoadedThisQuote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	desk := e.key("research-desk", "editor")
	body := `{"external_id": "wl-1", "text": "The harbour stays open through the winter", "speaker_name": "Port Authority"}` + "\n" +
		`{"external_id": "wl-2", "text": "Grain shipments resume on Monday morning", "speaker_name": "Port Authority"}` + "\n"
	res, got := e.importAs(desk, "/v1/import", body)
	if res.Code != http.StatusOK || got.Created != 2 || got.LoadID == "" {
		t.Fatalf("import: %d %+v", res.Code, got)
	}
	var list struct{ Data []db.Quote }
	e.do(http.MethodGet, "/v1/quotes?q=harbour", "").decode(t, &list)
	if len(list.Data) != 1 {
		t.Fatalf("the loaded quote: %+v", list.Data)
	}
	var audit api.AuditList
	e.do(http.MethodGet, "/v1/audit?resource=quote&resource_id="+list.Data[0].ID, "").decode(t, &audit)
	if len(audit.Data) != 1 || audit.Data[0].Action != "create" || audit.Data[0].Actor != "research-desk" ||
		audit.Data[0].Changes["load"].After != got.LoadID {
		t.Fatalf("the quote's audit: %+v", audit.Data)
	}
	// The trail holds the load's batch, not an entry a quote; the history still begins
	// with the creation, under the batch's key.
	var batches, history api.AuditList
	e.do(http.MethodGet, "/v1/audit?resource=load", "").decode(t, &batches)
	if len(batches.Data) != 1 || batches.Data[0].Action != "load" || batches.Data[0].ResourceID != got.LoadID ||
		batches.Data[0].Changes["lines"].After != "1-2" || batches.Data[0].ID != audit.Data[0].ID {
		t.Fatalf("the load's batch in the trail: %+v", batches.Data)
	}
	e.do(http.MethodGet, "/v1/audit?resource=quote", "").decode(t, &audit)
	if len(audit.Data) != 0 {
		t.Errorf("the trail holds an entry a loaded quote: %+v", audit.Data)
	}
	e.do(http.MethodGet, "/v1/quotes/"+list.Data[0].ID+"/history", "").decode(t, &history)
	if len(history.Data) != 1 || history.Data[0].Action != "create" || history.Data[0].Changes["load"].After != got.LoadID {
		t.Errorf("the loaded quote's history: %+v", history.Data)
	}
	var load db.Load
	if r := e.do(http.MethodGet, "/v1/loads/"+got.LoadID, "", "Authorization", "Bearer "+desk); r.Code != http.StatusOK {
		t.Fatalf("the load: %d %s", r.Code, r.Body)
	} else {
		r.decode(t, &load)
	}
	sum := sha256.Sum256([]byte(body))
	if load.Actor != "research-desk" || load.Source != "POST /v1/import" || load.Format != "ndjson" || load.State != "done" ||
		load.Created != 2 || load.SHA256 == nil || *load.SHA256 != hex.EncodeToString(sum[:]) || load.Size == nil || *load.Size != int64(len(body)) {
		t.Errorf("the load: %+v", load)
	}
	var loads api.LoadList
	e.do(http.MethodGet, "/v1/loads", "").decode(t, &loads)
	if len(loads.Data) != 1 || loads.Data[0].ID != got.LoadID {
		t.Errorf("loads: %+v", loads.Data)
	}
	reader := e.key("reader", "reader")
	for _, path := range []string{"/v1/loads", "/v1/loads/" + got.LoadID} {
		if r := e.do(http.MethodGet, path, "", "Authorization", "Bearer "+reader); r.Code != http.StatusForbidden {
			t.Errorf("a reader read %s: %d", path, r.Code)
		}
	}
	if r := e.do(http.MethodGet, "/v1/loads/ld_01JS8X2W5Q7K3M9N4P6R8T0V60", ""); r.Code != http.StatusNotFound {
		t.Errorf("an unknown load: %d %s", r.Code, r.Body)
	}
	if r := e.do(http.MethodGet, "/v1/loads?limit=zero", ""); r.Code != http.StatusBadRequest {
		t.Errorf("a bad limit: %d %s", r.Code, r.Body)
	}
}
