package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/web"
)

// The contract: every response any test here receives is checked against openapi.yaml.
var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractSpec   *openapi3.T
	contractErr    error
)

func contract(t testing.TB) routers.Router {
	t.Helper()
	contractOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/ld+json", openapi3filter.JSONBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", ndjsonDecoder)
		openapi3filter.RegisterBodyDecoder("text/csv", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef,
			_ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
		path := filepath.Join("..", "openapi.yaml")
		loader := openapi3.NewLoader()
		var doc *openapi3.T
		if doc, contractErr = loader.LoadFromFile(path); contractErr != nil {
			return
		}
		if contractErr = doc.Validate(loader.Context); contractErr != nil {
			return
		}
		contractSpec = doc
		contractRouter, contractErr = legacy.NewRouter(doc)
	})
	if contractErr != nil {
		t.Fatalf("load openapi.yaml: %v", contractErr)
	}
	return contractRouter
}

// ndjsonDecoder checks every line of an NDJSON body against the schema, and gives the
// validator the first line. (Empty bodies are not decoded at all.)
func ndjsonDecoder(r io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var first any
	for line := 0; ; line++ {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return first, nil
		} else if err != nil {
			return nil, err
		}
		if err := schema.Value.VisitJSON(toPlain(v)); err != nil {
			return nil, fmt.Errorf("line %d: %w", line+1, err)
		}
		if line == 0 {
			first = v
		}
	}
}

// toPlain turns json.Number into float64, which VisitJSON expects.
func toPlain(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = toPlain(x)
		}
	case []any:
		for i, x := range v {
			v[i] = toPlain(x)
		}
	}
	return v
}

// env is one server over its own database file.
type env struct {
	t      testing.TB
	dsn    string // where the archive is
	store  *db.DB
	server http.Handler
	admin  string // an admin key's secret, sent by default
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dsn := dbtest.DSN(t)
	store := dbtest.OpenDSN(t, dsn, db.Options{})
	contract(t)
	e := &env{t: t, dsn: dsn, store: store}
	e.admin = e.key("admin", "admin")
	e.server = newServerWith(e, claimreview.Publisher{})
	return e
}

// key creates an API key and returns its secret.
func (e *env) key(name, role string) string {
	e.t.Helper()
	_, secret, err := e.store.CreateKey(dbtest.Operator, db.KeyInput{Name: name, Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// newServerWith builds a server over e's database publishing as pub.
func newServerWith(e *env, pub claimreview.Publisher) http.Handler {
	return newServerConfig(e, api.Config{Publisher: pub})
}

// newServerConfig builds a server over e's database with cfg, on a door with opt's
// budgets, logging to the test.
func newServerConfig(e *env, cfg api.Config, opt ...web.Options) http.Handler {
	var o web.Options
	if len(opt) > 0 {
		o = opt[0]
	}
	o.Logger = slog.New(slog.NewTextHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.OpenAPI, cfg.Version = []byte("openapi: 3.0.3\n"), "test"
	return api.NewHandler(e.store, cfg, o)
}

// in returns the same server and database reporting to t (a subtest).
func (e *env) in(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v, failing the test when it cannot.
func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem decodes a problem+json body, failing the test when the response is not one.
func (r *response) problem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (body %s)", ct, r.Body)
	}
	var p api.Problem
	r.decode(t, &p)
	if p.Status != r.Code || p.Title == "" || !strings.HasPrefix(p.Type, "urn:verbatim:problem:") {
		t.Fatalf("problem %+v does not describe status %d", p, r.Code)
	}
	return p
}

// do sends a request through the real router and checks the response against the
// OpenAPI document. headers alternate name, value; the admin key is sent unless headers
// set Authorization ("" sends none).
func (e *env) do(method, path, body string, headers ...string) *response {
	e.t.Helper()
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rdr)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+e.admin)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.send(req)
}

// send serves req; a 5xx fails the test, since a 500 is always a bug.
func (e *env) send(req *http.Request) *response {
	e.t.Helper()
	res := serve(e.server, req)
	if res.Code >= 500 {
		e.t.Fatalf("%s %s: %d %s", req.Method, req.URL, res.Code, res.Body)
	}
	checkContract(e.t, req, res)
	return res
}

// serve runs one request through handler; safe from any goroutine.
func serve(handler http.Handler, req *http.Request) *response {
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return &response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// checkContract validates a response against openapi.yaml: its status must be documented
// for the operation and its body must match the schema. Requests to paths or methods the
// document does not have (404 and 405 probes) have no operation to check against.
func checkContract(t testing.TB, req *http.Request, res *response) {
	t.Helper()
	if res.Code == http.StatusMethodNotAllowed || req.Method == http.MethodOptions {
		return // only the router answers 405, and CORS preflights, for operations the document rightly lacks
	}
	if req.URL.Path == "/docs" || strings.HasPrefix(req.URL.Path, "/docs/") {
		return // the Swagger UI pages document the API; they are not part of it
	}
	head := req.Method == http.MethodHead
	if head {
		// HEAD is GET without the body (RFC 9110): its answer must be the GET
		// operation's, headers and all.
		get := req.Clone(req.Context())
		get.Method = http.MethodGet
		req = get
		if len(res.Body) != 0 {
			t.Fatalf("HEAD %s answered a body", req.URL)
		}
	}
	route, params, err := contract(t).FindRoute(req)
	if err != nil {
		if res.Code != http.StatusNotFound {
			t.Fatalf("%s %s answered %d but is not in openapi.yaml: %v", req.Method, req.URL.Path, res.Code, err)
		}
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.Code,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(res.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	emptyStream := len(res.Body) == 0 && res.Header.Get("Content-Type") == "application/x-ndjson" // an export of nothing
	if res.Code == http.StatusNotModified || res.Code == http.StatusNoContent || emptyStream || head {
		input.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Fatalf("%s %s → %d breaks the contract: %v\nbody: %s", req.Method, req.URL, res.Code, err, res.Body)
	}
	dumpForStrictCheck(t, req.Method, route.Path, res)
}

// A second, independent validator reads what the tests received: with
// VERBATIM_CONTRACT_DUMP set to a file, every JSON answer is appended to it with its
// operation and status, and CI runs Ajv, in strict mode under JSON Schema 2020-12, over
// them against openapi.yaml (.ci/ajv-responses.mjs).
var dumpMu sync.Mutex

func dumpForStrictCheck(t testing.TB, method, path string, res *response) {
	file := os.Getenv("VERBATIM_CONTRACT_DUMP")
	ct, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
	if file == "" || len(res.Body) == 0 || (ct != "application/json" && ct != "application/problem+json" && ct != "application/ld+json") {
		return
	}
	line, err := json.Marshal(map[string]any{"method": strings.ToLower(method), "path": path, "status": res.Code,
		"content_type": ct, "body": json.RawMessage(res.Body)})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	dumpMu.Lock()
	defer dumpMu.Unlock()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		t.Fatalf("dump: %v", err)
	}
}

// mustJSON marshals v for a request body.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// create posts body to path, requires 201 and decodes the result into v.
func (e *env) create(path, body string, v any) *response {
	e.t.Helper()
	res := e.do(http.MethodPost, path, body)
	if res.Code != http.StatusCreated {
		e.t.Fatalf("POST %s: %d %s", path, res.Code, res.Body)
	}
	res.decode(e.t, v)
	return res
}

// counts is how many rows of each kind are stored, to prove a failed request wrote nothing.
func (e *env) counts() db.Counts {
	e.t.Helper()
	c, err := e.store.Counts(dbtest.Operator)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// concurrently sends n requests at once, all with If-Match "1" and the admin key, bodies
// made by body(i); it returns the answers, each checked against the contract.
func (e *env) concurrently(n int, method, path string, body func(i int) string) []*response {
	e.t.Helper()
	var wg sync.WaitGroup
	results := make([]*response, n)
	reqs := make([]*http.Request, n)
	for i := range n {
		reqs[i] = httptest.NewRequest(method, path, strings.NewReader(body(i)))
		reqs[i].Header.Set("Content-Type", "application/json")
		reqs[i].Header.Set("If-Match", `"1"`)
		reqs[i].Header.Set("Authorization", "Bearer "+e.admin)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = serve(e.server, reqs[i])
		}()
	}
	wg.Wait()
	for i, res := range results {
		checkContract(e.t, reqs[i], res)
	}
	return results
}
