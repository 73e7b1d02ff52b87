package api_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/web"
)

// Every route × every kind of caller, from the route table itself: a new route cannot be
// added without deciding who may call it, and the decision is checked here and against
// the 401/403 the OpenAPI document declares.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keys := map[string]string{}
	for _, role := range db.Roles {
		keys[role] = e.key(role+"-key", role)
	}
	revoked := e.key("gone", "admin")
	all, _ := e.store.Keys(dbtest.Operator)
	for _, k := range all {
		if k.Name == "gone" {
			if _, err := e.store.RevokeKey(dbtest.Operator, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	rank := map[string]int{"public": 0, "read": 1, "edit": 2, "verdict": 3, "merge": 3, "admin": 4}
	roleRank := map[string]int{"reader": 1, "editor": 2, "factchecker": 3, "admin": 4}
	param := regexp.MustCompile(`:(\w+)`)
	routes := api.Routes()
	if len(routes) < 35 {
		t.Fatalf("only %d routes in the table", len(routes))
	}
	for _, r := range routes {
		if r.Path == "/docs/*" {
			continue
		}
		path := param.ReplaceAllString(r.Path, "none")
		body := ""
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			body = "{}"
		}
		refused := map[bool]int{true: 0, false: 401}[r.Permission == "public"] // public routes ignore credentials
		callers := []struct {
			name, header string
			want         int // 401 or 403; 0 means "let through"
		}{
			{"no key", "", refused},
			{"malformed header", "Basic YWRtaW46YWRtaW4=", refused},
			{"bearer without key", "Bearer ", refused},
			{"unknown key", "Bearer vbt_notakey", refused},
			{"revoked key", "Bearer " + revoked, refused},
		}
		for _, role := range db.Roles {
			want := 0
			if roleRank[role] < rank[r.Permission] {
				want = 403
			}
			callers = append(callers, struct {
				name, header string
				want         int
			}{role, "Bearer " + keys[role], want})
		}
		for _, c := range callers {
			res := e.do(r.Method, path, body, "Authorization", c.header)
			switch {
			case c.want == 0 && (res.Code == 401 || res.Code == 403):
				t.Errorf("%s %s as %s: %d, want it let through: %s", r.Method, r.Path, c.name, res.Code, res.Body)
			case c.want != 0 && res.Code != c.want:
				t.Errorf("%s %s as %s: %d, want %d", r.Method, r.Path, c.name, res.Code, c.want)
			case c.want == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer"):
				t.Errorf("%s %s as %s: 401 without WWW-Authenticate", r.Method, r.Path, c.name)
			}
			if c.want != 0 && res.Code == c.want {
				res.problem(t)
			}
		}
	}
}

func TestKeysAreStoredHashed(t *testing.T) {
	t.Parallel()
	store := dbtest.Open(t)
	k, secret, err := store.CreateKey(dbtest.Operator, db.KeyInput{Name: "desk", Role: "editor"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "vbt_") || len(secret) < 50 || k.Hint != secret[:8] {
		t.Errorf("secret %q, hint %q", secret, k.Hint)
	}
	stored := dbtest.Dump(t, store)
	if !bytes.Contains(stored, []byte(k.ID)) {
		t.Fatal("the dump does not hold the key's record: it shows nothing")
	}
	if bytes.Contains(stored, []byte(secret)) || bytes.Contains(stored, []byte(secret[8:])) {
		t.Error("the database holds the key in plain text")
	}
}

func TestKeyLifecycleOverTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.do(http.MethodPost, "/v1/keys", `{"name": "desk-ukraine", "role": "editor"}`)
	if res.Code != http.StatusCreated || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create key: %d %v %s", res.Code, res.Header, res.Body)
	}
	var created api.KeyCreated
	res.decode(t, &created)
	editor := created.Secret
	// The editor records a quote; created_by is the key's name, not anything the body says.
	var q db.Quote
	res = e.do(http.MethodPost, "/v1/quotes", kellogg, "Authorization", "Bearer "+editor)
	res.decode(t, &q)
	if res.Code != http.StatusCreated || q.CreatedBy != "desk-ukraine" {
		t.Fatalf("create as editor: %d created_by %q", res.Code, q.CreatedBy)
	}
	var list api.KeyList
	e.do(http.MethodGet, "/v1/keys", "").decode(t, &list)
	if len(list.Data) != 2 || strings.Contains(string(e.do(http.MethodGet, "/v1/keys", "").Body), editor) {
		t.Errorf("key list: %+v", list.Data)
	}
	// Revocation takes effect on the very next request.
	if res := e.do(http.MethodDelete, "/v1/keys/"+created.Key.ID, ""); res.Code != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.Code, res.Body)
	}
	res = e.do(http.MethodGet, "/v1/quotes/"+q.ID, "", "Authorization", "Bearer "+editor)
	if res.Code != http.StatusUnauthorized || !strings.Contains(string(res.Body), "revoked") {
		t.Errorf("revoked key: %d %s", res.Code, res.Body)
	}
	runBad(t, e, []badCase{
		{name: "key without name", method: "POST", path: "/v1/keys", body: `{"role": "reader"}`, status: 422, field: "name"},
		{name: "key with unknown role", method: "POST", path: "/v1/keys", body: `{"name": "x", "role": "owner"}`, status: 422, field: "role"},
		{name: "key with its own secret", method: "POST", path: "/v1/keys", body: `{"name": "x", "role": "reader", "secret": "vbt_mine"}`, status: 400, field: "secret"},
		{name: "revoke unknown key", method: "DELETE", path: "/v1/keys/key_none", status: 404},
		{name: "audit bad since", method: "GET", path: "/v1/audit?since=monday", status: 400, field: "since"},
		{name: "audit unknown resource", method: "GET", path: "/v1/audit?resource=user", status: 400, field: "resource"},
	})
}

// Fields the server owns cannot be set by a client, on any create.
func TestServerOwnedFieldsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var q db.Quote
	e.create("/v1/quotes", kellogg, &q)
	creates := map[string]string{
		"/v1/quotes":                        `"text": "x", "speaker_name": "S"`,
		"/v1/speakers":                      `"name": "S2"`,
		"/v1/outlets":                       `"name": "O2"`,
		"/v1/quotes/" + q.ID + "/citations": `"url": "https://example.com/a", "relation": "report"`,
		"/v1/quotes/" + q.ID + "/verdicts":  `"attribution": "disputed", "summary": "s"`,
	}
	var cases []badCase
	for path, valid := range creates {
		for _, field := range []string{"id", "version", "created_at", "updated_at", "created_by", "reviewed_by"} {
			cases = append(cases, badCase{name: path + " " + field, method: "POST", path: path,
				body: "{" + valid + `, "` + field + `": "forged"}`, status: 400, field: field})
		}
	}
	runBad(t, e, cases)
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	checker := e.key("factcheck-desk", "factchecker")
	var q db.Quote
	res := e.do(http.MethodPost, "/v1/quotes", kellogg, "Authorization", "Bearer "+checker)
	res.decode(t, &q)
	e.do(http.MethodPatch, "/v1/quotes/"+q.ID, `{"context": "Fox News Sunday", "tags": ["nato"]}`, "Authorization", "Bearer "+checker)
	var c db.Citation
	e.do(http.MethodPost, "/v1/quotes/"+q.ID+"/citations", `{"url": "https://example.com/t", "relation": "primary"}`,
		"Authorization", "Bearer "+checker).decode(t, &c)
	var v db.Verdict
	e.do(http.MethodPost, "/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "verified", "summary": "ok", "citation_ids": ["`+c.ID+`"]}`,
		"Authorization", "Bearer "+checker).decode(t, &v)
	if v.ReviewedBy != "factcheck-desk" {
		t.Errorf("reviewed_by %q", v.ReviewedBy)
	}
	var other db.Citation
	e.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://example.com/u", "relation": "context"}`, &other)
	e.do(http.MethodDelete, "/v1/quotes/"+q.ID+"/citations/"+other.ID, "")
	e.do(http.MethodPatch, "/v1/speakers/"+q.Speaker.ID, `{"description": "envoy"}`)
	e.do(http.MethodPost, "/v1/keys", `{"name": "temp", "role": "reader"}`)

	// The quote's own history: newest first, visible to any reader.
	reader := e.key("reader", "reader")
	var hist api.AuditList
	e.do(http.MethodGet, "/v1/quotes/"+q.ID+"/history", "", "Authorization", "Bearer "+reader).decode(t, &hist)
	var got []string
	for _, h := range hist.Data {
		got = append(got, h.Actor+":"+h.Action+":"+h.Resource)
	}
	want := "admin:delete:citation admin:create:citation factcheck-desk:verdict:verdict factcheck-desk:create:citation " +
		"factcheck-desk:update:quote factcheck-desk:create:quote"
	if strings.Join(got, " ") != want {
		t.Errorf("history\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	update := hist.Data[4]
	if ch := update.Changes["context"]; ch.Before != "interview with Fox News" || ch.After != "Fox News Sunday" {
		t.Errorf("context change %+v", ch)
	}
	if ch := update.Changes["tags"]; len(ch.Before.([]any)) != 2 || len(ch.After.([]any)) != 1 {
		t.Errorf("tags change %+v", ch)
	}
	if _, ok := update.Changes["text"]; ok || len(update.Changes) != 2 {
		t.Errorf("unchanged fields recorded: %+v", update.Changes)
	}
	if created := hist.Data[5].Changes["text"]; created.Before != nil || created.After != q.Text {
		t.Errorf("creation %+v", created)
	}
	if del := hist.Data[0].Changes["url"]; del.Before != "https://example.com/u" || del.After != nil {
		t.Errorf("deletion %+v", del)
	}

	// The whole trail, for admins, filtered.
	var audit api.AuditList
	e.do(http.MethodGet, "/v1/audit?resource=speaker&limit=100", "").decode(t, &audit)
	if len(audit.Data) != 2 || audit.Data[0].Action != "update" || audit.Data[0].Changes["description"].After != "envoy" ||
		audit.Data[1].Action != "create" || audit.Data[1].Actor != "factcheck-desk" {
		t.Errorf("speaker audit %+v", audit.Data)
	}
	e.do(http.MethodGet, "/v1/audit?resource=key", "").decode(t, &audit)
	names := []string{}
	for _, a := range audit.Data {
		names = append(names, a.Changes["name"].After.(string))
		if _, ok := a.Changes["secret"]; ok || a.Action != "create" {
			t.Errorf("key audit entry %+v", a)
		}
	}
	if strings.Join(names, " ") != "reader temp factcheck-desk admin" {
		t.Errorf("key audit %v", names)
	}
	e.do(http.MethodGet, "/v1/audit?actor=factcheck-desk&since="+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "").decode(t, &audit)
	// The quote, the speaker and outlet found-or-created with it, the update, the
	// citation and the verdict.
	if len(audit.Data) != 6 {
		t.Errorf("audit by actor: %d entries", len(audit.Data))
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.server = newServerConfig(e, api.Config{PublicRead: true},
		web.Options{Limits: web.Limits{WritesPerSecond: 2, ReadsPerSecond: 100, AnonymousPerSecond: 1}})
	// A burst of two seconds' worth passes; the next write is refused with the headers.
	var last *response
	for i := range 5 {
		last = e.do(http.MethodPost, "/v1/outlets", `{"name": "Outlet `+strconv.Itoa(i)+`"}`)
		if i < 4 && last.Code != http.StatusCreated {
			t.Fatalf("write %d: %d %s", i, last.Code, last.Body)
		}
		if i < 4 && last.Header.Get("RateLimit-Limit") != "4" {
			t.Errorf("RateLimit-Limit %q", last.Header.Get("RateLimit-Limit"))
		}
	}
	if last.Code != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" || last.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("over budget: %d %v", last.Code, last.Header)
	}
	last.problem(t)
	// Reads have their own budget.
	if res := e.do(http.MethodGet, "/v1/outlets", ""); res.Code != http.StatusOK {
		t.Errorf("read while writes are spent: %d", res.Code)
	}
	// Anonymous callers get a stricter per-address budget.
	anon := []int{}
	for range 3 {
		anon = append(anon, e.do(http.MethodGet, "/v1/quotes", "", "Authorization", "").Code)
	}
	if anon[0] != 200 || anon[2] != 429 {
		t.Errorf("anonymous reads: %v", anon)
	}
	// The bucket refills.
	time.Sleep(600 * time.Millisecond)
	if res := e.do(http.MethodPost, "/v1/outlets", `{"name": "After the wait"}`); res.Code != http.StatusCreated {
		t.Errorf("after the window: %d %s", res.Code, res.Body)
	}
	// Probes are never throttled.
	for range 5 {
		if res := e.do(http.MethodGet, "/healthz", "", "Authorization", ""); res.Code != http.StatusOK {
			t.Fatalf("healthz throttled: %d", res.Code)
		}
	}
}

func TestPublicReadAndBrowsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.server = newServerConfig(e, api.Config{PublicRead: true, CORSOrigins: []string{"https://desk.example"}})
	if res := e.do(http.MethodGet, "/v1/quotes", "", "Authorization", ""); res.Code != http.StatusOK {
		t.Errorf("public read: %d", res.Code)
	}
	if res := e.do(http.MethodPost, "/v1/quotes", kellogg, "Authorization", ""); res.Code != http.StatusUnauthorized {
		t.Errorf("anonymous write with public read: %d", res.Code)
	}
	res := e.do(http.MethodOptions, "/v1/quotes", "", "Origin", "https://desk.example", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type")
	if res.Code != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://desk.example" {
		t.Errorf("preflight: %d %v", res.Code, res.Header)
	}
	res = e.do(http.MethodGet, "/v1/quotes", "", "Origin", "https://evil.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS for an unlisted origin: %v", res.Header)
	}
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"} {
		if res.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
}
