package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

func TestSpeakerLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sp db.Speaker
	res := e.create("/v1/speakers", `{"name": "Keith Kellogg", "aliases": ["Gen. Kellogg", "keith  kellogg", "Kellogg"],
		"wikidata_qid": "Q6385264", "description": "US envoy"}`, &sp)
	if strings.Join(sp.Aliases, "|") != "Gen. Kellogg|Kellogg" {
		t.Errorf("aliases %q: want the name's own folding dropped", sp.Aliases)
	}
	if sp.WikidataQID == nil || *sp.WikidataQID != "Q6385264" || sp.Anonymous || sp.Version != 1 {
		t.Errorf("created %+v", sp)
	}
	if res.Header.Get("Location") != "/v1/speakers/"+sp.ID || res.Header.Get("ETag") != `"1"` {
		t.Errorf("headers %v", res.Header)
	}
	var anon db.Speaker
	e.create("/v1/speakers", `{"name": "a senior State Department official", "anonymous": true}`, &anon)
	if !anon.Anonymous || anon.WikidataQID != nil || len(anon.Aliases) != 0 {
		t.Errorf("anonymous speaker %+v", anon)
	}

	if res := e.do(http.MethodGet, "/v1/speakers/"+sp.ID, "", "If-None-Match", `"1"`); res.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res.Code)
	}
	res = e.do(http.MethodPatch, "/v1/speakers/"+sp.ID, `{"aliases": ["General Kellogg"], "wikidata_qid": null}`, "If-Match", `"1"`)
	var got db.Speaker
	res.decode(t, &got)
	if res.Code != http.StatusOK || got.Version != 2 || strings.Join(got.Aliases, "|") != "General Kellogg" || got.WikidataQID != nil {
		t.Fatalf("PATCH: %d %s", res.Code, res.Body)
	}
	// The old alias no longer finds him; the new one does.
	var q db.Quote
	e.create("/v1/quotes", `{"text": "x", "speaker_name": "general kellogg"}`, &q)
	if q.Speaker.ID != sp.ID {
		t.Errorf("new alias did not resolve: %+v", q.Speaker)
	}
	e.create("/v1/quotes", `{"text": "x", "speaker_name": "Gen. Kellogg"}`, &q)
	if q.Speaker.ID == sp.ID {
		t.Error("a removed alias still resolves")
	}

	var lone db.Speaker
	e.create("/v1/speakers", `{"name": "Nobody Quoted"}`, &lone)
	if res := e.do(http.MethodDelete, "/v1/speakers/"+lone.ID, ""); res.Code != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", res.Code, res.Body)
	}
	if res := e.do(http.MethodGet, "/v1/speakers/"+lone.ID, ""); res.Code != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", res.Code)
	}
}

func TestSpeakerListSearchAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	names := []string{"Zelenskyy", "Volodymyr Zelenskyy", "Marco Rubio", "Keith Kellogg", "Steve Witkoff", "Vladimir Putin", "Señor Ortega"}
	for _, n := range names {
		var sp db.Speaker
		e.create("/v1/speakers", mustJSON(t, map[string]any{"name": n, "aliases": []string{n + " (alias)"}}), &sp)
	}
	e.create("/v1/speakers", `{"name": "Gen. K", "aliases": ["General Keith"]}`, new(db.Speaker))
	tests := []struct {
		q    string
		want []string
	}{
		{"zelensk", []string{"Volodymyr Zelenskyy", "Zelenskyy"}},
		{"SENOR", []string{"Señor Ortega"}},
		{"keith", []string{"Gen. K", "Keith Kellogg"}}, // through an alias
		{"nobody", nil},
	}
	for _, tt := range tests {
		var page struct{ Data []db.Speaker }
		e.do(http.MethodGet, "/v1/speakers?q="+tt.q, "").decode(t, &page)
		var got []string
		for _, s := range page.Data {
			got = append(got, s.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("q=%s: got %v, want %v", tt.q, got, tt.want)
		}
	}
	// Paging by name visits everyone once, in order.
	var all []string
	path := "/v1/speakers?limit=3"
	for {
		var page struct {
			Data       []db.Speaker `json:"data"`
			NextCursor *string      `json:"next_cursor"`
		}
		e.do(http.MethodGet, path, "").decode(t, &page)
		for _, s := range page.Data {
			all = append(all, s.Name)
		}
		if page.NextCursor == nil {
			break
		}
		path = "/v1/speakers?limit=3&cursor=" + *page.NextCursor
	}
	if len(all) != len(names)+1 || !isSortedFold(all) {
		t.Errorf("paged names %v", all)
	}
}

func isSortedFold(names []string) bool {
	for i := 1; i < len(names); i++ {
		if strings.ToLower(names[i-1]) > strings.ToLower(names[i]) {
			return false
		}
	}
	return true
}

func TestOutletLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var o db.Outlet
	e.create("/v1/outlets", `{"name": "The Wall Street Journal", "url": "https://www.wsj.com"}`, &o)
	e.create("/v1/outlets", `{"name": "Fox News"}`, new(db.Outlet))
	res := e.do(http.MethodPatch, "/v1/outlets/"+o.ID, `{"url": null, "name": "WSJ"}`, "If-Match", `"1"`)
	var got db.Outlet
	res.decode(t, &got)
	if res.Code != http.StatusOK || got.URL != nil || got.Name != "WSJ" || got.Version != 2 {
		t.Fatalf("PATCH: %d %s", res.Code, res.Body)
	}
	var page struct{ Data []db.Outlet }
	e.do(http.MethodGet, "/v1/outlets?q=wsj", "").decode(t, &page)
	if len(page.Data) != 1 || page.Data[0].ID != o.ID {
		t.Errorf("q=wsj: %+v", page.Data)
	}
	if res := e.do(http.MethodPatch, "/v1/outlets/"+o.ID, `{"name": "fox news"}`); res.Code != http.StatusConflict {
		t.Errorf("rename onto another outlet: %d", res.Code)
	}
	if res := e.do(http.MethodDelete, "/v1/outlets/"+o.ID, "", "If-Match", `"2"`); res.Code != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", res.Code, res.Body)
	}
}
