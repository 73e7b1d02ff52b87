// Command apifuzz drives a running Verbatim server from its OpenAPI document alone, as a
// schema-driven fuzzer does: for every operation it makes requests the document allows —
// path parameters naming stored resources, every parameter and body member drawn from its
// schema (enums, patterns, formats, lengths, the rules between fields) — and requests it
// refuses (a member missing, of the wrong type, outside its enum, its pattern or its
// length; an unknown member; malformed JSON). Each answer must be one the document gives
// the operation, with a body that matches its schema; no answer may be a 5xx; and a
// request the document allows may not be refused as unreadable or invalid (400, 413, 415,
// 422): such a refusal is the document promising what the server does not keep, and is
// counted and reported.
//
//	apifuzz -url http://127.0.0.1:8080 -key vbt_… [-doc openapi.yaml] [-n 40] [-seed 1]
//
// Run the server with its budgets off (--rate-read 0 --rate-write 0 --rate-export 0
// --rate-anonymous 0 --max-searches 0) and --workers=false: the fuzzer sends thousands of
// requests in a minute, and receivers and source pages are not its business.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"go.yaml.in/yaml/v4"
)

func main() {
	base := flag.String("url", "", "the server's URL")
	key := flag.String("key", "", "an admin API key")
	docPath := flag.String("doc", "openapi.yaml", "the OpenAPI document")
	n := flag.Int("n", 40, "requests the document allows, per operation (and half as many it refuses)")
	seed := flag.Uint64("seed", 1, "the random seed: a run is repeatable")
	flag.Parse()
	if *base == "" || *key == "" {
		fmt.Fprintln(os.Stderr, "apifuzz: give -url and -key")
		os.Exit(2)
	}
	f, err := newFuzzer(*base, *key, *docPath, *seed)
	if err == nil {
		err = f.run(*n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apifuzz:", err)
		os.Exit(1)
	}
}

type fuzzer struct {
	base, key string
	doc       *openapi3.T
	router    routers.Router
	client    *http.Client
	r         *rand.Rand
	gen       *gen
	self      string // the ID of the key the fuzzer uses, which it never revokes
	// ids are stored resources by ID prefix; parent is the quote or webhook an ID
	// belongs to (a citation's quote, a delivery's webhook).
	ids    map[string][]string
	parent map[string]string

	sent, allowed, refused int
	statuses               map[string]map[int]int // operation → status → count
	failures               []string               // 5xx, answers outside the document
	refusals               []string               // allowed requests refused as invalid
	lenient                []string               // refused requests taken
}

func newFuzzer(base, key, docPath string, seed uint64) (*fuzzer, error) {
	openapi3filter.RegisterBodyDecoder("application/ld+json", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", lines)
	openapi3filter.RegisterBodyDecoder("text/csv", text)
	openapi3filter.RegisterBodyDecoder("text/tab-separated-values", text)
	openapi3filter.RegisterBodyDecoder("application/yaml", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		var v map[string]any
		return v, yaml.NewDecoder(r).Decode(&v)
	})
	openapi3filter.RegisterBodyDecoder("text/plain", text)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(docPath)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the document is not valid: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: strings.TrimRight(base, "/")}} // the server the fuzzer drives
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	f := &fuzzer{base: strings.TrimRight(base, "/"), key: key, doc: doc, router: router, client: &http.Client{},
		r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ids: map[string][]string{}, parent: map[string]string{},
		statuses: map[string]map[int]int{}}
	f.gen = &gen{r: f.r, ids: f.pick}
	return f, nil
}

func (f *fuzzer) pick(prefix string) (string, bool) {
	pool := f.ids[prefix]
	if len(pool) == 0 {
		return "", false
	}
	return pool[f.r.IntN(len(pool))], true
}

// lines decodes NDJSON as the list of its lines' values; text keeps a body as a string.
func lines(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	dec := json.NewDecoder(r)
	var out []any
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			if len(out) == 0 {
				return map[string]any{}, nil
			}
			return out[0], nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

func text(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(r)
	return string(b), err
}

// call sends a request and returns the answer's status and body.
func (f *fuzzer) call(method, path string, body any, header http.Header) (int, []byte, *http.Request, http.Header, error) {
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return 0, nil, nil, nil, err
		}
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.base+path, rd)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+f.key)
	}
	if raw != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := f.client.Do(req)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	// The request as the validator reads it again.
	check, _ := http.NewRequest(method, f.base+path, bytes.NewReader(raw))
	check.Header = req.Header.Clone()
	return res.StatusCode, out, check, res.Header, err
}

// seed stores resources of every kind for path parameters and references to name.
func (f *fuzzer) seed() error {
	post := func(path string, body any, into any) error {
		status, out, _, _, err := f.call(http.MethodPost, path, body, nil)
		if err != nil {
			return err
		}
		if status/100 != 2 {
			return fmt.Errorf("seed POST %s: %d %s", path, status, out)
		}
		return json.Unmarshal(out, into)
	}
	var id struct {
		ID string `json:"id"`
	}
	run := time.Now().UnixNano() % 1e9 // names of this run's own, beside whatever the archive holds
	for i := range 4 {
		if err := post("/v1/speakers", map[string]any{"name": fmt.Sprintf("Seed Speaker %d-%d", run, i)}, &id); err != nil {
			return err
		}
		f.ids["spk"] = append(f.ids["spk"], id.ID)
		if err := post("/v1/outlets", map[string]any{"name": fmt.Sprintf("Seed Outlet %d-%d", run, i)}, &id); err != nil {
			return err
		}
		f.ids["out"] = append(f.ids["out"], id.ID)
	}
	for i := range 6 {
		if err := post("/v1/quotes", map[string]any{"text": fmt.Sprintf("NATO isn’t on the table, seed %d-%d", run, i),
			"speaker_id": f.ids["spk"][i%4], "outlet_id": f.ids["out"][i%4], "said_on": "2025-04-20", "tags": []string{"nato"}}, &id); err != nil {
			return err
		}
		q := id.ID
		f.ids["q"] = append(f.ids["q"], q)
		if err := post("/v1/quotes/"+q+"/citations", map[string]any{"url": fmt.Sprintf("https://example.com/seed/%d/%d", run, i),
			"relation": "primary", "excerpt": "NATO isn’t on the table"}, &id); err != nil {
			return err
		}
		f.ids["cit"] = append(f.ids["cit"], id.ID)
		f.parent[id.ID] = q
		cit := id.ID
		state := []string{"confirmed", "suggested"}[i%2]
		if err := post("/v1/quotes/"+q+"/appearances", map[string]any{"words": "NATO isn’t on the table", "state": state,
			"url": fmt.Sprintf("https://example.com/re-report/%d/%d", run, i)}, &id); err != nil {
			return err
		}
		f.ids["app"] = append(f.ids["app"], id.ID)
		f.parent[id.ID] = q
		id.ID = cit
		if i%2 == 0 {
			if err := post("/v1/quotes/"+q+"/verdicts", map[string]any{"attribution": "verified", "rating": "not_checkable",
				"summary": "On tape.", "citation_ids": []string{id.ID}}, &id); err != nil {
				return err
			}
			f.ids["v"] = append(f.ids["v"], id.ID)
			f.parent[id.ID] = q
		}
	}
	for i := range 3 {
		var key struct{ Key struct{ ID string } }
		if err := post("/v1/keys", map[string]any{"name": fmt.Sprintf("seed-%d-%d", run, i), "role": "reader"}, &key); err != nil {
			return err
		}
		f.ids["key"] = append(f.ids["key"], key.Key.ID)
		var hook struct{ Webhook struct{ ID string } }
		if err := post("/v1/webhooks", map[string]any{"url": fmt.Sprintf("https://hooks.example.org/%d/%d", run, i),
			"event_types": []string{"quote.created"}}, &hook); err != nil {
			return err
		}
		wh := hook.Webhook.ID
		f.ids["wh"] = append(f.ids["wh"], wh)
		var dl struct {
			ID string `json:"id"`
		}
		if err := post("/v1/webhooks/"+wh+"/ping", nil, &dl); err != nil {
			return err
		}
		f.ids["dlv"] = append(f.ids["dlv"], dl.ID)
		f.parent[dl.ID] = wh
	}
	// The key the fuzzer holds is never among those it may revoke.
	_, out, _, _, err := f.call(http.MethodGet, "/v1/keys", nil, nil)
	if err != nil {
		return err
	}
	var keys []struct{ ID, Hint string }
	_ = json.Unmarshal(out, &keys)
	for _, k := range keys {
		if strings.HasPrefix(f.key, k.Hint) {
			f.self = k.ID
		}
	}
	return nil
}

type operation struct {
	method, path string
	op           *openapi3.Operation
}

func (f *fuzzer) run(n int) error {
	if err := f.seed(); err != nil {
		return err
	}
	var ops []operation
	for path, item := range f.doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{method, path, op})
		}
	}
	// Deletes last, so that what they remove was there for everything else.
	sort.Slice(ops, func(i, j int) bool {
		di, dj := ops[i].method == http.MethodDelete, ops[j].method == http.MethodDelete
		if di != dj {
			return dj
		}
		return ops[i].method+ops[i].path < ops[j].method+ops[j].path
	})
	for _, o := range ops {
		for range n {
			if err := f.try(o, false); err != nil {
				return err
			}
		}
		for range n / 2 {
			if err := f.try(o, true); err != nil {
				return err
			}
		}
	}
	return f.report()
}

// try sends one request of the operation: one the document allows, or with broken, one
// it refuses.
func (f *fuzzer) try(o operation, broken bool) error {
	var path, mutation string
	var body any
	var header http.Header
	var ok bool
	for range 60 {
		path, body, header = f.request(o)
		if broken {
			if path, body, header, mutation, ok = f.breakRequest(o, path, body, header); !ok {
				continue
			}
		}
		allowed := f.allows(o, path, body, header)
		if allowed != broken {
			ok = true
			break
		}
		ok = false
	}
	if !ok {
		return nil // no request of this kind: nothing for the operation to refuse, say
	}
	status, out, req, resHeader, err := f.call(o.method, path, body, header)
	if err != nil {
		return fmt.Errorf("%s %s: %w", o.method, path, err)
	}
	f.sent++
	name := o.method + " " + o.path
	if f.statuses[name] == nil {
		f.statuses[name] = map[int]int{}
	}
	f.statuses[name][status]++
	show := func() string {
		b, _ := json.Marshal(body)
		if s, ok := body.(string); ok {
			b = []byte(s)
		}
		return fmt.Sprintf("%s %s %s %v body %.300s → %d %.400s", o.method, path, mutation, header, b, status, out)
	}
	if status >= 500 {
		f.failures = append(f.failures, "5xx: "+show())
	} else if err := f.checkAnswer(req, status, resHeader, out); err != nil {
		f.failures = append(f.failures, fmt.Sprintf("outside the document: %s: %v", show(), err))
	}
	switch {
	case broken:
		f.refused++
		if status/100 == 2 {
			f.lenient = append(f.lenient, show())
		}
	default:
		f.allowed++
		if status == 400 || status == 413 || status == 415 || status == 422 {
			f.refusals = append(f.refusals, show())
		}
	}
	// What a delete removed is no longer there to name.
	if o.method == http.MethodDelete && status == http.StatusNoContent {
		id := path[strings.LastIndex(path, "/")+1:]
		for k, pool := range f.ids {
			f.ids[k] = slices.DeleteFunc(pool, func(s string) bool { return s == id })
		}
	}
	return nil
}

// request makes a request the document allows, most likely: parameters from their
// schemas, path IDs of stored resources (a child's parent with it), a body of the
// schema.
func (f *fuzzer) request(o operation) (string, any, http.Header) {
	params := map[string]string{}
	q := url.Values{}
	header := http.Header{}
	// Path parameters: the last names the resource, and brings its parent.
	var pathParams []*openapi3.Parameter
	for _, p := range o.op.Parameters {
		if p.Value != nil && p.Value.In == "path" {
			pathParams = append(pathParams, p.Value)
		}
	}
	for i := len(pathParams) - 1; i >= 0; i-- {
		p := pathParams[i]
		if _, done := params[p.Name]; done {
			continue
		}
		prefix, _ := idPrefix(p.Schema.Value.Pattern)
		id, ok := f.pick(prefix)
		if prefix == "key" {
			for range 10 {
				if id != f.self {
					break
				}
				id, ok = f.pick(prefix)
			}
		}
		if !ok {
			id = fmt.Sprint(f.gen.value(p.Schema, 0))
		}
		params[p.Name] = id
		if parent, ok := f.parent[id]; ok && i > 0 {
			params[pathParams[i-1].Name] = parent
		}
	}
	for _, p := range o.op.Parameters {
		v := p.Value
		if v == nil || v.In == "path" || (!v.Required && f.r.IntN(2) == 0) {
			continue
		}
		var s string
		switch v.Name {
		case "cursor":
			continue // a cursor is the server's to issue: it comes from a page
		case "q":
			s = f.gen.query()
		case "map":
			s = "text=1,speaker=2" // a column mapping is a little language of its own
		case "Authorization":
			continue
		case "Idempotency-Key":
			s = fmt.Sprintf("apifuzz-%d-%d", time.Now().UnixNano(), f.r.Uint64()) // one request's: a reused key is refused, as it should be
		default:
			s = fmt.Sprint(f.gen.value(v.Schema, 0))
		}
		switch v.In {
		case "query":
			q.Set(v.Name, s)
		case "header":
			header.Set(v.Name, s)
		}
	}
	if q.Get("sort") == "relevance" && q.Get("q") == "" {
		q.Set("q", f.gen.query()) // the rule between the two, which the description states
	}
	format := q.Get("format")
	if format != "csv" && format != "tsv" {
		q.Del("map") // the descriptions: a mapping and a header row are csv's and tsv's
		q.Del("header")
	}
	var body any
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil {
			body = f.gen.value(mt.Schema, 0)
			f.fitReferences(o, params, body)
		} else if rb.Value.Content.Get("text/plain") != nil {
			// Text is Wikidata's redirects: lines of old and new QIDs.
			body = fmt.Sprintf("Q%d\tQ%d\n", 1+f.r.IntN(1000), 1+f.r.IntN(1000))
			header.Set("Content-Type", "text/plain")
		} else {
			body = f.importBody(format, q)
			header.Set("Content-Type", "application/octet-stream")
		}
	}
	path := o.path
	for name, v := range params {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return path, body, header
}

// importBody is a file of the format an import names, as its description gives it.
func (f *fuzzer) importBody(format string, q url.Values) string {
	words := f.gen.text(20)
	switch format {
	case "csv", "tsv":
		sep := ","
		if format == "tsv" {
			sep = "\t"
			words = strings.ReplaceAll(words, "\t", " ")
		}
		rows := "text" + sep + "speaker\n"
		if q.Get("header") != "true" {
			rows = ""
		}
		if q.Get("map") == "" {
			q.Set("map", "text=1,speaker=2")
		}
		if format == "csv" {
			words = `"` + strings.ReplaceAll(words, `"`, `""`) + `"`
		}
		return rows + words + sep + "Imported Speaker\n"
	case "claimreview":
		return `{"@type": "ClaimReview", "claimReviewed": "` + words + `", "url": "https://example.com/review", "reviewRating": {"alternateName": "Mixture"}}` + "\n"
	}
	return `{"text": "` + words + `", "speaker_name": "Imported Speaker"}` + "\n"
}

// fitReferences makes a request what its description asks beyond its schema, reading the
// resource as a client would: a verdict cites its quote's citations, and a verified one a
// primary among them; a patch gives a date precision only to a quote with a date.
func (f *fuzzer) fitReferences(o operation, params map[string]string, body any) {
	m, ok := body.(map[string]any)
	if !ok {
		return
	}
	switch {
	case o.method == http.MethodPost && strings.HasSuffix(o.path, "/verdicts"):
		_, out, _, _, err := f.call(http.MethodGet, "/v1/quotes/"+params["id"]+"/citations?limit=100", nil, nil)
		var page struct {
			Data []struct{ ID, Relation string }
		}
		if err != nil || json.Unmarshal(out, &page) != nil {
			return
		}
		var all, primary []any
		for _, c := range page.Data {
			all = append(all, c.ID)
			if c.Relation == "primary" {
				primary = append(primary, c.ID)
			}
		}
		if _, ok := m["citation_ids"]; ok {
			m["citation_ids"] = all
		}
		if m["attribution"] == "verified" {
			if len(primary) == 0 {
				m["attribution"] = "disputed"
			} else {
				m["citation_ids"] = primary
			}
		}
	case o.path == "/v1/speakers" || o.path == "/v1/speakers/{id}":
		// A position ends after it starts (dates of one form compare as strings).
		ps, _ := m["positions"].([]any)
		for _, p := range ps {
			pm, _ := p.(map[string]any)
			from, _ := pm["from"].(string)
			to, _ := pm["to"].(string)
			if from != "" && to != "" && to < from {
				pm["from"], pm["to"] = to, from
			}
		}
	case o.method == http.MethodPost && (o.path == "/v1/speakers/{id}/merge" || o.path == "/v1/outlets/{id}/merge"):
		// The survivor is another stored record of the path's kind.
		prefix := "spk"
		if strings.HasPrefix(o.path, "/v1/outlets") {
			prefix = "out"
		}
		if other := f.other(prefix, params["id"]); other != "" {
			m["into"] = other
		}
	case o.method == http.MethodPost && o.path == "/v1/duplicates/dismissals":
		// Two stored records of one kind.
		if a, ok := f.pick("spk"); ok {
			if b := f.other("spk", a); b != "" {
				m["ids"] = []any{a, b}
			}
		}
	case o.method == http.MethodPost && o.path == "/v1/quotes/{id}/appearances":
		// Where the words stood: the end after the start.
		num := func(v any) float64 {
			switch n := v.(type) {
			case int:
				return float64(n)
			case int64:
				return float64(n)
			case float64:
				return n
			}
			return 0
		}
		_, hasStart := m["start"]
		_, hasEnd := m["end"]
		if hasStart && hasEnd && num(m["end"]) < num(m["start"]) {
			m["start"], m["end"] = m["end"], m["start"]
		}
	case o.method == http.MethodPost && o.path == "/v1/quotes/{id}/appearances/{aid}/confirm":
		// keep_verdict is for two quotes that both carry verdicts, which a seed link never is.
		delete(m, "keep_verdict")
	case o.method == http.MethodPost && o.path == "/v1/quotes/{id}/first-appearance":
		// One of the quote's confirmed appearances; a fresh one when it has none.
		_, out, _, _, err := f.call(http.MethodGet, "/v1/quotes/"+params["id"]+"/appearances?limit=100", nil, nil)
		var page struct {
			Data []struct{ ID, State string }
		}
		if err != nil || json.Unmarshal(out, &page) != nil {
			return
		}
		for _, a := range page.Data {
			if a.State == "confirmed" {
				m["appearance_id"] = a.ID
				return
			}
		}
		_, out, _, _, err = f.call(http.MethodPost, "/v1/quotes/"+params["id"]+"/appearances",
			map[string]any{"words": "NATO", "state": "confirmed"}, nil)
		var a struct{ ID string }
		if err == nil && json.Unmarshal(out, &a) == nil && a.ID != "" {
			m["appearance_id"] = a.ID
		}
	case o.method == http.MethodPatch && o.path == "/v1/quotes/{id}":
		if p, ok := m["date_precision"]; !ok || p == nil {
			return
		}
		if _, ok := m["said_on"]; ok {
			return
		}
		_, out, _, _, err := f.call(http.MethodGet, "/v1/quotes/"+params["id"], nil, nil)
		var q struct {
			SaidOn *string `json:"said_on"`
		}
		if err == nil && json.Unmarshal(out, &q) == nil && q.SaidOn == nil {
			delete(m, "date_precision")
		}
	}
}

// other is a stored ID of prefix other than not, "" when there is none.
func (f *fuzzer) other(prefix, not string) string {
	var pool []string
	for _, id := range f.ids[prefix] {
		if id != not {
			pool = append(pool, id)
		}
	}
	if len(pool) == 0 {
		return ""
	}
	return pool[f.r.IntN(len(pool))]
}

// allows reports whether the document allows the request.
func (f *fuzzer) allows(o operation, path string, body any, header http.Header) bool {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		raw, _ = json.Marshal(b)
	}
	req, err := http.NewRequest(o.method, f.base+path, bytes.NewReader(raw))
	if err != nil {
		return false
	}
	req.Header = header.Clone()
	req.Header.Set("Authorization", "Bearer "+f.key)
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := f.router.FindRoute(req)
	if err != nil {
		return false
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
	if err != nil && os.Getenv("APIFUZZ_DEBUG") != "" {
		fmt.Fprintln(os.Stderr, o.method, path, err)
	}
	return err == nil
}

// breakRequest spoils one thing of a request the document allows.
func (f *fuzzer) breakRequest(o operation, path string, body any, header http.Header) (string, any, http.Header, string, bool) {
	m, isObject := body.(map[string]any)
	var schema *openapi3.Schema
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			schema = mt.Schema.Value
		}
	}
	switch f.r.IntN(7) {
	case 0:
		if isObject && schema != nil && len(schema.Required) > 0 {
			name := schema.Required[f.r.IntN(len(schema.Required))]
			delete(m, name)
			return path, m, header, "without " + name, true
		}
	case 1:
		if isObject && len(m) > 0 {
			name := anyKey(f.r, m)
			var wrong any = 12345
			if _, isNumber := m[name].(int); isNumber {
				wrong = "twelve"
			}
			m[name] = wrong
			return path, m, header, name + " of the wrong type", true
		}
	case 2:
		if isObject {
			m["no_such_member"] = true
			return path, m, header, "with an unknown member", true
		}
	case 3:
		if schema != nil {
			return path, `{"text": "unfinished`, header, "malformed JSON", true
		}
	case 4:
		if isObject && schema != nil {
			for name, p := range schema.Properties {
				if p.Value != nil && len(p.Value.Enum) > 0 {
					m[name] = "no_such_value"
					return path, m, header, name + " outside its enum", true
				}
			}
		}
	case 5:
		if isObject && schema != nil {
			for name, p := range schema.Properties {
				if p.Value != nil && p.Value.Type.Includes("string") && p.Value.MaxLength != nil {
					m[name] = strings.Repeat("x", int(*p.Value.MaxLength)+1)
					return path, m, header, name + " over its length", true
				}
			}
		}
	case 6:
		for _, p := range o.op.Parameters {
			if p.Value != nil && p.Value.In == "query" && p.Value.Schema != nil && p.Value.Schema.Value != nil &&
				(len(p.Value.Schema.Value.Enum) > 0 || p.Value.Schema.Value.Pattern != "" || p.Value.Schema.Value.Type.Includes("integer")) {
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				return path + sep + p.Value.Name + "=%00no", body, header, p.Value.Name + " malformed", true
			}
		}
		for _, p := range o.op.Parameters {
			if p.Value != nil && p.Value.In == "header" && p.Value.Schema != nil && p.Value.Schema.Value.Pattern != "" {
				header.Set(p.Value.Name, "1")
				return path, body, header, p.Value.Name + " outside its pattern", true
			}
		}
	}
	return path, body, header, "", false
}

func anyKey(r *rand.Rand, m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[r.IntN(len(keys))]
}

// checkAnswer holds an answer to the document: a status it gives the operation, and a
// body of that status's schema.
func (f *fuzzer) checkAnswer(req *http.Request, status int, header http.Header, body []byte) error {
	if status == http.StatusMethodNotAllowed {
		return nil
	}
	route, params, err := f.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no operation: %w", err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if status == http.StatusNoContent || status == http.StatusNotModified || len(body) == 0 {
		in.Options.ExcludeResponseBody = true
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func (f *fuzzer) report() error {
	names := make([]string, 0, len(f.statuses))
	for n := range f.statuses {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		var parts []string
		codes := make([]int, 0)
		for c := range f.statuses[n] {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%d×%d", c, f.statuses[n][c]))
		}
		fmt.Printf("%-55s %s\n", n, strings.Join(parts, " "))
	}
	fmt.Printf("\n%d operations, %d requests: %d the document allows, %d it refuses\n", len(names), f.sent, f.allowed, f.refused)
	fmt.Printf("answers outside the document or 5xx: %d\n", len(f.failures))
	fmt.Printf("allowed requests refused as invalid (400, 413, 415, 422): %d\n", len(f.refusals))
	fmt.Printf("refused requests the server took (the document is stricter): %d\n", len(f.lenient))
	for _, s := range f.failures {
		fmt.Println("  FAIL", s)
	}
	for _, s := range f.refusals {
		fmt.Println("  REFUSED", s)
	}
	if len(f.failures) > 0 || len(f.refusals) > 0 {
		return fmt.Errorf("%d answers outside the document, %d allowed requests refused", len(f.failures), len(f.refusals))
	}
	return nil
}
