package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
)

// exampleOf builds a value from a schema's examples, as Dredd and Portman build requests
// from a document: a property's example, else its enum's first value, else an object of
// its required members.
func exampleOf(s *openapi3.SchemaRef) any {
	if s == nil || s.Value == nil {
		return nil
	}
	v := s.Value
	switch {
	case v.Example != nil:
		return v.Example
	case len(v.Enum) > 0:
		return v.Enum[0]
	case v.Type.Is("object") || len(v.Properties) > 0:
		out := map[string]any{}
		for name, p := range v.Properties {
			if ex := exampleOf(p); ex != nil && (slices.Contains(v.Required, name) || p.Value.Example != nil) {
				out[name] = ex
			}
		}
		return out
	case v.Type.Is("array"):
		if ex := exampleOf(v.Items); ex != nil {
			return []any{ex}
		}
		return []any{}
	case v.Type.Is("string"):
		return "example"
	}
	return nil
}

// notTwoHundred are the operations whose example request cannot succeed, and why: the
// examples name one archive, and some operations refuse what the others made of it.
var notTwoHundred = map[string]string{
	"DELETE /v1/keys/{id}":                          "the example key is not one a test can store (keys are made, not imported)",
	"DELETE /v1/speakers/{id}":                      "quotes name the example speaker",
	"DELETE /v1/outlets/{id}":                       "quotes name the example outlet",
	"DELETE /v1/quotes/{id}":                        "the example quote has verdicts, whose history is never deleted",
	"DELETE /v1/quotes/{id}/citations/{cid}":        "a verdict rests on the example citation",
	"POST /v1/speakers":                             "the example speaker exists: its Wikidata QID is taken",
	"POST /v1/outlets":                              "the example outlet exists: its name is taken",
	"POST /v1/quotes/{id}/citations":                "the example citation's URL is cited already",
	"POST /v1/quotes/{id}/verdicts":                 "the example verdict is verified and cites no primary source of its own",
	"POST /v1/webhooks":                             "the example endpoint exists: its URL is registered",
	"POST /v1/speakers/{id}/merge":                  "the example merges the example speaker into itself",
	"POST /v1/outlets/{id}/merge":                   "the example survivor is a speaker: an outlet merges into an outlet",
	"POST /v1/quotes/{id}/appearances/{aid}/reject": "the example appearance was confirmed by the confirm example before",
}

// Dredd-style: a request is generated for every operation of the document from its
// examples alone, sent to a live server over an archive holding the resources the
// examples name, and must be a request the document accepts, answered as it says — 2xx,
// but for the operations above, whose documented refusal is checked instead.
func TestEveryOperationFromTheDocumentsExamples(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The archive the examples name, restored with their very IDs (an admin's restore).
	seed := `{"id": "q_01JS8X2W5Q7K3M9N4P6R8T0V2Z", "text": "NATO isn’t on the table", "speaker": {"id": "spk_01JS8X2W5Q7K3M9N4P6R8T0V2X", "name": "Keith Kellogg"},
 "speaker_role": "US Special Envoy to Ukraine", "said_on": "2025-04-20", "date_precision": "day", "outlet": {"id": "out_01JS8X2W5Q7K3M9N4P6R8T0V2Y", "name": "Fox News"},
 "context": "interview with Fox News", "setting": "interview", "lang": "en", "source_url": null, "tags": ["ukraine", "nato"],
 "attribution": "verified", "rating": "not_checkable", "created_by": "desk-ukraine", "version": 2,
 "created_at": "2025-04-21T10:00:00Z", "updated_at": "2025-04-21T11:00:00Z",
 "speaker_detail": {"id": "spk_01JS8X2W5Q7K3M9N4P6R8T0V2X", "name": "Keith Kellogg", "aliases": ["Gen. Kellogg"], "wikidata_qid": "Q6385264", "description": "", "anonymous": false, "version": 1, "created_at": "2025-04-21T10:00:00Z", "updated_at": "2025-04-21T10:00:00Z"},
 "outlet_detail": {"id": "out_01JS8X2W5Q7K3M9N4P6R8T0V2Y", "name": "Fox News", "url": "https://www.foxnews.com", "version": 1, "created_at": "2025-04-21T10:00:00Z", "updated_at": "2025-04-21T10:00:00Z"},
 "citations": [{"id": "cit_01JS8X2W5Q7K3M9N4P6R8T0V30", "quote_id": "q_01JS8X2W5Q7K3M9N4P6R8T0V2Z", "url": "https://www.foxnews.com/video/kellogg-interview", "title": null, "publisher": "Fox News", "published_at": "2025-04-20", "accessed_at": null, "archive_url": null, "excerpt": null, "relation": "primary", "created_by": "desk-ukraine", "version": 1, "created_at": "2025-04-21T10:00:00Z", "updated_at": "2025-04-21T10:00:00Z"}],
 "appearances": [{"id": "app_01JS8X2W5Q7K3M9N4P6R8T0V50", "quote_id": "q_01JS8X2W5Q7K3M9N4P6R8T0V2Z", "url": "https://www.kyivpost.com/post/50000", "outlet": null, "published_on": "2025-04-21", "date_precision": "day", "words": "NATO is not on the table", "start": null, "end": null, "via": "appearance", "match": "hand", "score": 0.5, "state": "suggested", "linked_quote_id": null, "note": null, "reviewed_by": null, "reviewed_at": null, "created_by": "desk-ukraine", "version": 1, "created_at": "2025-04-21T10:30:00Z", "updated_at": "2025-04-21T10:30:00Z"}],
 "verdicts": [{"id": "v_01JS8X2W5Q7K3M9N4P6R8T0V31", "quote_id": "q_01JS8X2W5Q7K3M9N4P6R8T0V2Z", "attribution": "verified", "rating": "not_checkable", "summary": "On tape.", "citation_ids": ["cit_01JS8X2W5Q7K3M9N4P6R8T0V30"], "reviewed_by": "factcheck-desk", "supersedes": null, "created_at": "2025-04-21T11:00:00Z"}]}`
	_, seeded := e.importBody("/v1/import", strings.ReplaceAll(seed, "\n", "")+"\n")
	if seeded.Created != 1 || seeded.LoadID == "" {
		t.Fatalf("seeding the examples' archive: %+v", seeded)
	}
	// Endpoints and their deliveries are made, not restored: the examples' IDs stand for
	// one made here (no dispatcher runs, so nothing is sent).
	var made api.WebhookCreated
	if res := e.do("POST", "/v1/webhooks", `{"url": "https://cms.example.org/hooks/verbatim", "event_types": ["quote.updated"]}`); res.Code != 201 {
		t.Fatalf("making the example endpoint: %d %s", res.Code, res.Body)
	} else {
		res.decode(t, &made)
	}
	var ping db.Delivery
	e.do("POST", "/v1/webhooks/"+made.Webhook.ID+"/ping", "").decode(t, &ping)
	// A merge of two speakers made for it stands for the example merge, and its survivor
	// for the example's second speaker.
	var merged, survivor db.Speaker
	e.do("POST", "/v1/speakers", `{"name": "Gen. K. Kellogg"}`).decode(t, &merged)
	e.do("POST", "/v1/speakers", `{"name": "Lt. Gen. Keith Kellogg"}`).decode(t, &survivor)
	var merge db.Merge
	if res := e.do("POST", "/v1/speakers/"+merged.ID+"/merge", `{"into": "`+survivor.ID+`"}`); res.Code != 201 {
		t.Fatalf("making the example merge: %d %s", res.Code, res.Body)
	} else {
		res.decode(t, &merge)
	}
	stand := strings.NewReplacer("wh_01JS8X2W5Q7K3M9N4P6R8T0V33", made.Webhook.ID, "dlv_01JS8X2W5Q7K3M9N4P6R8T0V34", ping.ID,
		"mrg_01JS8X2W5Q7K3M9N4P6R8T0V41", merge.ID, "spk_01JS8X2W5Q7K3M9N4P6R8T0V3B", survivor.ID,
		"ld_01JS8X2W5Q7K3M9N4P6R8T0V60", seeded.LoadID) // the seeding import's load stands for the example load
	srv := httptest.NewServer(e.server)
	defer srv.Close()
	doc := contractSpec
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	type op struct {
		method, path string
		o            *openapi3.Operation
	}
	var ops []op
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			ops = append(ops, op{method, path, o})
		}
	}
	// Reads first, then writes, deletes last, so each runs on the archive intact.
	rank := map[string]int{"GET": 0, "HEAD": 0, "POST": 1, "PATCH": 2, "DELETE": 3}
	slices.SortFunc(ops, func(a, b op) int {
		if d := rank[a.method] - rank[b.method]; d != 0 {
			return d
		}
		return strings.Compare(a.path, b.path)
	})
	sent, all := 0, 0
	for _, o := range ops {
		if !strings.HasPrefix(o.path, "/docs") {
			all++
		}
	}
	defer func() {
		if sent != all || all < 35 {
			t.Errorf("%d of the document's %d operations were sent", sent, all)
		}
		t.Logf("%d operations tried from the document's examples", sent)
	}()
	for _, o := range ops {
		name := o.method + " " + o.path
		if strings.HasPrefix(o.path, "/docs") {
			continue
		}
		path := o.path
		query := url.Values{}
		var body string
		for _, p := range o.o.Parameters {
			v := p.Value
			switch {
			case v.In == "path":
				path = strings.ReplaceAll(path, "{"+v.Name+"}", fmt.Sprint(v.Example))
			case v.In == "query" && v.Required:
				query.Set(v.Name, fmt.Sprint(exampleOf(v.Schema)))
			}
		}
		ct := ""
		if rb := o.o.RequestBody; rb != nil && rb.Value != nil {
			if mt := rb.Value.Content.Get("application/json"); mt != nil {
				b, _ := json.Marshal(exampleOf(mt.Schema))
				body, ct = stand.Replace(string(b)), "application/json"
			} else if rb.Value.Content.Get("text/plain") != nil {
				body, ct = "Q110661519\tQ6385264\n", "text/plain"
			} else if rb.Value.Content.Get("application/x-ndjson") != nil {
				body, ct = `{"text": "Generated from the document", "speaker_name": "Keith Kellogg"}`+"\n", "application/x-ndjson"
			}
		}
		target := stand.Replace(path)
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		req := httptest.NewRequest(o.method, target, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+e.admin)
		// The generated request must be one the document accepts.
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: the document has no route for its own example request %s: %v", name, target, err)
			continue
		}
		// (An NDJSON stream is documented as text; its lines are the import's to check.)
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
				ExcludeRequestBody: ct != "application/json"}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s: the example request breaks the document: %v\n%s", name, err, body)
			continue
		}
		// Sent over a real connection to a live server, as a contract tester does.
		live, err := http.NewRequest(o.method, srv.URL+target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ct != "" {
			live.Header.Set("Content-Type", ct)
		}
		live.Header.Set("Authorization", "Bearer "+e.admin)
		resp, err := srv.Client().Do(live)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res := &response{Code: resp.StatusCode, Header: resp.Header, Body: b}
		if res.Code >= 500 {
			t.Errorf("%s → %d %s", name, res.Code, res.Body)
		}
		checkContract(t, req, res)
		sent++
		why, refused := notTwoHundred[name]
		switch {
		case !refused && res.Code/100 != 2:
			t.Errorf("%s %s → %d %s", o.method, target, res.Code, res.Body)
		case refused && res.Code/100 == 2:
			t.Errorf("%s → %d, though it was expected to be refused (%s)", name, res.Code, why)
		}
	}
}
