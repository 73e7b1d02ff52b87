package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// Merging "Gen. Kellogg" into "Keith Kellogg" over HTTP: the merged ID answers 308 with the
// same request on the survivor, filters follow it, writes to it are refused naming the
// survivor, the merge is listed and undone, and the webhook hears of it.
func TestMergeSpeakersOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t)
	w := e.hook(fmt.Sprintf(`{"url": %q, "event_types": ["speaker.merged", "quote.created"]}`, rcv.URL))
	var keith, gen db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg", "wikidata_qid": "Q6385264"}`, &keith)
	e.create("/v1/speakers", `{"name": "Gen. Kellogg"}`, &gen)
	if res := e.do(http.MethodPatch, "/v1/webhooks/"+w.Webhook.ID, fmt.Sprintf(`{"watches": {"speakers": [%q]}}`, gen.ID)); res.Code != 200 {
		t.Fatalf("watch: %d %s", res.Code, res.Body)
	}
	var q db.Quote
	e.create("/v1/quotes", fmt.Sprintf(`{"text": "A ceasefire within 100 days", "speaker_id": %q}`, gen.ID), &q)

	var m db.Merge
	res := e.do(http.MethodPost, "/v1/speakers/"+gen.ID+"/merge", fmt.Sprintf(`{"into": %q, "reason": "the same general"}`, keith.ID),
		"If-Match", `"1"`)
	if res.Code != http.StatusCreated {
		t.Fatalf("merge: %d %s", res.Code, res.Body)
	}
	res.decode(t, &m)
	if res.Header.Get("Location") != "/v1/merges/"+m.ID || m.From != gen.ID || m.Into != keith.ID || m.MovedQuotes != 1 {
		t.Errorf("the merge: %+v %v", m, res.Header)
	}
	// Reads of the merged ID are sent on, with the rest of the request.
	for _, path := range []string{"/v1/speakers/%s", "/v1/speakers/%s/quotes?limit=5"} {
		res := e.do(http.MethodGet, fmt.Sprintf(path, gen.ID), "")
		want := fmt.Sprintf(path, keith.ID)
		if res.Code != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
			t.Errorf("GET %s: %d Location %q, want 308 to %s", fmt.Sprintf(path, gen.ID), res.Code, res.Header.Get("Location"), want)
		}
		if p := res.problem(t); !strings.HasSuffix(p.Type, ":moved") {
			t.Errorf("the redirect's problem: %+v", p)
		}
		if again := e.do(http.MethodGet, res.Header.Get("Location"), ""); again.Code != http.StatusOK {
			t.Errorf("following the redirect: %d %s", again.Code, again.Body)
		}
	}
	// The filter follows the redirect instead of finding nothing.
	var list db.QuotePage
	e.do(http.MethodGet, "/v1/quotes?speaker_id="+gen.ID, "").decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Speaker.ID != keith.ID {
		t.Errorf("quotes of the merged speaker: %+v", list.Data)
	}
	// A write to the merged ID is refused, naming the survivor.
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPatch, "/v1/speakers/" + gen.ID, `{"description": "x"}`},
		{http.MethodDelete, "/v1/speakers/" + gen.ID, ""},
		{http.MethodPost, "/v1/speakers/" + gen.ID + "/merge", fmt.Sprintf(`{"into": %q}`, keith.ID)},
	} {
		res := e.do(tc.method, tc.path, tc.body)
		if res.Code != http.StatusConflict || res.problem(t).Detail == "" {
			t.Errorf("%s %s: %d %s, want 409", tc.method, tc.path, res.Code, res.Body)
		}
		if tc.method != http.MethodPost && res.Header.Get("Location") != "/v1/speakers/"+keith.ID {
			t.Errorf("%s %s: Location %q", tc.method, tc.path, res.Header.Get("Location"))
		}
	}
	// A quote for the merged speaker lands on the survivor; the watch hears of both.
	var later db.Quote
	e.create("/v1/quotes", fmt.Sprintf(`{"text": "Later words", "speaker_id": %q}`, gen.ID), &later)
	if later.Speaker.ID != keith.ID {
		t.Errorf("a quote naming the merged speaker is %s's", later.Speaker.ID)
	}
	dispatch(t, e.store, true, rcv.port())
	// Three events: the first quote, the merge and the quote written since.
	eventually(t, "the merge and the quotes delivered", func() bool { return len(rcv.requests()) >= 3 })
	verify(t, w.Secret, rcv.requests())
	var merged bool
	for _, r := range rcv.requests() {
		if d := r.Message.Data; r.Message.Type == "speaker.merged" {
			merged = true
			if d.ID != gen.ID || d.MergedInto == nil || *d.MergedInto != keith.ID || !strings.HasSuffix(d.URL, "/v1/speakers/"+keith.ID) {
				t.Errorf("speaker.merged: %+v", d)
			}
		}
	}
	if !merged {
		t.Errorf("no speaker.merged among %d deliveries", len(rcv.requests()))
	}

	var merges struct {
		Data []db.Merge `json:"data"`
	}
	e.do(http.MethodGet, "/v1/merges?id="+keith.ID, "").decode(t, &merges)
	if len(merges.Data) != 1 || merges.Data[0].ID != m.ID {
		t.Errorf("merges of the survivor: %+v", merges.Data)
	}
	if res := e.do(http.MethodGet, "/v1/merges/"+m.ID, ""); res.Code != 200 {
		t.Errorf("GET the merge: %d", res.Code)
	}
	// Only an admin undoes; the undo brings the merged speaker back.
	checker := e.key("checker", "factchecker")
	if res := e.do(http.MethodPost, "/v1/merges/"+m.ID+"/undo", "", "Authorization", "Bearer "+checker); res.Code != http.StatusForbidden {
		t.Errorf("a fact-checker's undo: %d", res.Code)
	}
	var undone db.Merge
	if res := e.do(http.MethodPost, "/v1/merges/"+m.ID+"/undo", ""); res.Code != 200 {
		t.Fatalf("undo: %d %s", res.Code, res.Body)
	} else {
		res.decode(t, &undone)
	}
	if undone.UndoneAt == nil || time.Since(*undone.UndoneAt) > time.Minute {
		t.Errorf("the undone merge: %+v", undone)
	}
	if res := e.do(http.MethodGet, "/v1/speakers/"+gen.ID, ""); res.Code != 200 {
		t.Errorf("the restored speaker: %d %s", res.Code, res.Body)
	}
	if res := e.do(http.MethodPost, "/v1/merges/"+m.ID+"/undo", ""); res.Code != http.StatusConflict {
		t.Errorf("undo twice: %d", res.Code)
	}
}

// Bad merge requests are 4xx problems naming the field, and write nothing.
func TestMergeBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var a, b db.Speaker
	e.create("/v1/speakers", `{"name": "A Person"}`, &a)
	e.create("/v1/speakers", `{"name": "B Person"}`, &b)
	var o db.Outlet
	e.create("/v1/outlets", `{"name": "Fox News"}`, &o)
	editor := e.key("editor", "editor")
	tests := []struct {
		name, path, body string
		status           int
		field            string
		headers          []string
	}{
		{"malformed JSON", "/v1/speakers/" + a.ID + "/merge", `{"into": `, 400, "", nil},
		{"wrong type", "/v1/speakers/" + a.ID + "/merge", `{"into": 7}`, 400, "into", nil},
		{"unknown field", "/v1/speakers/" + a.ID + "/merge", `{"into": "` + b.ID + `", "force": true}`, 400, "force", nil},
		{"missing into", "/v1/speakers/" + a.ID + "/merge", `{}`, 422, "into", nil},
		{"into itself", "/v1/speakers/" + a.ID + "/merge", `{"into": "` + a.ID + `"}`, 422, "into", nil},
		{"into an outlet", "/v1/speakers/" + a.ID + "/merge", `{"into": "` + o.ID + `"}`, 422, "into", nil},
		{"a speaker into an outlet's route", "/v1/outlets/" + o.ID + "/merge", `{"into": "` + a.ID + `"}`, 422, "into", nil},
		{"into nobody", "/v1/speakers/" + a.ID + "/merge", `{"into": "spk_01JS8X2W5Q7K3M9N4P6R8T0V99"}`, 422, "into", nil},
		{"huge reason", "/v1/speakers/" + a.ID + "/merge", `{"into": "` + b.ID + `", "reason": "` + strings.Repeat("x", 3000) + `"}`, 422, "reason", nil},
		{"huge body", "/v1/speakers/" + a.ID + "/merge", `{"into": "` + b.ID + `", "reason": "` + strings.Repeat("x", 2<<20) + `"}`, 413, "", nil},
		{"unknown speaker", "/v1/speakers/spk_01JS8X2W5Q7K3M9N4P6R8T0V99/merge", `{"into": "` + b.ID + `"}`, 404, "", nil},
		{"stale If-Match", "/v1/speakers/" + a.ID + "/merge", `{"into": "` + b.ID + `"}`, 412, "", []string{"If-Match", `"7"`}},
		{"an editor", "/v1/speakers/" + a.ID + "/merge", `{"into": "` + b.ID + `"}`, 403, "", []string{"Authorization", "Bearer " + editor}},
	}
	before := e.counts()
	for _, tc := range tests {
		res := e.do(http.MethodPost, tc.path, tc.body, tc.headers...)
		if res.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, res.Code, res.Body, tc.status)
			continue
		}
		p := res.problem(t)
		if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
			t.Errorf("%s: errors %+v, want the field %s named", tc.name, p.Errors, tc.field)
		}
	}
	if after := e.counts(); after != before {
		t.Errorf("refused merges wrote: %+v, then %+v", before, after)
	}
	for _, path := range []string{"/v1/merges/mrg_01JS8X2W5Q7K3M9N4P6R8T0V99", "/v1/merges?limit=abc", "/v1/merges?sort=new"} {
		if res := e.do(http.MethodGet, path, ""); res.Code/100 != 4 {
			t.Errorf("GET %s: %d", path, res.Code)
		}
	}
}

// The duplicates queue over HTTP: suggested with reasons, dismissed once for good, bad
// parameters refused naming them.
func TestDuplicatesOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var keith, initial db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg"}`, &keith)
	e.create("/v1/speakers", `{"name": "K. Kellogg"}`, &initial)
	var list struct {
		Data []db.Duplicate `json:"data"`
	}
	e.do(http.MethodGet, "/v1/speakers/duplicates?min_score=0.6", "").decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Reasons[0] != "initials" || list.Data[0].Score != 0.7 {
		t.Fatalf("duplicates: %+v", list.Data)
	}
	for _, q := range []string{"min_score=2", "min_score=high", "limit=0x", "kind=speaker"} {
		res := e.do(http.MethodGet, "/v1/speakers/duplicates?"+q, "")
		if res.Code != http.StatusBadRequest || len(res.problem(t).Errors) == 0 {
			t.Errorf("?%s: %d %s", q, res.Code, res.Body)
		}
	}
	editor := e.key("editor", "editor")
	if res := e.do(http.MethodGet, "/v1/speakers/duplicates", "", "Authorization", "Bearer "+editor); res.Code != http.StatusForbidden {
		t.Errorf("an editor's duplicates: %d", res.Code)
	}
	for _, body := range []string{`{"ids": ["` + keith.ID + `"]}`, `{"ids": "` + keith.ID + `"}`, `{"ids": ["` + keith.ID + `", "out_x"]}`} {
		if res := e.do(http.MethodPost, "/v1/duplicates/dismissals", body); res.Code/100 != 4 || len(res.problem(t).Errors) == 0 {
			t.Errorf("dismiss %s: %d %s", body, res.Code, res.Body)
		}
	}
	var dis db.Dismissal
	e.create("/v1/duplicates/dismissals", `{"ids": ["`+keith.ID+`", "`+initial.ID+`"]}`, &dis)
	if dis.DismissedBy != "admin" {
		t.Errorf("the dismissal: %+v", dis)
	}
	e.do(http.MethodGet, "/v1/speakers/duplicates", "").decode(t, &list)
	if len(list.Data) != 0 {
		t.Errorf("duplicates after the dismissal: %+v", list.Data)
	}
}

// Wikidata's redirects through the API: text in, a report by line out; anything but text,
// a body over the cap or a list over the limit refused whole.
func TestQIDRedirectsOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var keith, old db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg", "wikidata_qid": "Q6385264"}`, &keith)
	e.create("/v1/speakers", `{"name": "K. Kellogg", "wikidata_qid": "Q110661519"}`, &old)
	post := func(body, ct string, headers ...string) *response {
		return e.do(http.MethodPost, "/v1/speakers/qid-redirects", body, append([]string{"Content-Type", ct}, headers...)...)
	}
	checker := e.key("checker", "factchecker")
	for _, tc := range []struct {
		name, body, ct string
		status         int
		headers        []string
	}{
		{"JSON", `{"from": "Q1", "to": "Q2"}`, "application/json", 415, nil},
		{"over the cap", strings.Repeat("Q1 Q2\n", 200000), "text/plain", 413, nil},
		{"over the limit", strings.Repeat("Q1 Q2\n", 50001), "text/plain", 422, nil},
		{"a line too long", strings.Repeat("Q", 5000), "text/plain", 400, nil},
		{"a fact-checker", "Q1 Q2", "text/plain", 403, []string{"Authorization", "Bearer " + checker}},
	} {
		if res := post(tc.body, tc.ct, tc.headers...); res.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, res.Code, res.Body, tc.status)
		} else {
			res.problem(t)
		}
	}
	if res := e.do(http.MethodGet, "/v1/speakers/"+old.ID, ""); res.Code != 200 {
		t.Fatalf("refused lists changed the archive: %d", res.Code)
	}
	res := post("# from a dump\nQ110661519\tQ6385264\nQ5 Q5\n", "text/plain; charset=utf-8")
	var rep db.QIDReport
	res.decode(t, &rep)
	if res.Code != 200 || rep.Merged != 1 || rep.Rejected != 1 || rep.Errors[0].Line != 3 || rep.Changes[0].Line != 2 {
		t.Fatalf("redirects: %d %s", res.Code, res.Body)
	}
	if res := e.do(http.MethodGet, "/v1/speakers/"+old.ID, ""); res.Code != http.StatusPermanentRedirect {
		t.Errorf("the speaker of the redirected QID: %d", res.Code)
	}
	// A second speaker claiming a QID is told whose it is.
	res = e.do(http.MethodPost, "/v1/speakers", `{"name": "Another Kellogg", "wikidata_qid": "Q6385264"}`)
	if p := res.problem(t); res.Code != http.StatusConflict || !strings.Contains(p.Detail, keith.ID) || p.Errors[0].Field != "wikidata_qid" {
		t.Errorf("a second claim of a QID: %d %s", res.Code, res.Body)
	}
}

// A name two speakers answer to is refused on every HTTP way in, naming both.
func TestAmbiguousNamesOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var keith, frank db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg", "aliases": ["Kellogg"]}`, &keith)
	e.create("/v1/speakers", `{"name": "Frank Kellogg", "aliases": ["Kellogg"]}`, &frank)
	both := func(s string) bool { return strings.Contains(s, keith.ID) && strings.Contains(s, frank.ID) }
	before := e.counts()
	for _, tc := range []struct{ path, body, field string }{
		{"/v1/quotes", `{"text": "ambiguous", "speaker_name": "Kellogg"}`, "speaker_name"},
		{"/v1/extract", `{"text": "\"NATO isn’t on the table,\" Kellogg said on Sunday.", "save": true}`, "data[0].speaker_name"},
	} {
		res := e.do(http.MethodPost, tc.path, tc.body)
		if p := res.problem(t); res.Code != http.StatusConflict || !both(p.Detail) || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("POST %s: %d %s, want 409 on %s naming both speakers", tc.path, res.Code, res.Body, tc.field)
		}
	}
	res, got := e.importBody("/v1/import", `{"text": "clear", "speaker_name": "Keith Kellogg"}`+"\n"+`{"text": "ambiguous", "speaker_name": "kellogg"}`+"\n")
	if res.Code != 200 || got.Created != 1 || got.Rejected != 1 || got.Errors[0].Line != 2 || !both(got.Errors[0].Message) {
		t.Errorf("import: %d %s", res.Code, res.Body)
	}
	if after := e.counts(); after.Quotes != before.Quotes+1 || after.Speakers != before.Speakers {
		t.Errorf("counts %+v, then %+v", before, after)
	}
}

// Positions over time through the API: the quote shows the role held on the day, and so
// does its ClaimReview's author; positions that cannot be are refused naming the field.
func TestPositionsOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sp db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg", "positions": [{"title": "Lieutenant General, US Army", "from": "1967", "to": "2003"},
		{"title": "US Special Envoy to Ukraine", "from": "2025-01"}]}`, &sp)
	if len(sp.Positions) != 2 || sp.Positions[1].To != nil {
		t.Fatalf("positions: %+v", sp.Positions)
	}
	var q db.Quote
	e.create("/v1/quotes", fmt.Sprintf(`{"text": "NATO isn’t on the table", "speaker_id": %q, "said_on": "2025-04-20"}`, sp.ID), &q)
	if q.SpeakerRole != nil || q.SpeakerPosition == nil || *q.SpeakerPosition != "US Special Envoy to Ukraine" {
		t.Errorf("the quote's role %v and position %v", q.SpeakerRole, q.SpeakerPosition)
	}
	e.create("/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "disputed", "summary": "Sources conflict."}`, &db.Verdict{})
	res := e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/claimreview", "")
	if res.Code != 200 || !strings.Contains(string(res.Body), `"jobTitle":"US Special Envoy to Ukraine"`) {
		t.Errorf("the ClaimReview's author: %d %s", res.Code, res.Body)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"positions": [{"title": "x", "from": "2025-02", "to": "2025-01"}]}`, "positions[0].to"},
		{`{"positions": [{"title": "x", "from": "April 2025"}]}`, "positions[0].from"},
		{`{"positions": [{"from": "2025"}]}`, "positions[0].title"},
		{`{"positions": [{"title": "x", "since": "2025"}]}`, "since"},
	} {
		res := e.do(http.MethodPatch, "/v1/speakers/"+sp.ID, tc.body)
		if p := res.problem(t); res.Code/100 != 4 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("PATCH %s: %d %s, want the field %s named", tc.body, res.Code, res.Body, tc.field)
		}
	}
}
