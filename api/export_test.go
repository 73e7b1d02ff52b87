package api_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/web"
)

func TestExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sp db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg", "aliases": ["Gen. Kellogg"], "wikidata_qid": "Q6385264"}`, &sp)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	var cit db.Citation
	e.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://www.foxnews.com/v", "relation": "primary", "excerpt": "NATO isn't on the table"}`, &cit)
	e.create("/v1/quotes/"+q.ID+"/verdicts", mustJSON(t, map[string]any{"attribution": "verified", "rating": "not_checkable",
		"summary": "Said on air.", "citation_ids": []string{cit.ID}}), new(db.Verdict))
	e.create("/v1/quotes/"+q.ID+"/verdicts", mustJSON(t, map[string]any{"attribution": "verified", "summary": "Rating withdrawn.",
		"citation_ids": []string{cit.ID}}), new(db.Verdict))
	const extra = 1234 // more than two export pages
	for i := range extra {
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": fmt.Sprintf("filler quote number %d, with a comma and \"quotes\"", i),
			"speaker_name": "Filler", "said_on": "2020"}), new(db.Quote))
	}

	res := e.do(http.MethodGet, "/v1/export", "")
	if res.Code != http.StatusOK || res.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("export: %d %s", res.Code, res.Header.Get("Content-Type"))
	}
	var records []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(res.Body))
	sc.Buffer(nil, 1<<20)
	ids := map[string]bool{}
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", len(records)+1, err)
		}
		if ids[r["id"].(string)] {
			t.Fatalf("quote %s exported twice", r["id"])
		}
		ids[r["id"].(string)] = true
		records = append(records, r)
	}
	if len(records) != extra+1 {
		t.Fatalf("%d records, want %d", len(records), extra+1)
	}
	// The default order is -said_on: Kellogg's 2025 quote first.
	k := records[0]
	if k["id"] != q.ID || k["text"] != "NATO isn’t on the table" || k["attribution"] != "verified" {
		t.Fatalf("first record %v", k)
	}
	detail := k["speaker_detail"].(map[string]any)
	if detail["wikidata_qid"] != "Q6385264" || len(detail["aliases"].([]any)) != 1 {
		t.Errorf("speaker_detail %v", detail)
	}
	if k["outlet_detail"].(map[string]any)["name"] != "Fox News" {
		t.Errorf("outlet_detail %v", k["outlet_detail"])
	}
	verdicts := k["verdicts"].([]any)
	if len(verdicts) != 2 || verdicts[0].(map[string]any)["summary"] != "Said on air." ||
		verdicts[1].(map[string]any)["supersedes"] != verdicts[0].(map[string]any)["id"] {
		t.Errorf("verdicts, oldest first: %v", verdicts)
	}
	if cits := k["citations"].([]any); len(cits) != 1 || cits[0].(map[string]any)["excerpt_matches"] != true {
		t.Errorf("citations %v", cits)
	}

	// CSV, by format= and by Accept; the same filters as search.
	for _, req := range []struct{ path, accept string }{{"/v1/export?format=csv&q=nato", ""}, {"/v1/export?q=nato", "text/csv"}} {
		res := e.do(http.MethodGet, req.path, "", "Accept", req.accept)
		if res.Code != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", req.path, res.Code, res.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][0] != "id" || rows[1][0] != q.ID || rows[1][1] != q.Text || rows[1][13] != "ukraine | nato" ||
			rows[1][16] != "Rating withdrawn." || rows[1][19] != "https://www.foxnews.com/v" ||
			rows[0][24] != "speaker_wikidata_qid" || rows[1][24] != "Q6385264" || rows[1][25] != detail["aliases"].([]any)[0] {
			t.Errorf("%s: rows %q", req.path, rows)
		}
	}
	res = e.do(http.MethodGet, "/v1/export?format=csv&said_to=2020", "")
	rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	if err != nil || len(rows) != extra+1 || rows[1][1] != "filler quote number 1233, with a comma and \"quotes\"" {
		t.Errorf("filler CSV: %d rows, %v; second %q", len(rows), err, rows[1])
	}
	if res := e.do(http.MethodGet, "/v1/export?q=nothingmatches", ""); res.Code != http.StatusOK || len(res.Body) != 0 {
		t.Errorf("empty export: %d %q", res.Code, res.Body)
	}
	runBad(t, e, []badCase{
		{name: "unknown format", method: "GET", path: "/v1/export?format=xlsx", status: 400, field: "format"},
		{name: "unacceptable", method: "GET", path: "/v1/export", headers: []string{"Accept", "application/pdf"}, status: 406},
		{name: "bad query", method: "GET", path: "/v1/export?q=-x", status: 400, field: "q"},
		{name: "paging has no meaning", method: "GET", path: "/v1/export?limit=5", status: 400, field: "limit"},
		{name: "bad sort", method: "GET", path: "/v1/export?sort=relevance", status: 400, field: "sort"},
	})
	// A refusal before the first record is a problem, not an attachment.
	if res := e.do(http.MethodGet, "/v1/export?q=-x", ""); res.Header.Get("Content-Disposition") != "" ||
		res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a refused export's headers: %v", res.Header)
	}
}

// A complete export ends with its count in a trailer; one that fails part way — here the
// database goes away after the first page — is aborted, so the client's HTTP library
// reports an error instead of handing over a short file that looks whole.
func TestExportsEndWholeOrVisiblyCut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kelloggName := "Keith Kellogg"
	// Twenty megabytes of records: more than the loopback connection's buffers hold, so the
	// server is still reading pages when the client stops reading.
	const n = 2400
	padding := strings.Repeat("word ", 1600)
	ins := make([]db.QuoteInput, n)
	for i := range ins {
		ins[i] = db.QuoteInput{Text: fmt.Sprintf("grain quote %d %s", i, padding), SpeakerName: &kelloggName}
	}
	if err := e.store.CreateQuotes(dbtest.Operator, ins); err != nil {
		t.Fatal(err)
	}
	handle, err := engines.Open(dbtest.Operator, e.dsn, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(handle, api.Config{}, web.Options{}))
	defer srv.Close()
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/export?format=ndjson", nil)
		req.Header.Set("Authorization", "Bearer "+e.admin)
		return http.DefaultClient.Do(req)
	}
	res, err := get()
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || bytes.Count(body, []byte("\n")) != n || res.Trailer.Get("Verbatim-Records") != strconv.Itoa(n) {
		t.Fatalf("whole export: %v, %d lines, trailer %q", err, bytes.Count(body, []byte("\n")), res.Trailer.Get("Verbatim-Records"))
	}
	res, err = get()
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 1024)
	if _, err := io.ReadFull(res.Body, first); err != nil {
		t.Fatal(err)
	}
	handle.Close() // the database is gone after the first page
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil || res.Trailer.Get("Verbatim-Records") != "" {
		t.Errorf("a cut export read as whole: %v, trailer %q", err, res.Trailer.Get("Verbatim-Records"))
	}
}
