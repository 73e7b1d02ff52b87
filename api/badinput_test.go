package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// badCase is one hostile or mistaken request: what it must be answered with and which
// field the problem must name ("" when no field can be named).
type badCase struct {
	name    string
	method  string
	path    string
	body    string
	headers []string
	status  int
	field   string
}

// runBad runs cases against e: each answer must be problem+json with the status, name
// the field, and leave the database exactly as it was.
func runBad(t *testing.T, e *env, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			before := e.counts()
			res := e.do(tc.method, tc.path, tc.body, tc.headers...)
			if res.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", res.Code, tc.status, res.Body)
			}
			p := res.problem(t)
			if tc.field != "" {
				var fields []string
				for _, f := range p.Errors {
					fields = append(fields, f.Field)
					if f.Message == "" {
						t.Errorf("field %s has no message", f.Field)
					}
				}
				if !slices.Contains(fields, tc.field) {
					t.Errorf("problem names fields %v, want %q: %s", fields, tc.field, res.Body)
				}
			}
			if p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-ID") {
				t.Errorf("problem request_id %q, header %q", p.RequestID, res.Header.Get("X-Request-ID"))
			}
			if after := e.counts(); after != before {
				t.Errorf("a refused request wrote: %+v → %+v", before, after)
			}
		})
	}
}

func TestQuoteCreateBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sp db.Speaker
	e.create("/v1/speakers", `{"name": "Existing Speaker"}`, &sp)
	post := func(name, body string, status int, field string) badCase {
		return badCase{name: name, method: http.MethodPost, path: "/v1/quotes", body: body, status: status, field: field}
	}
	valid := `"text": "words", "speaker_name": "A New Person"`
	cases := []badCase{
		post("malformed JSON", `{"text": "words", `, 400, ""),
		post("not JSON at all", `text=words`, 400, ""),
		post("null body", `null`, 400, ""),
		post("array body", `[{"text": "words"}]`, 400, ""),
		post("string body", `"words"`, 400, ""),
		post("whitespace body", " \n\t ", 400, ""),
		post("trailing data", `{`+valid+`} {"text": "again"}`, 400, ""),
		post("trailing garbage", `{`+valid+`}xyz`, 400, ""),
		post("unknown field", `{`+valid+`, "speeker": "x"}`, 400, "speeker"),
		post("server-owned id", `{`+valid+`, "id": "q_mine"}`, 400, "id"),
		post("server-owned version", `{`+valid+`, "version": 9}`, 400, "version"),
		post("text is a number", `{"text": 5, "speaker_name": "A"}`, 400, "text"),
		post("text is an object", `{"text": {"en": "x"}, "speaker_name": "A"}`, 400, "text"),
		post("tags is a string", `{`+valid+`, "tags": "nato"}`, 400, "tags"),
		post("tag is a number", `{`+valid+`, "tags": ["nato", 7]}`, 400, "tags"),
		post("speaker_id is a number", `{"text": "words", "speaker_id": 12}`, 400, "speaker_id"),
		post("said_on is a number", `{`+valid+`, "said_on": 20250420}`, 400, "said_on"),
		post("said_on month 13", `{`+valid+`, "said_on": "2025-13-01"}`, 400, "said_on"),
		post("said_on 30 February", `{`+valid+`, "said_on": "2025-02-30"}`, 400, "said_on"),
		post("said_on in words", `{`+valid+`, "said_on": "April 20"}`, 400, "said_on"),
		post("said_on with time", `{`+valid+`, "said_on": "2025-04-20T10:00:00Z"}`, 400, "said_on"),
		post("said_on coarser than precision", `{`+valid+`, "said_on": "2025", "date_precision": "day"}`, 400, "said_on"),
		post("precision without date", `{`+valid+`, "date_precision": "year"}`, 422, "date_precision"),
		post("unknown setting", `{`+valid+`, "setting": "podcast"}`, 422, "setting"),
		post("setting in capitals", `{`+valid+`, "setting": "Interview"}`, 422, "setting"),
		post("unknown precision", `{`+valid+`, "said_on": "2025-04-20", "date_precision": "week"}`, 422, "date_precision"),
		post("missing text", `{"speaker_name": "A"}`, 422, "text"),
		post("blank text", `{"text": " \n ", "speaker_name": "A"}`, 422, "text"),
		post("missing speaker", `{"text": "words"}`, 422, "speaker_id"),
		post("blank speaker name", `{"text": "words", "speaker_name": "  "}`, 422, "speaker_name"),
		post("both speaker id and name", `{"text": "words", "speaker_id": "`+sp.ID+`", "speaker_name": "A"}`, 422, "speaker_id"),
		post("unknown speaker id", `{"text": "words", "speaker_id": "spk_nobody"}`, 422, "speaker_id"),
		post("unknown outlet id", `{`+valid+`, "outlet_id": "out_nowhere"}`, 422, "outlet_id"),
		post("both outlet id and name", `{`+valid+`, "outlet_id": "out_x", "outlet_name": "Fox"}`, 422, "outlet_id"),
		post("javascript URL", `{`+valid+`, "source_url": "javascript:alert(1)"}`, 422, "source_url"),
		post("ftp URL", `{`+valid+`, "source_url": "ftp://example.com/x"}`, 422, "source_url"),
		post("relative URL", `{`+valid+`, "source_url": "/articles/1"}`, 422, "source_url"),
		post("bad language tag", `{`+valid+`, "lang": "english!!"}`, 422, "lang"),
		post("too many tags", `{`+valid+`, "tags": [`+strings.TrimSuffix(strings.Repeat(`"t",`, 51), ",")+`]}`, 422, "tags"),
		post("tag too long", `{`+valid+`, "tags": ["`+strings.Repeat("t", 65)+`"]}`, 422, "tags[0]"),
		post("blank tag", `{`+valid+`, "tags": ["ok", " "]}`, 422, "tags[1]"),
		post("text too long", `{"text": "`+strings.Repeat("é", 20001)+`", "speaker_name": "A"}`, 422, "text"),
		post("role too long", `{`+valid+`, "speaker_role": "`+strings.Repeat("r", 301)+`"}`, 422, "speaker_role"),
		post("control character in text", `{"text": "NATO \u0001 table", "speaker_name": "A"}`, 422, "text"),
		post("invalid UTF-8 in text", "{\"text\": \"NATO \xff\xfe table\", \"speaker_name\": \"A\"}", 400, "text"),
		post("invalid UTF-8 in a tag", "{"+valid+", \"tags\": [\"ok\", \"b\xc3\"]}", 400, "tags[1]"),
		post("ambiguous speaker name", "", 0, ""), // replaced below
		{name: "body over 1 MiB", method: http.MethodPost, path: "/v1/quotes", status: 413,
			body: `{"text": "` + strings.Repeat("a", 1<<20) + `", "speaker_name": "A"}`},
		{name: "form content type", method: http.MethodPost, path: "/v1/quotes", body: `{` + valid + `}`,
			headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
		{name: "deeply nested JSON", method: http.MethodPost, path: "/v1/quotes",
			body: `{"text": ` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, status: 400},
	}
	// Two speakers share a name: naming it is ambiguous.
	e.create("/v1/speakers", `{"name": "Jane Doe"}`, &sp)
	e.create("/v1/speakers", `{"name": "Jane Doe"}`, &sp)
	for i := range cases {
		if cases[i].name == "ambiguous speaker name" {
			cases[i] = post("ambiguous speaker name", `{"text": "words", "speaker_name": "JANE DOE"}`, 409, "speaker_name")
		}
	}
	runBad(t, e, cases)

	// Several broken fields are all listed at once.
	res := e.do(http.MethodPost, "/v1/quotes", `{"text": "", "setting": "podcast", "lang": "??", "tags": [""]}`)
	p := res.problem(t)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	slices.Sort(fields)
	if strings.Join(fields, ",") != "lang,setting,speaker_id,tags[0],text" {
		t.Errorf("fields %v, want every failing field", fields)
	}
}

func TestQuoteUpdateBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	path := "/v1/quotes/" + q.ID
	patch := func(name, body string, status int, field string, headers ...string) badCase {
		return badCase{name: name, method: http.MethodPatch, path: path, body: body, status: status, field: field, headers: headers}
	}
	runBad(t, e, []badCase{
		patch("malformed JSON", `{"text": `, 400, ""),
		patch("empty body", ``, 400, ""),
		patch("array body", `[]`, 400, ""),
		patch("unknown field", `{"txt": "x"}`, 400, "txt"),
		patch("server-owned created_at", `{"created_at": "2020-01-01T00:00:00Z"}`, 400, "created_at"),
		patch("text null", `{"text": null}`, 400, "text"),
		patch("speaker_id null", `{"speaker_id": null}`, 400, "speaker_id"),
		patch("tags null", `{"tags": null}`, 400, "tags"),
		patch("text is a bool", `{"text": true}`, 400, "text"),
		patch("tags is an object", `{"tags": {}}`, 400, "tags"),
		patch("bad said_on", `{"said_on": "yesterday"}`, 400, "said_on"),
		patch("precision finer than date", `{"date_precision": "day", "said_on": "2025-04"}`, 400, "said_on"),
		patch("blank text", `{"text": ""}`, 422, "text"),
		patch("unknown setting", `{"setting": "rally"}`, 422, "setting"),
		patch("unknown speaker", `{"speaker_id": "spk_nobody"}`, 422, "speaker_id"),
		patch("speaker id and name", `{"speaker_id": "spk_x", "speaker_name": "Y"}`, 422, "speaker_name"),
		patch("bad URL", `{"source_url": "not a url"}`, 422, "source_url"),
		// The new speaker would be created before the date fails: nothing may stay.
		patch("new speaker then bad date", `{"speaker_name": "Brand New", "said_on": "2025-02-31"}`, 400, "said_on"),
		patch("new outlet then unknown speaker", `{"outlet_name": "New Outlet", "speaker_id": "spk_nobody"}`, 422, "speaker_id"),
		patch("stale If-Match", `{"context": "x"}`, 412, "", "If-Match", `"7"`),
		patch("weak If-Match", `{"context": "x"}`, 412, "", "If-Match", `W/"1"`),
		patch("garbage If-Match", `{"context": "x"}`, 400, "If-Match", "If-Match", `yesterday`),
		patch("an entity tag of no version", `{"context": "x"}`, 412, "", "If-Match", `"yesterday"`),
		{name: "unknown quote", method: http.MethodPatch, path: "/v1/quotes/q_nothing", body: `{"context": "x"}`, status: 404},
		{name: "delete unknown quote", method: http.MethodDelete, path: "/v1/quotes/q_nothing", status: 404},
		{name: "get unknown quote", method: http.MethodGet, path: "/v1/quotes/q_nothing", status: 404},
	})
	var got db.Quote
	e.do(http.MethodGet, path, "").decode(t, &got)
	if got.Version != 1 {
		t.Errorf("refused patches moved the version to %d", got.Version)
	}
}

func TestSpeakerAndOutletBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sp db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg", "wikidata_qid": "Q6385264"}`, &sp)
	var o db.Outlet
	e.create("/v1/outlets", `{"name": "Fox News"}`, &o)
	var q db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": "x", "speaker_id": sp.ID, "outlet_id": o.ID}), &q)
	runBad(t, e, []badCase{
		{name: "speaker malformed", method: "POST", path: "/v1/speakers", body: `{"name": }`, status: 400},
		{name: "speaker missing name", method: "POST", path: "/v1/speakers", body: `{"aliases": ["x"]}`, status: 422, field: "name"},
		{name: "speaker name too long", method: "POST", path: "/v1/speakers", body: `{"name": "` + strings.Repeat("n", 201) + `"}`, status: 422, field: "name"},
		{name: "speaker aliases not a list", method: "POST", path: "/v1/speakers", body: `{"name": "A", "aliases": "B"}`, status: 400, field: "aliases"},
		{name: "speaker blank alias", method: "POST", path: "/v1/speakers", body: `{"name": "A", "aliases": ["B", ""]}`, status: 422, field: "aliases[1]"},
		{name: "speaker anonymous not bool", method: "POST", path: "/v1/speakers", body: `{"name": "A", "anonymous": "yes"}`, status: 400, field: "anonymous"},
		{name: "speaker bad QID", method: "POST", path: "/v1/speakers", body: `{"name": "A", "wikidata_qid": "42"}`, status: 422, field: "wikidata_qid"},
		{name: "speaker QID taken", method: "POST", path: "/v1/speakers", body: `{"name": "A", "wikidata_qid": "Q6385264"}`, status: 409, field: "wikidata_qid"},
		{name: "speaker unknown field", method: "POST", path: "/v1/speakers", body: `{"name": "A", "party": "x"}`, status: 400, field: "party"},
		{name: "speaker patch null name", method: "PATCH", path: "/v1/speakers/" + sp.ID, body: `{"name": null}`, status: 400, field: "name"},
		{name: "speaker patch blank name", method: "PATCH", path: "/v1/speakers/" + sp.ID, body: `{"name": ""}`, status: 422, field: "name"},
		{name: "speaker patch stale", method: "PATCH", path: "/v1/speakers/" + sp.ID, body: `{"description": "x"}`, headers: []string{"If-Match", `"5"`}, status: 412},
		{name: "speaker patch unknown", method: "PATCH", path: "/v1/speakers/spk_nobody", body: `{"description": "x"}`, status: 404},
		{name: "speaker delete in use", method: "DELETE", path: "/v1/speakers/" + sp.ID, status: 409},
		{name: "speaker get unknown", method: "GET", path: "/v1/speakers/spk_nobody", status: 404},
		{name: "outlet missing name", method: "POST", path: "/v1/outlets", body: `{}`, status: 422, field: "name"},
		{name: "outlet name taken", method: "POST", path: "/v1/outlets", body: `{"name": "FOX  news"}`, status: 409, field: "name"},
		{name: "outlet bad url", method: "POST", path: "/v1/outlets", body: `{"name": "B", "url": "mailto:a@b.c"}`, status: 422, field: "url"},
		{name: "outlet url number", method: "POST", path: "/v1/outlets", body: `{"name": "B", "url": 1}`, status: 400, field: "url"},
		{name: "outlet patch null name", method: "PATCH", path: "/v1/outlets/" + o.ID, body: `{"name": null}`, status: 400, field: "name"},
		{name: "outlet delete in use", method: "DELETE", path: "/v1/outlets/" + o.ID, status: 409},
		{name: "outlet get unknown", method: "GET", path: "/v1/outlets/out_nothing", status: 404},
	})
}

func TestListBadParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sp db.Speaker
	e.create("/v1/speakers", `{"name": "A"}`, &sp)
	// A real cursor from another sort order.
	for i := range 3 {
		var q db.Quote
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": fmt.Sprint(i), "speaker_id": sp.ID}), &q)
	}
	var page struct {
		NextCursor *string `json:"next_cursor"`
	}
	e.do(http.MethodGet, "/v1/quotes?limit=1&sort=said_on", "").decode(t, &page)
	if page.NextCursor == nil {
		t.Fatal("no cursor on a partial page")
	}
	get := func(name, path string, field string) badCase {
		return badCase{name: name, method: http.MethodGet, path: path, status: 400, field: field}
	}
	runBad(t, e, []badCase{
		get("unknown parameter", "/v1/quotes?speakr=Kellogg", "speakr"),
		get("repeated parameter", "/v1/quotes?tag=a&tag=b", "tag"),
		get("limit zero", "/v1/quotes?limit=0", "limit"),
		get("limit negative", "/v1/quotes?limit=-5", "limit"),
		get("limit words", "/v1/quotes?limit=ten", "limit"),
		get("limit huge", "/v1/quotes?limit=99999999999999999999", "limit"),
		get("cursor garbage", "/v1/quotes?cursor=abc!", "cursor"),
		get("cursor base64 garbage", "/v1/quotes?cursor=bm90IGpzb24", "cursor"),
		get("cursor from another sort", "/v1/quotes?cursor="+*page.NextCursor, "cursor"),
		get("unknown sort", "/v1/quotes?sort=popularity", "sort"),
		get("bad said_from", "/v1/quotes?said_from=last-week", "said_from"),
		get("bad said_to", "/v1/quotes?said_to=2025-02-30", "said_to"),
		get("unknown attribution", "/v1/quotes?attribution=true", "attribution"),
		get("unknown rating", "/v1/quotes?rating=pants_on_fire", "rating"),
		get("invalid UTF-8", "/v1/quotes?tag=%ff", "tag"),
		get("huge parameter", "/v1/quotes?tag="+strings.Repeat("x", 2000), "tag"),
		get("speaker list unknown parameter", "/v1/speakers?name=x", "name"),
		get("speaker list bad cursor", "/v1/speakers?cursor=zzz", "cursor"),
		get("speaker list quote cursor", "/v1/speakers?cursor="+*page.NextCursor, "cursor"),
		get("outlet list bad limit", "/v1/outlets?limit=1.5", "limit"),
		get("speaker quotes bad sort", "/v1/speakers/"+sp.ID+"/quotes?sort=relevance", "sort"),
		get("speaker quotes foreign filter", "/v1/speakers/"+sp.ID+"/quotes?speaker_id=x", "speaker_id"),
	})
	// Caps are applied, not refused.
	if res := e.do(http.MethodGet, "/v1/quotes?limit=1000", ""); res.Code != http.StatusOK {
		t.Errorf("limit over the cap: %d", res.Code)
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runBad(t, e, []badCase{
		{name: "unknown path", method: "GET", path: "/v1/claims", status: 404},
		{name: "unknown root path", method: "GET", path: "/admin", status: 404},
		{name: "unversioned path", method: "GET", path: "/quotes", status: 404},
		{name: "PUT on quotes", method: "PUT", path: "/v1/quotes/q_1", body: `{}`, status: 405},
		{name: "DELETE on the collection", method: "DELETE", path: "/v1/quotes", status: 405},
		{name: "POST on a quote", method: "POST", path: "/v1/quotes/q_1", body: `{}`, status: 405},
	})
}
