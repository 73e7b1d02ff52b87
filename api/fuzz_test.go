package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzWriteBodies: whatever bytes arrive as a body to the write endpoints, the answer is
// a success or a 4xx problem+json — never a 5xx, never a panic.
func FuzzWriteBodies(f *testing.F) {
	for _, s := range []string{kellogg, `{}`, `{"text": 1}`, `{"text": "x", "speaker_name": "y", "said_on": "2025-02-30"}`,
		"{\"text\": \"\xff\"}", `[`, `{"tags": [1, {"a": null}]}`, `{"name": "x", "aliases": [""]}`, `{"url": "javascript:x", "relation": "primary"}`} {
		f.Add(s)
	}
	e := newEnv(f)
	var q struct{ ID string }
	e.create("/v1/quotes", kellogg, &q)
	paths := []string{"/v1/quotes", "/v1/speakers", "/v1/outlets", "/v1/quotes/" + q.ID + "/citations", "/v1/quotes/" + q.ID + "/verdicts", "/v1/keys"}
	f.Fuzz(func(t *testing.T, body string) {
		for i, path := range paths {
			method := http.MethodPost
			if i == 0 && len(body)%2 == 1 {
				method, path = http.MethodPatch, "/v1/quotes/"+q.ID
			}
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.admin)
			res := serve(e.server, req)
			if res.Code >= 500 {
				t.Fatalf("%s %s %q: %d %s", method, path, body, res.Code, res.Body)
			}
			if res.Code >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%s %s: %d as %s", method, path, res.Code, res.Header.Get("Content-Type"))
			}
		}
	})
}
