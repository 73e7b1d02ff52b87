package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/web"
)

func TestOperationalEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create("/v1/quotes", kellogg, new(db.Quote))
	tests := []struct {
		path, contentType, contains string
	}{
		{"/healthz", "application/json", `"status":"ok"`},
		{"/readyz", "application/json", `"status":"ok"`},
		{"/metrics", "text/plain", `verbatim_http_requests_total{method="POST",route="/v1/quotes",status="201"} 1`},
		{"/openapi.yaml", "application/yaml", "openapi: 3.0.3"},
		{"/docs/index.html", "text/html", "swagger"},
	}
	for _, tt := range tests {
		res := e.do(http.MethodGet, tt.path, "")
		if res.Code != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), tt.contentType) ||
			!strings.Contains(string(res.Body), tt.contains) {
			t.Errorf("GET %s: %d %s %.200s", tt.path, res.Code, res.Header.Get("Content-Type"), res.Body)
		}
	}
	// The interactive page opens on this server's document, and only on it.
	for path, to := range map[string]string{"/docs": "/docs/index.html", "/docs/": "/docs/index.html",
		"/docs/doc.json": "/openapi.yaml", "/docs/doc.yaml": "/openapi.yaml"} {
		if res := e.do(http.MethodGet, path, ""); res.Code != http.StatusMovedPermanently || res.Header.Get("Location") != to {
			t.Errorf("%s: %d %v, want a redirect to %s", path, res.Code, res.Header, to)
		}
	}
	page := e.do(http.MethodGet, "/docs/index.html", "")
	start := string(e.do(http.MethodGet, "/docs/swagger-initializer.js", "").Body)
	if !strings.Contains(string(page.Body), `src="./swagger-initializer.js"`) || strings.Count(start, "url: ") != 1 ||
		!strings.Contains(start, `url: "/openapi.yaml"`) || strings.Contains(start, "doc.json") {
		t.Errorf("the Swagger UI page does not load /openapi.yaml alone:\n%s\n%s", page.Body, start)
	}
	// Its policy lets its own files run, and nothing inline.
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "script-src 'self' 'unsafe") {
		t.Errorf("the page's policy: %q", csp)
	}
	if res := serve(e.server, httptest.NewRequest(http.MethodHead, "/docs/index.html", nil)); res.Code != http.StatusOK || len(res.Body) != 0 {
		t.Errorf("HEAD /docs/index.html: %d, %d bytes", res.Code, len(res.Body))
	}
	if res := e.do(http.MethodGet, "/docs/nothing.js", ""); res.Code != http.StatusNotFound {
		t.Errorf("GET /docs/nothing.js: %d", res.Code)
	}
	// The document is OpenAPI 3.1: the page must be a Swagger UI that reads it (5 and later).
	if js := serve(e.server, httptest.NewRequest(http.MethodGet, "/docs/swagger-ui-bundle.js", nil)); js.Code != http.StatusOK || !strings.Contains(string(js.Body), "isOAS31") {
		t.Errorf("the bundled Swagger UI cannot read OpenAPI 3.1: %d", js.Code)
	}
}

func TestRequestIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.do(http.MethodGet, "/v1/quotes/q_missing", "", "X-Request-ID", "client-trace-42")
	if got := res.Header.Get("X-Request-ID"); got != "client-trace-42" {
		t.Errorf("client request ID not kept: %q", got)
	}
	if p := res.problem(t); p.RequestID != "client-trace-42" {
		t.Errorf("problem request_id %q", p.RequestID)
	}
	res = e.do(http.MethodGet, "/healthz", "", "X-Request-ID", "bad id\nwith newline")
	if got := res.Header.Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \n") {
		t.Errorf("unsafe request ID echoed: %q", got)
	}
}

// A 500 is problem+json with the request ID and nothing of the internals, and the server
// goes on answering; /readyz says the database is gone. (A panic costing one request, not
// the process, is the door's: web.TestPanicCostsOneRequest.)
func TestInternalErrorsAreOpaque(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A second handle on the archive, closed under the server: every query fails inside
	// the driver, as in an outage.
	dead, err := engines.Open(dbtest.Operator, e.dsn, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewHandler(dead, api.Config{}, web.Options{})
	dead.Close()
	req := httptest.NewRequest(http.MethodGet, "/v1/quotes/q_1", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	res := serve(srv, req)
	if res.Code != http.StatusInternalServerError {
		t.Fatalf("with the database closed: %d %s", res.Code, res.Body)
	}
	p := res.problem(t)
	if strings.Contains(string(res.Body), "sql") || strings.Contains(string(res.Body), "closed") || p.RequestID == "" {
		t.Errorf("500 body leaks internals or lacks the request ID: %s", res.Body)
	}
	if res := serve(srv, httptest.NewRequest(http.MethodGet, "/healthz", nil)); res.Code != http.StatusOK {
		t.Errorf("after a failure /healthz is %d", res.Code)
	}
	res = serve(srv, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	checkContract(t, httptest.NewRequest(http.MethodGet, "/readyz", nil), res)
	if res.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with a dead database: %d", res.Code)
	}
}

// A client that goes away mid-request is not a server failure: no 5xx, no error log.
func TestClientGoneIsNotAnError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/v1/quotes?q=nato", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	if res := serve(e.server, req); res.Code != 499 {
		t.Errorf("abandoned request: %d %s", res.Code, res.Body)
	}
}

// JSON answers are sent whole with their length, not chunked, however large; answers
// whose status goes out before the body (problems) are still complete.
func TestJSONAnswersSayTheirLength(t *testing.T) {
	e := newEnv(t)
	for i := range 30 {
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": fmt.Sprintf("Quote %d: %s", i, strings.Repeat("NATO isn’t on the table. ", 20)),
			"speaker_name": "Keith Kellogg"}), &map[string]any{})
	}
	ts := httptest.NewServer(e.server)
	defer ts.Close()
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/v1/quotes?limit=30", http.StatusOK},
		{"/v1/quotes?q=nato&limit=30", http.StatusOK},
		{"/healthz", http.StatusOK},
		{"/v1/quotes?limit=zero", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+e.admin)
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != tc.status || !json.Valid(body) {
			t.Errorf("%s: %d %.100s", tc.path, res.StatusCode, body)
		}
		if res.ContentLength != int64(len(body)) || len(res.TransferEncoding) > 0 {
			t.Errorf("%s: Content-Length %d, Transfer-Encoding %v, body %d bytes", tc.path, res.ContentLength, res.TransferEncoding, len(body))
		}
		if tc.status == http.StatusOK && len(body) < 2048 && tc.path != "/healthz" {
			t.Errorf("%s: %d bytes is too small to test what chunking would do", tc.path, len(body))
		}
	}
}
