package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// The rules hold on every way in, for every role: POST, PATCH, and the import in each of
// its shapes (NDJSON create shape, export shape, CSV, ClaimReview). Each case breaks one
// rule and must be refused on every path it can be expressed on, naming the field and
// writing nothing; each role rule must give the same answer whichever way the write came.

// baseQuote is a valid create-shape quote; cases replace or add one member.
func baseQuote() map[string]any {
	return map[string]any{"text": "We will not raise taxes", "speaker_name": "Ann Example", "said_on": "2025-04-20",
		"setting": "interview", "lang": "en", "source_url": "https://example.com/a", "tags": []any{"tax"},
		"context": "interview", "speaker_role": "Mayor"}
}

type fieldCase struct {
	name  string
	field string // the member set, and the field the refusal must name (a prefix of it)
	value any
	// status is POST's and PATCH's answer: 400 unreadable or not a field, 422 a broken rule.
	status int
	csv    bool // the CSV shape can carry it (a column maps to the field)
}

var fieldCases = []fieldCase{
	{"blank text", "text", " ", 422, true},
	{"text over 20,000 characters", "text", strings.Repeat("a", 20001), 422, true},
	{"NUL in text", "text", "a\x00b", 422, true},
	{"BEL in the speaker's name", "speaker_name", "Ann\x07", 422, true},
	{"speaker name over 200", "speaker_name", strings.Repeat("n", 201), 422, true},
	{"speaker role over 300", "speaker_role", strings.Repeat("r", 301), 422, true},
	{"context over 2,000", "context", strings.Repeat("c", 2001), 422, true},
	{"month 13", "said_on", "2025-13-01", 400, true},
	{"unknown precision", "date_precision", "hour", 422, true},
	{"unknown setting", "setting", "podcast", 422, true},
	{"lang not BCP 47", "lang", "not a bcp47 tag!!", 422, true},
	{"javascript URL", "source_url", "javascript:alert(1)", 422, true},
	{"relative URL", "source_url", "/phish", 422, true},
	{"51 tags", "tags", manyTags(51), 422, false},
	{"a tag over 64", "tags", []any{strings.Repeat("t", 65)}, 422, false},
	{"text as a number", "text", 7, 400, false},
	// Fields the server owns are not fields of a request.
	{"id", "id", "../../phish.example/login?next=", 400, false},
	{"version", "version", -5, 400, false},
	{"created_by", "created_by", "the-ceo", 400, false},
	{"created_at", "created_at", "2019-01-01T00:00:00Z", 400, false},
	{"attribution", "attribution", "verified", 400, false},
	{"rating", "rating", "true", 400, false},
}

func manyTags(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprint("t", i)
	}
	return out
}

// csvColumn is the import mapping's name of a quote field.
var csvColumn = map[string]string{"text": "text", "speaker_name": "speaker", "speaker_role": "speaker_role",
	"context": "context", "said_on": "said_on", "date_precision": "date_precision", "setting": "setting",
	"lang": "lang", "source_url": "source_url"}

func csvImport(fields map[string]string) string {
	var head, row []string
	for _, f := range []string{"text", "speaker_name", "speaker_role", "context", "said_on", "date_precision", "setting", "lang", "source_url"} {
		v, ok := fields[f]
		if !ok {
			continue
		}
		head = append(head, csvColumn[f])
		row = append(row, `"`+strings.ReplaceAll(v, `"`, `""`)+`"`)
	}
	return strings.Join(head, ",") + "\n" + strings.Join(row, ",") + "\n"
}

// importAs sends an import as the key with secret key and returns the answer.
func (e *env) importAs(key, path, body string) (*response, db.ImportResult) {
	e.t.Helper()
	return e.importBody(path, body, "Authorization", "Bearer "+key)
}

// rejectedOnly requires an import answer that stored nothing and rejected its one record
// (line 1, or 2 below a header row) naming field (a prefix of it).
func rejectedOnly(t *testing.T, e *env, res *response, got db.ImportResult, field string, before db.Counts) {
	t.Helper()
	if res.Code != http.StatusOK || got.Rejected != 1 || got.Created+got.Updated != 0 || len(got.Errors) != 1 ||
		got.Errors[0].Line != got.LastLine || !strings.HasPrefix(got.Errors[0].Field, field) || got.Errors[0].Message == "" {
		t.Errorf("import: %d %+v (want the record rejected on %s)", res.Code, got, field)
	}
	if after := e.counts(); after != before {
		t.Errorf("a rejected record wrote: %+v → %+v", before, after)
	}
}

func TestFieldRulesOnEveryPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", mustJSON(t, baseQuote()), &q)
	editor := e.key("desk", "editor")
	for _, tc := range fieldCases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			before := e.counts()
			body := baseQuote()
			body[tc.field] = tc.value
			// POST, as an editor.
			res := e.do(http.MethodPost, "/v1/quotes", mustJSON(t, body), "Authorization", "Bearer "+editor)
			p := res.problem(t)
			if res.Code != tc.status || len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Field, tc.field) {
				t.Errorf("POST: %d %+v", res.Code, p)
			}
			// PATCH: the member alone.
			res = e.do(http.MethodPatch, "/v1/quotes/"+q.ID, mustJSON(t, map[string]any{tc.field: tc.value}), "Authorization", "Bearer "+editor)
			p = res.problem(t)
			if res.Code != tc.status || len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Field, tc.field) {
				t.Errorf("PATCH: %d %+v", res.Code, p)
			}
			// Import, NDJSON create shape.
			// (A member that is not a field, or of the wrong type, is a line that cannot be
			// read, refused by the decoder, which names no field.)
			resI, got := e.importAs(editor, "/v1/import", mustJSON(t, body))
			want := tc.field
			if tc.status == http.StatusBadRequest && tc.field != "said_on" {
				want = ""
			}
			rejectedOnly(t, e, resI, got, want, before)
			// Import, CSV.
			if tc.csv {
				fields := map[string]string{"text": "We will not raise taxes", "speaker_name": "Ann Example"}
				fields[tc.field] = fmt.Sprint(tc.value)
				resC, got := e.importAs(editor, "/v1/import?format=csv&header=true", csvImport(fields))
				rejectedOnly(t, e, resC, got, tc.field, before)
			}
			if after := e.counts(); after != before {
				t.Errorf("a refused write wrote: %+v → %+v", before, after)
			}
		})
	}
}

// Bytes that are not UTF-8 are refused on every path, never replaced: the API's body,
// an NDJSON line and a TSV cell.
func TestInvalidUTF8IsRefusedEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.counts()
	bad := "{\"text\": \"caf\xe9\", \"speaker_name\": \"S\"}"
	if res := e.do(http.MethodPost, "/v1/quotes", bad); res.Code != http.StatusBadRequest || res.problem(t).Errors[0].Field != "text" {
		t.Errorf("POST: %d %s", res.Code, res.Body)
	}
	res, got := e.importBody("/v1/import", bad+"\n")
	rejectedOnly(t, e, res, got, "text", before)
	res, got = e.importBody("/v1/import?format=tsv&map=text=1,speaker=2", "caf\xe9\tS\n")
	rejectedOnly(t, e, res, got, "text", before)
	res, got = e.importBody("/v1/import?format=claimreview", "{\"@type\": \"ClaimReview\", \"claimReviewed\": \"caf\xe9\"}\n")
	rejectedOnly(t, e, res, got, "claimReviewed", before)
}

// A lone UTF-16 surrogate escape ("a\ud800b") would be decoded as U+FFFD: the words are
// never altered, so it is refused, naming the field, on every way in that reads JSON — a
// body (422), an import line, a ClaimReview item; a pair whole is a character like any.
func TestLoneSurrogatesAreRefusedEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.counts()
	for _, body := range []string{`{"text": "a\ud800b", "speaker_name": "S"}`, `{"text": "a", "speaker_name": "S\udc00"}`,
		`{"text": "a\ud800\u0041", "speaker_name": "S"}`, `{"text": "a", "speaker_name": "S", "tags": ["x", "\udbff"]}`} {
		res := e.do(http.MethodPost, "/v1/quotes", body)
		if res.Code != http.StatusUnprocessableEntity || len(res.problem(t).Errors) != 1 ||
			!strings.Contains(res.problem(t).Errors[0].Message, "surrogate") {
			t.Errorf("POST %s: %d %s", body, res.Code, res.Body)
		}
	}
	if res := e.do(http.MethodPost, "/v1/quotes", `{"text": "a\ud800b", "speaker_name": "S"}`); res.problem(t).Errors[0].Field != "text" {
		t.Errorf("the field is not named: %s", res.Body)
	}
	res, got := e.importBody("/v1/import", `{"text": "a\udfffb", "speaker_name": "S"}`+"\n")
	rejectedOnly(t, e, res, got, "text", before)
	res, got = e.importBody("/v1/import?format=claimreview", `{"@type": "ClaimReview", "claimReviewed": "\ud83d x"}`+"\n")
	rejectedOnly(t, e, res, got, "claimReviewed", before)
	// A pair is one character, stored as it was sent.
	var q db.Quote
	e.create("/v1/quotes", `{"text": "NATO \ud83d\ude00 escaped \\ud800 as text", "speaker_name": "S"}`, &q)
	if q.Text != "NATO 😀 escaped \\ud800 as text" {
		t.Errorf("a surrogate pair and an escaped backslash came back as %q", q.Text)
	}
}

// Who may do what holds on every path: verdicts need a factchecker, whether appended,
// imported in the create shape, as a rating label, a CSV rating column or a ClaimReview
// rating; restoring exported records (which bring server-owned fields) needs an admin;
// a reader may import nothing.
func TestRoleRulesOnEveryPath(t *testing.T) {
	t.Parallel()
	src := newEnv(t)
	var q db.Quote
	src.create("/v1/quotes", mustJSON(t, baseQuote()), &q)
	var cit db.Citation
	src.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://example.com/tape", "relation": "primary"}`, &cit)
	if res := src.do(http.MethodPost, "/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "verified", "rating": "true",
		"summary": "On tape.", "citation_ids": ["`+cit.ID+`"]}`); res.Code != http.StatusCreated {
		t.Fatalf("verdict: %d %s", res.Code, res.Body)
	}
	exported := string(src.do(http.MethodGet, "/v1/export?format=ndjson", "").Body)

	verdictLine := `{"text": "Grain is not on the table", "speaker_name": "B", "citations": [{"url": "https://example.com/v", "relation": "primary"}], "verdicts": [{"attribution": "verified", "rating": "false", "summary": "Faked", "citation_urls": ["https://example.com/v"]}]}`
	paths := []struct {
		name, path, body, field string
		needs                   string // the least role that may
	}{
		{"NDJSON verdicts", "/v1/import", verdictLine, "verdicts", "factchecker"},
		{"NDJSON rating_label", "/v1/import", `{"text": "Label words", "speaker_name": "B", "rating_label": "Pants on Fire"}`, "verdicts", "factchecker"},
		{"CSV rating column", "/v1/import?format=csv&header=true", "text,speaker,rating\nCSV words,B,false\n", "verdicts", "factchecker"},
		{"ClaimReview rating", "/v1/import?format=claimreview", `{"@type": "ClaimReview", "claimReviewed": "Review words", "url": "https://example.com/r", "reviewRating": {"alternateName": "False"}}`, "verdicts", "factchecker"},
		{"export shape", "/v1/import", exported, "id", "admin"},
		{"create shape without verdicts", "/v1/import", `{"text": "Plain words", "speaker_name": "B"}`, "", "editor"},
	}
	rank := map[string]int{"reader": 0, "editor": 1, "factchecker": 2, "admin": 3}
	for _, p := range paths {
		for _, role := range []string{"reader", "editor", "factchecker", "admin"} {
			t.Run(p.name+" as "+role, func(t *testing.T) {
				e := newEnv(t) // a fresh archive: an exported record is new to it
				key := e.key("k-"+role, role)
				before := e.counts()
				res, got := e.importAs(key, p.path, p.body)
				switch {
				case role == "reader":
					if res.Code != http.StatusForbidden {
						t.Errorf("reader import: %d %s", res.Code, res.Body)
					}
				case rank[role] >= rank[p.needs]:
					if res.Code != http.StatusOK || got.Created != 1 || got.Rejected != 0 {
						t.Errorf("allowed import: %d %+v", res.Code, got)
					}
				default:
					rejectedOnly(t, e, res, got, p.field, before)
					if len(got.Errors) == 1 && !strings.Contains(got.Errors[0].Message, "role may not") {
						t.Errorf("the refusal does not say it is the role: %+v", got.Errors[0])
					}
				}
			})
		}
	}
	// Authors come from the key: an editor's import records the editor, whatever the line says.
	e := newEnv(t)
	editor := e.key("desk-ukraine", "editor")
	_, got := e.importAs(editor, "/v1/import", `{"text": "Mine", "speaker_name": "C"}`)
	page := e.search(t, "q=Mine")
	if got.Created != 1 || len(page.Data) != 1 || page.Data[0].CreatedBy != "desk-ukraine" {
		t.Errorf("author of an editor's import: %+v", page.Data)
	}
	// The verdict route agrees.
	var q2 db.Quote
	e.create("/v1/quotes", `{"text": "Other words", "speaker_name": "C"}`, &q2)
	if res := e.do(http.MethodPost, "/v1/quotes/"+q2.ID+"/verdicts", `{"attribution": "paraphrased", "summary": "x"}`,
		"Authorization", "Bearer "+editor); res.Code != http.StatusForbidden {
		t.Errorf("editor verdict: %d", res.Code)
	}
}

// An exported record is restored only when every field, the server-owned ones included,
// keeps the rules the server keeps when it sets them; a bad one is a rejected line — never
// a 500, never the loss of the good lines beside it.
func TestExportedRecordsAreHeldToTheServersRules(t *testing.T) {
	t.Parallel()
	src := newEnv(t)
	var q, other db.Quote
	src.create("/v1/quotes", mustJSON(t, baseQuote()), &q)
	src.create("/v1/quotes", `{"text": "Someone else's words", "speaker_name": "Z"}`, &other)
	var cit, foreign db.Citation
	src.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://example.com/tape", "relation": "primary"}`, &cit)
	src.create("/v1/quotes/"+other.ID+"/citations", `{"url": "https://example.com/other", "relation": "primary"}`, &foreign)
	if res := src.do(http.MethodPost, "/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "verified", "rating": "true",
		"summary": "On tape.", "citation_ids": ["`+cit.ID+`"]}`); res.Code != http.StatusCreated {
		t.Fatalf("verdict: %d %s", res.Code, res.Body)
	}
	var rec map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(src.do(http.MethodGet, "/v1/export?format=ndjson", "").Body)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r["id"] == q.ID {
			rec = r
		}
	}
	verdict := func(r map[string]any) map[string]any { return r["verdicts"].([]any)[0].(map[string]any) }
	cases := []struct {
		name, field string
		edit        func(r map[string]any)
	}{
		{"an id not of the server's form", "id", func(r map[string]any) { r["id"] = "../../phish.example/login?next=" }},
		{"version -5", "version", func(r map[string]any) { r["version"] = -5 }},
		{"a blank author", "created_by", func(r map[string]any) { r["created_by"] = " " }},
		{"a BEL in the author", "created_by", func(r map[string]any) { r["created_by"] = "ceo\a" }},
		{"created in the future", "created_at", func(r map[string]any) {
			r["created_at"] = "2999-01-01T00:00:00Z"
			r["updated_at"] = "2999-01-01T00:00:00Z"
		}},
		{"updated before created", "updated_at", func(r map[string]any) { r["updated_at"] = "2001-01-01T00:00:00Z" }},
		{"an unknown attribution", "attribution", func(r map[string]any) { r["attribution"] = "certified_by_the_ceo" }},
		{"an unknown rating", "rating", func(r map[string]any) { r["rating"] = "totally" }},
		{"an attribution its verdicts do not give", "attribution", func(r map[string]any) { r["attribution"] = "misattributed" }},
		{"text over 20,000", "text", func(r map[string]any) { r["text"] = strings.Repeat("a", 20001) }},
		{"20,000 tags", "tags", func(r map[string]any) { r["tags"] = manyTags(20000) }},
		{"NUL in the text", "text", func(r map[string]any) { r["text"] = "a\x00b" }},
		{"lang not BCP 47", "lang", func(r map[string]any) { r["lang"] = "not a bcp47 tag!!" }},
		{"javascript source", "source_url", func(r map[string]any) { r["source_url"] = "javascript:alert(1)" }},
		{"a verdict attribution bogus", "verdicts[0].attribution", func(r map[string]any) { verdict(r)["attribution"] = "bogus" }},
		{"a reviewer of no key's form", "verdicts[0].reviewed_by", func(r map[string]any) { verdict(r)["reviewed_by"] = "" }},
		{"a verdict citing another quote's citation", "verdicts[0].citation_ids[0]", func(r map[string]any) {
			verdict(r)["citation_ids"] = []any{foreign.ID}
		}},
		{"a verdict superseding a stranger", "verdicts[0].supersedes", func(r map[string]any) { verdict(r)["supersedes"] = "v_01M88K6X5GHXTMKNCEM1THXXJR" }},
		{"a speaker ID not of the server's form", "speaker_detail.id", func(r map[string]any) {
			r["speaker_detail"].(map[string]any)["id"] = "spk_x"
			r["speaker"].(map[string]any)["id"] = "spk_x"
		}},
		{"a citation URL that is not http", "citations[0].url", func(r map[string]any) {
			r["citations"].([]any)[0].(map[string]any)["url"] = "javascript:alert(1)"
		}},
	}
	good := mustJSON(t, map[string]any{"text": "A good line beside the bad one", "speaker_name": "G"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var r map[string]any
			if err := json.Unmarshal([]byte(mustJSON(t, rec)), &r); err != nil {
				t.Fatal(err)
			}
			tc.edit(r)
			res, got := e.importBody("/v1/import", mustJSON(t, r)+"\n"+good+"\n")
			if res.Code != http.StatusOK || got.Rejected != 1 || got.Created != 1 || got.Errors[0].Line != 1 ||
				!strings.HasPrefix(got.Errors[0].Field, tc.field) {
				t.Errorf("import: %d %+v (want line 1 rejected on %s, line 2 created)", res.Code, got, tc.field)
			}
			if c := e.counts(); c.Quotes != 1 {
				t.Errorf("%d quotes stored, want only the good line's", c.Quotes)
			}
		})
	}
	// Unedited, the record restores exactly, for an admin.
	e := newEnv(t)
	if _, got := e.importBody("/v1/import", mustJSON(t, rec)); got.Created != 1 || got.Rejected != 0 {
		t.Fatalf("restoring the exported record: %+v", got)
	}
	if res := e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/verdicts", ""); !bytes.Contains(res.Body, []byte(`"reviewed_by":"admin"`)) {
		t.Errorf("restored history: %s", res.Body)
	}
}

// A reviewed quote whose words or speaker change goes back to unverified, with a system
// verdict in its history; by PATCH, and by a re-import of its record.
func TestRewordingAReviewedQuoteResetsItsVerdict(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"PATCH text", "PATCH speaker", "re-import"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			fc := e.key("fc", "factchecker")
			editor := e.key("ed", "editor")
			res, got := e.importAs(fc, "/v1/import", `{"external_id": "tax-1", "text": "We will not raise taxes", "speaker_name": "Ann", "rating_label": "True"}`)
			if got.Created != 1 {
				t.Fatalf("import: %d %+v", res.Code, got)
			}
			q := e.search(t, "q=taxes").Data[0]
			if q.Rating == nil || *q.Rating != "true" {
				t.Fatalf("the quote was not rated: %+v", q)
			}
			switch path {
			case "PATCH text":
				res = e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"text": "We will double taxes on every family"}`, "Authorization", "Bearer "+editor)
			case "PATCH speaker":
				res = e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"speaker_name": "Bob"}`, "Authorization", "Bearer "+editor)
			default:
				res, got = e.importAs(editor, "/v1/import", `{"external_id": "tax-1", "text": "We will double taxes on every family", "speaker_name": "Ann"}`)
				if got.Updated != 1 {
					t.Fatalf("re-import: %+v", got)
				}
			}
			if res.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", path, res.Code, res.Body)
			}
			var after db.Quote
			e.do(http.MethodGet, "/v1/quotes/"+q.ID, "").decode(t, &after)
			if after.Attribution != "unverified" || after.Rating != nil || after.CurrentVerdict == nil ||
				after.CurrentVerdict.ReviewedBy != "system" || after.CurrentVerdict.Supersedes == nil ||
				!strings.Contains(after.CurrentVerdict.Summary, "ed changed") {
				t.Errorf("after the change: %+v %+v", after, after.CurrentVerdict)
			}
			var hist struct{ Data []db.Verdict }
			e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/verdicts", "").decode(t, &hist)
			if len(hist.Data) != 2 || hist.Data[1].Rating == nil || *hist.Data[1].Rating != "true" {
				t.Errorf("history: %+v", hist.Data)
			}
			cr := string(e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/claimreview", "").Body)
			if strings.Contains(cr, `"True"`) || !strings.Contains(cr, "Unverified") {
				t.Errorf("ClaimReview still publishes the old rating: %s", cr)
			}
		})
	}
	// A change that leaves words and speaker alone keeps the verdict.
	e := newEnv(t)
	_, _ = e.importBody("/v1/import", `{"text": "Keep me", "speaker_name": "Ann", "rating_label": "False"}`)
	q := e.search(t, "q=Keep").Data[0]
	e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"tags": ["kept"]}`)
	var after db.Quote
	e.do(http.MethodGet, "/v1/quotes/"+q.ID, "").decode(t, &after)
	if after.Rating == nil || *after.Rating != "false" {
		t.Errorf("a tag change reset the verdict: %+v", after)
	}
}

// A quote with verdicts is never deleted: its history is public record.
func TestDeletingAReviewedQuoteIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", `{"text": "Reviewed words", "speaker_name": "Ann"}`, &q)
	e.do(http.MethodPost, "/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "paraphrased", "summary": "The gist."}`)
	before := e.counts()
	res := e.do(http.MethodDelete, "/v1/quotes/"+q.ID, "")
	if res.Code != http.StatusConflict || !strings.Contains(res.problem(t).Detail, "verdict") {
		t.Errorf("delete: %d %s", res.Code, res.Body)
	}
	if e.counts() != before || e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/verdicts", "").Code != http.StatusOK {
		t.Error("the refused delete changed something")
	}
	var plain db.Quote
	e.create("/v1/quotes", `{"text": "Unreviewed words", "speaker_name": "Ann"}`, &plain)
	if res := e.do(http.MethodDelete, "/v1/quotes/"+plain.ID, ""); res.Code != http.StatusNoContent {
		t.Errorf("deleting an unreviewed quote: %d", res.Code)
	}
}

// An import cut off part way answers what it committed.
func TestInterruptedImportSaysWhatWasCommitted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&b, `{"external_id": "l-%d", "text": "Line %d words", "speaker_name": "S"}`+"\n", i, i)
	}
	body := &failingReader{r: strings.NewReader(b.String()), after: int64(b.Len() - 100)}
	req := httptest.NewRequest(http.MethodPost, "/v1/import", body)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	res := e.send(req)
	p := res.problem(t)
	if res.Code != http.StatusBadRequest || p.Import == nil || p.Import.Created != 1000 || p.Import.LastLine != 1000 {
		t.Fatalf("interrupted import: %d %+v %+v", res.Code, p, p.Import)
	}
	if c := e.counts(); c.Quotes != 1000 {
		t.Errorf("%d quotes committed, the answer says 1000", c.Quotes)
	}
	// Running the file again completes it and changes nothing already there.
	_, got := e.importBody("/v1/import", b.String())
	if got.Created != 500 || got.Unchanged != 1000 {
		t.Errorf("the second run: %+v", got)
	}
}

type failingReader struct {
	r     *strings.Reader
	after int64
	read  int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.read >= f.after {
		return 0, fmt.Errorf("connection reset by peer")
	}
	p = p[:min(int64(len(p)), f.after-f.read)]
	n, err := f.r.Read(p)
	f.read += int64(n)
	return n, err
}
