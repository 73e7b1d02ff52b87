package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// A full disk (here SQLite's page cap) refuses the write with 507 problem+json that shows
// no SQL, writes nothing, and writing resumes once there is room.
func TestStorageFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	eng, ok := e.store.Engine().(*sqlite.Engine)
	if !ok {
		t.Skip("the size cap is SQLite's; a PostgreSQL server's disk is its operator's")
	}
	for i := range 5 {
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": fmt.Sprint("before ", i), "speaker_name": "S"}), new(db.Quote))
	}
	if err := eng.LimitSize(context.Background(), 1); err != nil { // no room beyond what is used
		t.Fatal(err)
	}
	var full *response
	for i := range 500 {
		before := e.counts()
		// Not e.do: it fails any 5xx, and 507 is the answer expected here.
		req := httptest.NewRequest(http.MethodPost, "/v1/quotes", strings.NewReader(mustJSON(t, map[string]any{
			"text": strings.Repeat(fmt.Sprintf("a long quote %d that needs pages ", i), 40), "speaker_name": fmt.Sprint("New speaker ", i)})))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.admin)
		res := serve(e.server, req)
		checkContract(t, req, res)
		if res.Code == http.StatusCreated {
			continue
		}
		if res.Code != http.StatusInsufficientStorage {
			t.Fatalf("write into a full database: %d %s", res.Code, res.Body)
		}
		if after := e.counts(); after != before {
			t.Errorf("a failed write left something: %+v → %+v", before, after)
		}
		full = res
		break
	}
	if full == nil {
		t.Fatal("the cap never filled")
	}
	p := full.problem(t)
	if regexp.MustCompile(`(?i)sqlite|insert|select|sql`).MatchString(string(full.Body)) {
		t.Errorf("507 shows storage internals: %s", full.Body)
	}
	if p.Type != "urn:verbatim:problem:storage_full" {
		t.Errorf("problem type %q", p.Type)
	}
	// Reads still work; writes resume once the cap is lifted.
	if res := e.do(http.MethodGet, "/v1/quotes", ""); res.Code != http.StatusOK {
		t.Errorf("read while full: %d", res.Code)
	}
	if err := eng.LimitSize(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if res := e.do(http.MethodPost, "/v1/quotes", `{"text": "after", "speaker_name": "S"}`); res.Code != http.StatusCreated {
		t.Errorf("after freeing space: %d %s", res.Code, res.Body)
	}
}

// Malformed requests generated from the OpenAPI document, for every operation: wrong
// types, unknown and missing fields, oversized values, invalid UTF-8, broken JSON,
// hostile query strings. Each must be a 4xx problem+json (never a 5xx), and none may
// write anything. VERBATIM_MALFORMED sets how many (10,000 by default).
func TestMalformedRequestsFromTheContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	contract(t)
	// Real resources, so that requests reach validation rather than stopping at 404.
	var sp db.Speaker
	e.create("/v1/speakers", `{"name": "Keith Kellogg"}`, &sp)
	var o db.Outlet
	e.create("/v1/outlets", `{"name": "Fox News"}`, &o)
	var q db.Quote
	e.create("/v1/quotes", mustJSON(t, map[string]any{"text": "NATO isn’t on the table", "speaker_id": sp.ID, "outlet_id": o.ID}), &q)
	var c db.Citation
	e.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://example.com/p", "relation": "primary"}`, &c)
	var v db.Verdict
	e.create("/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "verified", "summary": "s", "citation_ids": ["`+c.ID+`"]}`, &v)
	// Keys carry no version, so a revocation has no If-Match to refuse: probe a key that
	// does not exist rather than revoke the test's own.
	ids := map[string]string{"/v1/quotes/": q.ID, "/v1/speakers/": sp.ID, "/v1/outlets/": o.ID, "/v1/keys/": "key_none"}
	fill := func(path string) string {
		for prefix, id := range ids {
			if strings.HasPrefix(path, prefix+"{id}") {
				path = strings.Replace(path, "{id}", id, 1)
			}
		}
		return strings.NewReplacer("{cid}", c.ID, "{vid}", v.ID).Replace(path)
	}

	type op struct {
		method, path string
		op           *openapi3.Operation
	}
	var ops []op
	for path, item := range contractSpec.Paths.Map() {
		for method, o := range item.Operations() {
			if o.Security != nil && len(*o.Security) == 0 {
				continue // public operations (health, metrics, the document) take no input
			}
			ops = append(ops, op{method, path, o})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })

	n := 10000
	if s := os.Getenv("VERBATIM_MALFORMED"); s != "" {
		fmt.Sscan(s, &n)
	}
	r := rand.New(rand.NewPCG(7, 11))
	before := e.counts()
	audit, _ := e.store.Audit(dbtest.Operator, db.AuditFilter{Limit: 1})
	statuses := map[int]int{}
	for i := 0; i < n; i++ {
		o := ops[r.IntN(len(ops))]
		path := fill(o.path)
		var body string
		headers := []string{}
		okStatus := func(code int) bool { return code >= 400 && code < 500 }
		switch {
		case o.method == http.MethodDelete:
			headers = append(headers, "If-Match", []string{`"999"`, `W/"1"`, "garbage", `""`}[r.IntN(4)])
		case o.op.RequestBody != nil && o.path != "/v1/import":
			body = malformedBody(r, o.op)
		default:
			var query string
			query, okStatus = malformedQuery(r, o.op)
			path += "?" + query
		}
		req := httptest.NewRequest(o.method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.admin)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for j := 0; j+1 < len(headers); j += 2 {
			req.Header.Set(headers[j], headers[j+1])
		}
		res := serve(e.server, req)
		statuses[res.Code]++
		if res.Code >= 500 || !okStatus(res.Code) {
			t.Fatalf("%s %s %.300q: %d %s", o.method, path, body, res.Code, res.Body)
		}
		if res.Code >= 400 {
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("%s %s: %d with %s", o.method, path, res.Code, ct)
			}
		}
		checkContract(t, req, res)
	}
	after := e.counts()
	auditAfter, _ := e.store.Audit(dbtest.Operator, db.AuditFilter{Limit: 1})
	if after != before || auditAfter.Data[0].ID != audit.Data[0].ID {
		t.Errorf("malformed requests wrote: %+v → %+v", before, after)
	}
	t.Logf("%d malformed requests over %d operations; statuses %v", n, len(ops), statuses)
}

// malformedBody breaks a request body in one of the ways clients do.
func malformedBody(r *rand.Rand, op *openapi3.Operation) string {
	var props []string
	var schema *openapi3.Schema
	for _, mt := range op.RequestBody.Value.Content {
		if mt.Schema != nil && mt.Schema.Value != nil {
			schema = mt.Schema.Value
		}
	}
	if schema != nil {
		for name := range schema.Properties {
			props = append(props, name)
		}
		sort.Strings(props)
	}
	prop := "text"
	if len(props) > 0 {
		prop = props[r.IntN(len(props))]
	}
	wrongType := func() string {
		var p *openapi3.Schema
		if schema != nil && schema.Properties[prop] != nil {
			p = schema.Properties[prop].Value
		}
		switch {
		case p != nil && p.Type.Is("string"):
			return []string{`12`, `true`, `{}`, `["x"]`}[r.IntN(4)]
		case p != nil && p.Type.Is("array"):
			return []string{`"x"`, `{}`, `[1, 2]`, `[{}]`}[r.IntN(4)]
		case p != nil && p.Type.Is("boolean"):
			return []string{`"yes"`, `1`, `[]`}[r.IntN(3)]
		}
		return `{"nested": [1]}`
	}
	switch r.IntN(12) {
	case 0:
		return fmt.Sprintf(`{%q: %s}`, prop, wrongType())
	case 1:
		return fmt.Sprintf(`{%q: %s, "id": "q_forged"}`, prop, wrongType())
	case 2:
		return `{"unknown_field_` + fmt.Sprint(r.IntN(100)) + `": 1}`
	case 3:
		return "{\"" + prop + "\": \"bad \xff\xfe utf-8\"}"
	case 4:
		return []string{`{`, `}`, `{"text": }`, `{"text": "x",}`, `{"text": "x"} {"text": "y"}`, `[]`, `null`, `"text"`, `12`, ``}[r.IntN(10)]
	case 5:
		return fmt.Sprintf(`{%q: %q}`, prop, strings.Repeat("x", 1<<20)) // over the body cap
	case 6:
		return `{"text": ` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`
	case 7:
		return fmt.Sprintf(`{%q: %s, "zz_extra": true}`, prop, wrongType())
	case 8:
		return "{\"" + prop + "\": \"\\ud800\", \"also\": \"\xc3\x28\"}"
	case 9:
		return fmt.Sprintf(`{"text": 1, "speaker_name": 2, %q: null, "tags": "x"}`, prop)
	case 10:
		return fmt.Sprintf(`{%q: %s}`, strings.Repeat("k", 5000), wrongType())
	}
	return `{"` + prop + `": ` + wrongType() + `}`
}

var hostile = []string{`"`, `NEAR(`, `* OR *`, `-`, `AND`, `text:x`, `🤷`, `'; DROP TABLE quotes; --`, `(((`, `\`, `%`, `a*`}

// malformedQuery breaks a query string; it says which statuses are right for it (a
// hostile search that still parses may be answered 200).
func malformedQuery(r *rand.Rand, op *openapi3.Operation) (string, func(int) bool) {
	var params []*openapi3.Parameter
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == "query" {
			params = append(params, p.Value)
		}
	}
	only4xx := func(code int) bool { return code >= 400 && code < 500 }
	if len(params) == 0 || r.IntN(5) == 0 {
		return "no_such_parameter=" + fmt.Sprint(r.IntN(9)), only4xx
	}
	p := params[r.IntN(len(params))]
	if p.Name == "q" && r.IntN(2) == 0 {
		return "q=" + url.QueryEscape(hostile[r.IntN(len(hostile))]), func(code int) bool { return code == 200 || only4xx(code) }
	}
	switch r.IntN(5) {
	case 0:
		return p.Name + "=%ff%fe", only4xx
	case 1:
		return p.Name + "=" + strings.Repeat("x", 1001), only4xx
	case 2:
		return p.Name + "=a&" + p.Name + "=b", only4xx
	}
	s := p.Schema.Value
	switch {
	case s.Type.Is("integer"):
		return p.Name + "=" + []string{"x", "0", "-1", "1.5", "1e9999"}[r.IntN(5)], only4xx
	case len(s.Enum) > 0:
		return p.Name + "=not_a_value", only4xx
	case s.Format == "date-time":
		return p.Name + "=yesterday", only4xx
	case p.Name == "said_from" || p.Name == "said_to":
		return p.Name + "=2025-13-45", only4xx
	case p.Name == "cursor":
		return p.Name + "=" + url.QueryEscape("not a cursor!"), only4xx
	case p.Name == "facets":
		return p.Name + "=speaker,colour", only4xx
	case p.Name == "map":
		return p.Name + "=nonsense", only4xx
	}
	return "no_such_parameter=1&" + p.Name + "=x", only4xx
}
