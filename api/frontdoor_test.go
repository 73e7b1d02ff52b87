package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/web"
)

// sendTo serves a request with the key to s (a server built for one test) and checks
// the answer against the contract.
func sendTo(t *testing.T, s http.Handler, method, path, key string) *response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res := serve(s, req)
	checkContract(t, req, res)
	return res
}

// anonymous sends a keyless GET from the peer remote with the X-Forwarded-For given.
func anonymous(e *env, s http.Handler, remote, xff string) *response {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/v1/quotes", nil)
	req.RemoteAddr = remote
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res := serve(s, req)
	checkContract(e.t, req, res)
	return res
}

// X-Forwarded-For counts only from a configured proxy: otherwise a client rotating it
// would get a fresh anonymous budget with every request.
func TestForwardedForIsTrustedOnlyFromConfiguredProxies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	limits := web.Limits{AnonymousPerSecond: 0.5} // a burst of one
	direct := newServerConfig(e, api.Config{PublicRead: true}, web.Options{Limits: limits})
	if res := anonymous(e, direct, "203.0.113.9:4000", "198.51.100.1"); res.Code != http.StatusOK {
		t.Fatalf("first request: %d", res.Code)
	}
	if res := anonymous(e, direct, "203.0.113.9:4000", "198.51.100.2"); res.Code != http.StatusTooManyRequests {
		t.Errorf("a rotated X-Forwarded-For from an untrusted peer bought a new budget: %d", res.Code)
	}
	proxied := newServerConfig(e, api.Config{PublicRead: true},
		web.Options{Limits: limits, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	for i := range 3 {
		if res := anonymous(e, proxied, "192.0.2.7:4000", fmt.Sprintf("198.51.100.%d", i+1)); res.Code != http.StatusOK {
			t.Errorf("client %d behind the trusted proxy: %d", i, res.Code)
		}
	}
	if res := anonymous(e, proxied, "192.0.2.7:4000", "198.51.100.1"); res.Code != http.StatusTooManyRequests {
		t.Errorf("a client behind the proxy kept its budget: %d", res.Code)
	}
	// IPv6 clients are one budget per /64.
	if res := anonymous(e, direct, "[2001:db8:1:2::1]:4000", ""); res.Code != http.StatusOK {
		t.Fatalf("IPv6 client: %d", res.Code)
	}
	if res := anonymous(e, direct, "[2001:db8:1:2::ffff]:4000", ""); res.Code != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64 bought a new budget: %d", res.Code)
	}
}

// A wrong key spends the anonymous budget of its address: keys cannot be guessed at
// full speed.
func TestFailedAuthenticationIsThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := newServerConfig(e, api.Config{}, web.Options{Limits: web.Limits{AnonymousPerSecond: 1}}) // a burst of two
	var codes []int
	for _, key := range []string{"vbt_guess1", "vbt_guess2", "vbt_guess3", "not-even-a-bearer"} {
		req := httptest.NewRequest(http.MethodGet, "/v1/quotes", nil)
		req.RemoteAddr = "203.0.113.5:1"
		req.Header.Set("Authorization", "Bearer "+key)
		res := serve(s, req)
		checkContract(t, req, res)
		codes = append(codes, res.Code)
	}
	if fmt.Sprint(codes) != "[401 401 429 429]" {
		t.Errorf("answers to wrong keys: %v", codes)
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/quotes", nil)
	req.RemoteAddr = "203.0.113.5:1"
	req.Header.Set("Authorization", "Bearer "+e.admin)
	if res := serve(s, req); res.Code != http.StatusOK {
		t.Errorf("a valid key from the same address: %d", res.Code)
	}
}

// Odd method tokens do not become metric series of their own.
func TestMetricLabelsAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 50 {
		serve(e.server, httptest.NewRequest(fmt.Sprintf("M%dX", i), "/v1/quotes", nil))
	}
	body := string(e.do(http.MethodGet, "/metrics", "").Body)
	if strings.Contains(body, `method="M1X"`) || !strings.Contains(body, `method="OTHER"`) {
		t.Errorf("metrics carry client method tokens:\n%s", grepLines(body, "verbatim_http_requests_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// HEAD answers every GET route with its headers and no body.
func TestHEADOnEveryGETRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", `{"text": "Head words", "speaker_name": "Ann"}`, &q)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.yaml", "/v1/quotes", "/v1/quotes/" + q.ID, "/v1/speakers"} {
		get := e.do(http.MethodGet, path, "")
		head := e.do(http.MethodHead, path, "")
		if head.Code != get.Code || len(head.Body) != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") ||
			head.Header.Get("ETag") != get.Header.Get("ETag") {
			t.Errorf("HEAD %s: %d %q (GET: %d %q)", path, head.Code, head.Body, get.Code, get.Header.Get("Content-Type"))
		}
	}
	for _, r := range api.Routes() {
		if r.Method != http.MethodGet || strings.Contains(r.Path, "*") {
			continue
		}
		path := strings.NewReplacer(":id", q.ID, ":cid", "cit_x", ":vid", "v_x").Replace(r.Path)
		if res := serve(e.server, httptest.NewRequest(http.MethodHead, path, nil)); res.Code == http.StatusMethodNotAllowed {
			t.Errorf("HEAD %s is 405", r.Path)
		}
	}
}

// A search past its time budget is stopped and answered 503, never left running; the
// hostile long quotes the API accepts are searched in bounded time.
func TestSearchBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.TrimSpace(strings.Repeat("a ", 10000))
	for range 40 {
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": long, "speaker_name": "A", "separate": true}), &db.Quote{})
	}
	start := time.Now()
	res := e.do(http.MethodGet, "/v1/quotes?q=a&limit=40", "")
	var page struct{ Data []db.Quote }
	res.decode(t, &page)
	if res.Code != http.StatusOK || len(page.Data) != 40 || page.Data[0].Snippet == nil {
		t.Fatalf("search: %d, %d hits", res.Code, len(page.Data))
	}
	t.Logf("40 snippets of 20,000-character repetitive quotes: %v", time.Since(start))
	// The budget is the core's (db.Options.SearchTimeout): a database opened with a tiny one.
	speaker := "A"
	te := &env{t: t, store: dbtest.OpenWith(t, db.Options{SearchTimeout: time.Nanosecond})}
	te.admin = te.key("admin", "admin")
	if _, err := te.store.CreateQuote(dbtest.Operator, db.QuoteInput{Text: long, SpeakerName: &speaker}); err != nil {
		t.Fatal(err)
	}
	tight := newServerConfig(te, api.Config{})
	r := sendTo(t, tight, http.MethodGet, "/v1/quotes?q=a&limit=40", te.admin)
	if r.Code != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "urn:verbatim:problem:timeout") {
		t.Errorf("a search past its budget: %d %s", r.Code, r.Body)
	}
	// Facets and the speaker filter count against it too; a plain list does not.
	for _, path := range []string{"/v1/quotes?facets=speaker", "/v1/quotes?speaker=a"} {
		if r := sendTo(t, tight, http.MethodGet, path, te.admin); r.Code != http.StatusServiceUnavailable {
			t.Errorf("%s past its budget: %d", path, r.Code)
		}
	}
	if r := sendTo(t, tight, http.MethodGet, "/v1/quotes?limit=1", te.admin); r.Code != http.StatusOK {
		t.Errorf("a plain list under a search budget: %d", r.Code)
	}
}

// An import takes as long as its body keeps coming, past the server's read and write
// timeouts, which are set for ordinary requests.
func TestSlowImportOutlivesTheServersTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ts := httptest.NewUnstartedServer(e.server)
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	ts.Start()
	defer ts.Close()
	pr, pw := io.Pipe()
	go func() {
		for i := range 10 {
			fmt.Fprintf(pw, `{"external_id": "slow-%d", "text": "Slow line %d", "speaker_name": "S"}`+"\n", i, i)
			time.Sleep(100 * time.Millisecond) // a second in all: over three times the timeouts
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/import", pr)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got db.ImportResult
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != http.StatusOK || got.Created != 10 || got.LastLine != 10 {
		t.Fatalf("slow import: %d %+v %v", res.StatusCode, got, err)
	}
}

// A verdict's 201 carries the quote's new ETag, good for the next If-Match; an If-Match
// written without quotes is a 400 saying how, not a puzzling 412.
func TestVerdictETagAndUnquotedIfMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", `{"text": "ETag words", "speaker_name": "Ann"}`, &q)
	res := e.do(http.MethodPost, "/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "paraphrased", "summary": "The gist."}`, "If-Match", `"1"`)
	if res.Code != http.StatusCreated || res.Header.Get("ETag") != `"2"` {
		t.Fatalf("verdict: %d ETag %q", res.Code, res.Header.Get("ETag"))
	}
	if res := e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"tags": ["x"]}`, "If-Match", res.Header.Get("ETag")); res.Code != http.StatusOK {
		t.Errorf("PATCH with the verdict's ETag: %d %s", res.Code, res.Body)
	}
	for _, h := range []string{"3", "W/3", `"3`} {
		res := e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"tags": ["y"]}`, "If-Match", h)
		if p := res.problem(t); res.Code != http.StatusBadRequest || len(p.Errors) == 0 || p.Errors[0].Field != "If-Match" ||
			!strings.Contains(p.Detail, `"2"`) {
			t.Errorf("If-Match: %s → %d %+v", h, res.Code, p)
		}
	}
	if res := e.do(http.MethodGet, "/v1/quotes/"+q.ID, "", "If-None-Match", "3"); res.Code != http.StatusBadRequest {
		t.Errorf("If-None-Match: 3 → %d", res.Code)
	}
}

// Every create honours Idempotency-Key as Stripe does: the same request again is the
// first answer replayed (nothing stored twice), another request under the key is 422, the
// key belongs to the API key that sent it, and a failed request is not remembered.
func TestEveryCreateIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", `{"text": "Cited words", "speaker_name": "Ann"}`, &q)
	creates := []struct{ name, path, body, other string }{
		{"quote", "/v1/quotes", `{"text": "Once only", "speaker_name": "Ann"}`, `{"text": "Another", "speaker_name": "Ann"}`},
		{"speaker", "/v1/speakers", `{"name": "Bea Once"}`, `{"name": "Bea Other"}`},
		{"outlet", "/v1/outlets", `{"name": "Once Daily"}`, `{"name": "Other Daily"}`},
		{"citation", "/v1/quotes/" + q.ID + "/citations", `{"url": "https://example.com/once", "relation": "report"}`,
			`{"url": "https://example.com/other", "relation": "report"}`},
		{"verdict", "/v1/quotes/" + q.ID + "/verdicts", `{"attribution": "paraphrased", "summary": "Once."}`,
			`{"attribution": "disputed", "summary": "Other."}`},
		{"key", "/v1/keys", `{"name": "once", "role": "reader"}`, `{"name": "other", "role": "reader"}`},
		{"webhook", "/v1/webhooks", `{"url": "https://once.example/hook", "event_types": ["quote.created"]}`,
			`{"url": "https://other.example/hook", "event_types": ["quote.created"]}`},
		{"extract with save", "/v1/extract", `{"text": "\"We will not raise taxes,\" said Mayor Ann Example on Monday.", "save": true}`,
			`{"text": "\"We will double taxes,\" said Mayor Ann Example on Monday.", "save": true}`},
	}
	for _, c := range creates {
		t.Run(c.name, func(t *testing.T) {
			e := e.in(t)
			key := "idem-" + c.name
			first := e.do(http.MethodPost, c.path, c.body, "Idempotency-Key", key)
			if first.Code/100 != 2 {
				t.Fatalf("first: %d %s", first.Code, first.Body)
			}
			before := e.counts()
			again := e.do(http.MethodPost, c.path, c.body, "Idempotency-Key", key)
			if c.name == "key" || c.name == "webhook" {
				keys, _ := e.store.Keys(dbtest.Operator)
				hooks, _ := e.store.Webhooks(dbtest.Operator)
				defer func() {
					after, _ := e.store.Keys(dbtest.Operator)
					afterHooks, _ := e.store.Webhooks(dbtest.Operator)
					if len(after) != len(keys) || len(afterHooks) != len(hooks) {
						t.Errorf("the retry created another: keys %d → %d, webhooks %d → %d", len(keys), len(after), len(hooks), len(afterHooks))
					}
				}()
				// A key's or an endpoint's secret is shown once: the retry creates no
				// second one and says why it cannot show the first one's secret again.
				if again.Code != http.StatusConflict || strings.Contains(string(again.Body), "vbt_") ||
					strings.Contains(string(again.Body), "whsec_") || e.counts() != before {
					t.Errorf("retried creation: %d %s", again.Code, again.Body)
				}
				return
			}
			if again.Code != first.Code || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" ||
				again.Header.Get("Location") != first.Header.Get("Location") || again.Header.Get("ETag") != first.Header.Get("ETag") {
				t.Errorf("retry: %d %s %v", again.Code, again.Body, again.Header)
			}
			if e.counts() != before {
				t.Errorf("the retry stored again: %+v → %+v", before, e.counts())
			}
			if res := e.do(http.MethodPost, c.path, c.other, "Idempotency-Key", key); res.Code != http.StatusUnprocessableEntity ||
				res.problem(t).Errors[0].Field != "Idempotency-Key" {
				t.Errorf("another body under the key: %d %s", res.Code, res.Body)
			}
		})
	}
	// The key is the API key's: another admin's request under it runs.
	other := e.key("admin-2", "admin")
	if res := e.do(http.MethodPost, "/v1/speakers", `{"name": "Bea Once"}`, "Idempotency-Key", "idem-speaker", "Authorization", "Bearer "+other); res.Code != http.StatusConflict && res.Code != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("another API key's request was replayed: %d %v", res.Code, res.Header)
	}
	// A failed request is not remembered: its corrected retry runs.
	if res := e.do(http.MethodPost, "/v1/outlets", `{"name": ""}`, "Idempotency-Key", "idem-fix"); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad outlet: %d", res.Code)
	}
	if res := e.do(http.MethodPost, "/v1/outlets", `{"name": "Fixed Daily"}`, "Idempotency-Key", "idem-fix"); res.Code != http.StatusCreated {
		t.Errorf("the corrected retry: %d %s", res.Code, res.Body)
	}
}

// A researcher may export NDJSON and then CSV at once: the export budget holds three.
func TestExportsInARow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := newServerConfig(e, api.Config{}, web.Options{Limits: web.Limits{ExportsPerMinute: 6}})
	var codes []int
	for _, f := range []string{"ndjson", "csv", "ndjson", "csv"} {
		codes = append(codes, sendTo(t, s, http.MethodGet, "/v1/export?format="+f, e.admin).Code)
	}
	if fmt.Sprint(codes) != "[200 200 200 429]" {
		t.Errorf("four exports in a row: %v", codes)
	}
}

// Requests without a key spend their address's budget too: a flood of them meets 429,
// as a flood of wrong keys does.
func TestRequestsWithoutAKeyAreThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := newServerConfig(e, api.Config{}, web.Options{Limits: web.Limits{AnonymousPerSecond: 1}}) // a burst of two
	var codes []int
	for range 4 {
		req := httptest.NewRequest(http.MethodGet, "/v1/quotes", nil)
		req.RemoteAddr = "203.0.113.6:1"
		res := serve(s, req)
		checkContract(t, req, res)
		codes = append(codes, res.Code)
	}
	if fmt.Sprint(codes) != "[401 401 429 429]" {
		t.Errorf("answers to requests without a key: %v", codes)
	}
}

// The server answers only statuses the document gives each operation: it authenticates
// before it judges anything else, health checks ignore validators they have no use for,
// and routes that read no body do not measure one.
func TestStatusesTheDocumentGives(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	big := strings.Repeat("x", 1<<20+10)
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		want                     int
	}{
		{"no key and a bad If-Match", http.MethodPatch, "/v1/quotes/" + q.ID, `{"context": "x"}`, []string{"Authorization", "", "If-Match", "1"}, 401},
		{"no key and an unknown parameter", http.MethodGet, "/v1/quotes?nope=1", "", []string{"Authorization", ""}, 401},
		{"healthz with a bare If-None-Match", http.MethodGet, "/healthz", "", []string{"If-None-Match", "1"}, 200},
		{"healthz with an unknown parameter", http.MethodGet, "/healthz?verbose=1", "", nil, 400},
		{"a 1 MiB body on a GET", http.MethodGet, "/v1/quotes/" + q.ID, big, nil, 200},
		{"a 1 MiB body on a DELETE", http.MethodDelete, "/v1/quotes/" + q.ID, big, nil, 204},
	} {
		res := e.do(tc.method, tc.path, tc.body, tc.headers...)
		if res.Code != tc.want {
			t.Errorf("%s: %d, want %d: %.200s", tc.name, res.Code, tc.want, res.Body)
		}
	}
}

// Rotating a webhook's secret with an Idempotency-Key is not replayed with the secret: it
// was shown once.
func TestSecretRotationIsNotReplayed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.hook(`{"url": "https://rotate.example/hook", "event_types": ["quote.created"]}`)
	first := e.do(http.MethodPost, "/v1/webhooks/"+w.Webhook.ID+"/secret", "", "Idempotency-Key", "rotate-1")
	if first.Code != http.StatusOK || !strings.Contains(string(first.Body), "whsec_") {
		t.Fatalf("rotate: %d %s", first.Code, first.Body)
	}
	again := e.do(http.MethodPost, "/v1/webhooks/"+w.Webhook.ID+"/secret", "", "Idempotency-Key", "rotate-1")
	if again.Code != http.StatusConflict || strings.Contains(string(again.Body), "whsec_") {
		t.Errorf("the retried rotation: %d %s", again.Code, again.Body)
	}
}

// Running a setup twice creates nothing twice: a second active key of a name, or a second
// endpoint for a URL, is refused with 409 naming the one that exists.
func TestNoSecondKeyOfANameNorEndpointOfAURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var k api.KeyCreated
	e.create("/v1/keys", `{"name": "desk-ukraine", "role": "editor"}`, &k)
	res := e.do(http.MethodPost, "/v1/keys", `{"name": "Desk-Ukraine", "role": "reader"}`)
	if res.Code != http.StatusConflict || !strings.Contains(res.problem(t).Detail, k.Key.ID) {
		t.Errorf("a second key of the name: %d %s", res.Code, res.Body)
	}
	if res := e.do(http.MethodDelete, "/v1/keys/"+k.Key.ID, ""); res.Code != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.Code, res.Body)
	}
	e.create("/v1/keys", `{"name": "desk-ukraine", "role": "editor"}`, new(api.KeyCreated)) // its name is free again
	w := e.hook(`{"url": "https://cms.example.org/hooks/verbatim", "event_types": ["quote.created"]}`)
	res = e.do(http.MethodPost, "/v1/webhooks", `{"url": "https://CMS.example.org:443/hooks/verbatim", "event_types": ["verdict.created"]}`)
	if res.Code != http.StatusConflict || !strings.Contains(res.problem(t).Detail, w.Webhook.ID) {
		t.Errorf("a second endpoint for the URL: %d %s", res.Code, res.Body)
	}
}
