package console_test

import (
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/console"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/web"
)

var bg = dbtest.Operator

// site is a running Verbatim — the API with the console mounted, as `serve` builds it —
// over a fresh archive on the test engine.
type site struct {
	t   testing.TB
	d   *db.DB
	srv *httptest.Server
}

func newSite(t testing.TB) *site {
	t.Helper()
	d := dbtest.Open(t)
	srv := httptest.NewServer(door(t, d, console.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, web.Options{}))
	t.Cleanup(srv.Close)
	return &site{t: t, d: d, srv: srv}
}

// door is the API and the console side by side over d, as serve mounts them.
func door(t testing.TB, d *db.DB, opt console.Options, wopt web.Options) *web.Door {
	t.Helper()
	w := web.New(wopt)
	api.New(d, api.Config{OpenAPI: verbatim.OpenAPI}).Mount(w)
	c, err := console.New(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	c.Mount(w)
	return w
}

// key makes an API key of a role and returns its secret.
func (s *site) key(name, role string) string {
	s.t.Helper()
	_, secret, err := s.d.CreateKey(bg, db.KeyInput{Name: name, Role: role})
	if err != nil {
		s.t.Fatal(err)
	}
	return secret
}

// user is a browser without script: a cookie jar, following redirects.
type user struct {
	s      *site
	client *http.Client
}

func (s *site) signIn(secret string) *user {
	s.t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &user{s: s, client: &http.Client{Jar: jar}}
	res, body := u.post("/console/signin", url.Values{"key": {secret}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Sign out") {
		s.t.Fatalf("sign in: %d %s", res.StatusCode, body)
	}
	return u
}

func (u *user) get(path string) (*http.Response, string) {
	u.s.t.Helper()
	res, err := u.client.Get(u.s.srv.URL + path)
	if err != nil {
		u.s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (u *user) post(path string, form url.Values) (*http.Response, string) {
	u.s.t.Helper()
	res, err := u.client.PostForm(u.s.srv.URL+path, form)
	if err != nil {
		u.s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// form posts a form the way the page at from would: with the token it carries.
func (u *user) form(from, path string, form url.Values) (*http.Response, string) {
	u.s.t.Helper()
	_, page := u.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		u.s.t.Fatalf("%s has no form token", from)
	}
	form.Set("csrf", m[1])
	return u.post(path, form)
}

func mustQuote(t testing.TB, d *db.DB, in db.QuoteInput) *db.Quote {
	t.Helper()
	q, err := d.CreateQuote(bg, in)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func str(s string) *string { return &s }

// Every page, for every role: it renders, shows the controls the role may use and no
// others, and says who is signed in.
func TestPagesByRole(t *testing.T) {
	s := newSite(t)
	q := mustQuote(t, s.d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: str("Keith Kellogg"),
		OutletName: str("Fox News"), SaidOn: str("2025-04-20"), Tags: []string{"nato"}})
	pages := []string{"/console/queue", "/console/search?q=NATO", "/console/quotes/" + q.ID, "/console/speakers",
		"/console/speakers/" + q.Speaker.ID, "/console/outlets", "/console/outlets/" + q.Outlet.ID}
	controls := map[string]string{ // a control, and the permission it needs
		`action="/console/quotes/` + q.ID + `/verdicts"`:  "verdict",
		`action="/console/quotes/` + q.ID + `/claim"`:     "verdict",
		`action="/console/quotes/` + q.ID + `/citations"`: "edit",
		`action="/console/speakers/` + q.Speaker.ID + `"`: "edit",
		`action="/console/outlets/` + q.Outlet.ID + `"`:   "edit",
		`href="/console/extract"`:                         "edit",
		`href="/console/keys"`:                            "admin",
	}
	for _, role := range db.Roles {
		t.Run(role, func(t *testing.T) {
			u := s.signIn(s.key("desk "+role, role))
			seen := map[string]bool{}
			for _, p := range pages {
				res, body := u.get(p)
				if res.StatusCode != http.StatusOK || !strings.Contains(body, "desk "+role) {
					t.Fatalf("%s as %s: %d", p, role, res.StatusCode)
				}
				for c := range controls {
					seen[c] = seen[c] || strings.Contains(body, c)
				}
			}
			for c, perm := range controls {
				want := (db.Actor{Role: role}).Can(map[string]db.Permission{"edit": db.PermEdit, "verdict": db.PermVerdict, "admin": db.PermAdmin}[perm])
				if seen[c] != want {
					t.Errorf("%s sees %s: %v, want %v", role, c, seen[c], want)
				}
			}
		})
	}
}

// A reader who forges the forms a factchecker sees is refused by the core, and nothing
// is written; a form without its token is refused before that.
func TestForgedPostsAreRefused(t *testing.T) {
	s := newSite(t)
	q := mustQuote(t, s.d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: str("Keith Kellogg")})
	reader := s.signIn(s.key("researcher", "reader"))
	forms := []struct {
		path string
		form url.Values
	}{
		{"/console/quotes/" + q.ID + "/verdicts", url.Values{"version": {"1"}, "attribution": {"disputed"}, "summary": {"forged"}}},
		{"/console/quotes/" + q.ID + "/citations", url.Values{"url": {"https://example.com/a"}, "relation": {"report"}}},
		{"/console/quotes/" + q.ID + "/claim", url.Values{}},
		{"/console/speakers/" + q.Speaker.ID, url.Values{"version": {"1"}, "name": {"Forged Name"}}},
		{"/console/extract", url.Values{"text": {`"We will win," said Jane Doe.`}}},
		{"/console/extract/confirm", url.Values{"count": {"1"}, "c0.save": {"1"}, "c0.text": {"forged"}, "c0.speaker": {"Jane Doe"}}},
		{"/console/keys", url.Values{"name": {"backdoor"}, "role": {"admin"}}},
	}
	for _, f := range forms {
		res, body := reader.form("/console/queue", f.path, f.form)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("a reader's forged POST %s: %d %.200s", f.path, res.StatusCode, body)
		}
	}
	fc := s.signIn(s.key("desk", "factchecker"))
	res, _ := fc.post("/console/quotes/"+q.ID+"/verdicts", url.Values{"version": {"1"}, "attribution": {"disputed"}, "summary": {"no token"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a verdict without its form token: %d", res.StatusCode)
	}
	res, _ = fc.post("/console/quotes/"+q.ID+"/verdicts", url.Values{"csrf": {"forged"}, "version": {"1"}, "attribution": {"disputed"}, "summary": {"bad token"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a verdict with a wrong form token: %d", res.StatusCode)
	}
	// Another site's form, token or not, is refused by what the browser says of it.
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/console/signin", strings.NewReader("key=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site sign-in: %v %v", res.StatusCode, err)
	}
	got, _ := s.d.Quote(bg, q.ID)
	cites, _ := s.d.ListCitations(bg, q.ID, 10, nil)
	keys, _ := s.d.Keys(bg)
	if got.Version != 1 || got.Attribution != "unverified" || len(cites.Data) != 0 || len(keys) != 2 {
		t.Errorf("forged posts wrote: v%d %s, %d citations, %d keys", got.Version, got.Attribution, len(cites.Data), len(keys))
	}
	if sp, _ := s.d.Speaker(bg, q.Speaker.ID); sp.Name != "Keith Kellogg" {
		t.Errorf("a forged speaker edit wrote: %q", sp.Name)
	}
}

// Sessions: a wrong key is refused, pages without a session go to the sign-in form, the
// cookie is HttpOnly and SameSite=Strict, signing out and revoking the key both end it.
func TestSessions(t *testing.T) {
	s := newSite(t)
	jar, _ := cookiejar.New(nil)
	anon := &user{s: s, client: &http.Client{Jar: jar}}
	if res, body := anon.post("/console/signin", url.Values{"key": {"vbt_wrong"}}); res.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(body, "not valid") {
		t.Errorf("a wrong key: %d", res.StatusCode)
	}
	if res, body := anon.get("/console/search?q=x"); res.Request.URL.Path != "/console/signin" || !strings.Contains(body, "API key") ||
		res.Request.URL.Query().Get("next") != "/console/search?q=x" {
		t.Errorf("a page without a session ended at %s", res.Request.URL)
	}
	secret := s.key("desk", "factchecker")
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
		PostForm(s.srv.URL+"/console/signin", url.Values{"key": {secret}, "next": {"https://evil.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ck := res.Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode || ck[0].Path != "/console" {
		t.Errorf("the session cookie: %+v", ck)
	}
	if loc := res.Header.Get("Location"); loc != "/console/queue" {
		t.Errorf("sign-in sent the browser to %q", loc)
	}
	u := s.signIn(secret)
	if res, _ := u.form("/console/queue", "/console/signout", url.Values{}); res.Request.URL.Path != "/console/signin" {
		t.Errorf("sign out ended at %s", res.Request.URL)
	}
	if res, _ := u.get("/console/queue"); res.Request.URL.Path != "/console/signin" {
		t.Errorf("a signed-out session still opens the queue")
	}
	u = s.signIn(secret)
	keys, _ := s.d.Keys(bg)
	for _, k := range keys {
		if k.Name == "desk" {
			if _, err := s.d.RevokeKey(bg, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res, _ := u.get("/console/queue"); res.Request.URL.Path != "/console/signin" {
		t.Errorf("a revoked key's session still opens the queue")
	}
}

// Markup in anything people type renders as text on every page, and the policy forbids
// script outright.
func TestMarkupRendersAsText(t *testing.T) {
	s := newSite(t)
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	q := mustQuote(t, s.d, db.QuoteInput{Text: "NATO " + evil + " table", SpeakerName: str("Kellogg " + evil),
		OutletName: str("Fox " + evil), Context: str("ctx " + evil), Tags: []string{"t" + evil}})
	if _, err := s.d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://example.com/a", Relation: "report",
		Title: str("title " + evil), Excerpt: str("excerpt " + evil)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "summary " + evil}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.d.UpdateSpeaker(bg, q.Speaker.ID, nil, db.SpeakerPatch{Aliases: db.Field[[]string]{Set: true, Value: []string{"alias " + evil}},
		Description: db.Field[string]{Set: true, Value: "desc " + evil}}); err != nil {
		t.Fatal(err)
	}
	u := s.signIn(s.key("desk", "admin"))
	for _, p := range []string{"/console/queue", "/console/quotes/" + q.ID, "/console/search?q=NATO", "/console/search?q=table&sort=-created_at",
		"/console/speakers", "/console/speakers/" + q.Speaker.ID, "/console/outlets", "/console/outlets/" + q.Outlet.ID,
		"/console/search?" + url.Values{"q": {evil}}.Encode(), "/console/speakers?" + url.Values{"q": {evil}}.Encode()} {
		res, body := u.get(p)
		if res.StatusCode >= 500 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") || strings.Contains(body, "onerror=alert") &&
			!strings.Contains(body, "onerror=alert(2)&gt;") {
			t.Errorf("%s renders markup from the archive", p)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
			strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
	_, body := u.get("/console/search?q=NATO")
	if !strings.Contains(body, "<mark>NATO</mark> &lt;script&gt;") {
		t.Errorf("the snippet's own marks are lost or its text unescaped")
	}
}

// Bad input is normal: unknown enum values, missing fields, junk versions, hostile
// searches, huge forms — each is a 4xx page that says what is wrong; nothing is written.
func TestBadInput(t *testing.T) {
	s := newSite(t)
	q := mustQuote(t, s.d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: str("Keith Kellogg")})
	u := s.signIn(s.key("desk", "factchecker"))
	from := "/console/quotes/" + q.ID
	cases := []struct {
		name, path string
		form       url.Values
		status     int
		says       string
	}{
		{"unknown attribution", from + "/verdicts", url.Values{"version": {"1"}, "attribution": {"probably"}, "summary": {"x"}}, 422, "attribution"},
		{"unknown rating", from + "/verdicts", url.Values{"version": {"1"}, "attribution": {"disputed"}, "rating": {"meh"}, "summary": {"x"}}, 422, "rating"},
		{"no summary", from + "/verdicts", url.Values{"version": {"1"}, "attribution": {"disputed"}}, 422, "summary"},
		{"junk version", from + "/verdicts", url.Values{"version": {"one"}, "attribution": {"disputed"}, "summary": {"x"}}, 400, "version"},
		{"verified without primary", from + "/verdicts", url.Values{"version": {"1"}, "attribution": {"verified"}, "summary": {"x"}}, 422, "primary"},
		{"not a citation of the quote", from + "/verdicts", url.Values{"version": {"1"}, "attribution": {"disputed"}, "summary": {"x"}, "citation_ids": {"cit_nope"}}, 422, "not a citation"},
		{"bad new citation url", from + "/verdicts", url.Values{"version": {"1"}, "attribution": {"disputed"}, "summary": {"x"}, "new_url": {"javascript:alert(1)"}, "new_relation": {"primary"}}, 422, "citations[0].url"},
		{"bad citation relation", from + "/citations", url.Values{"url": {"https://example.com/"}, "relation": {"gossip"}}, 422, "relation"},
		{"missing quote", "/console/quotes/q_nope/verdicts", url.Values{"version": {"1"}, "attribution": {"disputed"}, "summary": {"x"}}, 404, "no quote"},
		{"empty article", "/console/extract", url.Values{"text": {"  "}}, 422, "text"},
		{"bad article date", "/console/extract", url.Values{"text": {"x"}, "published_on": {"April"}}, 400, "published_on"},
		{"nothing ticked", "/console/extract/confirm", url.Values{"count": {"1"}, "c0.text": {"x"}}, 422, "tick"},
		{"huge form", from + "/citations", url.Values{"url": {"https://example.com/"}, "relation": {"report"}, "excerpt": {strings.Repeat("x", 3<<20)}}, 413, "larger than the console takes"},
	}
	for _, c := range cases {
		res, body := u.form(from, c.path, c.form)
		if c.status == 0 {
			if res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Errorf("%s: %d", c.name, res.StatusCode)
			}
			continue
		}
		if res.StatusCode != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d, want %d saying %q", c.name, res.StatusCode, c.status, c.says)
		}
	}
	for _, p := range []string{`/console/search?q=%22unclosed`, "/console/search?q=" + url.QueryEscape(`NEAR(( ** -- ))`),
		"/console/search?said_from=yesterday", "/console/search?cursor=junk&q=x", "/console/queue?said_to=2025-13-45",
		"/console/export?format=xml", "/console/export?format=csv&said_from=x", "/console/quotes/q_nope", "/console/speakers/nope"} {
		res, body := u.get(p)
		if res.StatusCode >= 500 || strings.Contains(body, "went wrong") {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	got, _ := s.d.Quote(bg, q.ID)
	cites, _ := s.d.ListCitations(bg, q.ID, 10, nil)
	if got.Version != 1 || len(cites.Data) != 0 {
		t.Errorf("refused forms wrote: v%d, %d citations", got.Version, len(cites.Data))
	}
}

// Speakers and outlets are edited against the version the form was opened at: a change
// made meanwhile stops the edit and shows the record as it now stands; a bad Wikidata QID
// is refused with its field named; a good edit is stored.
func TestSpeakerAndOutletEdits(t *testing.T) {
	s := newSite(t)
	q := mustQuote(t, s.d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: str("Keith Kellogg"), OutletName: str("Fox News")})
	u := s.signIn(s.key("desk", "editor"))
	page := "/console/speakers/" + q.Speaker.ID
	res, body := u.form(page, page, url.Values{"version": {"1"}, "name": {"Keith Kellogg"}, "aliases": {"Gen. Kellogg\n\n  Keith Kellogg Jr. "},
		"wikidata_qid": {"Q6385264"}, "description": {"US Special Envoy"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Changes saved.") {
		t.Fatalf("edit a speaker: %d", res.StatusCode)
	}
	sp, _ := s.d.Speaker(bg, q.Speaker.ID)
	if len(sp.Aliases) != 2 || sp.Aliases[1] != "Keith Kellogg Jr." || sp.WikidataQID == nil || *sp.WikidataQID != "Q6385264" || sp.Version != 2 {
		t.Errorf("stored: %+v", sp)
	}
	if res, body := u.form(page, page, url.Values{"version": {"2"}, "name": {"Keith Kellogg"}, "wikidata_qid": {"6385264"}}); res.StatusCode != 422 ||
		!strings.Contains(body, "wikidata_qid") {
		t.Errorf("a bad QID: %d", res.StatusCode)
	}
	if res, body := u.form(page, page, url.Values{"version": {"1"}, "name": {"K. Kellogg"}}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "changed this record after you opened it") || !strings.Contains(body, "Gen. Kellogg") {
		t.Errorf("a stale speaker edit: %d", res.StatusCode)
	}
	out := "/console/outlets/" + q.Outlet.ID
	if res, _ := u.form(out, out, url.Values{"version": {"1"}, "name": {"Fox News"}, "url": {"https://www.foxnews.com"}}); res.StatusCode != http.StatusOK {
		t.Errorf("edit an outlet: %d", res.StatusCode)
	}
	if o, _ := s.d.Outlet(bg, q.Outlet.ID); o.URL == nil || *o.URL != "https://www.foxnews.com" {
		t.Errorf("stored outlet: %+v", o)
	}
	if res, _ := u.form(out, out, url.Values{"version": {"2"}, "name": {"Fox News"}, "url": {"ftp://fox"}}); res.StatusCode != 422 {
		t.Errorf("a bad outlet URL: %d", res.StatusCode)
	}
	// The verdict counts on the speaker's page follow the quotes' verdicts.
	if _, err := s.d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "Two transcripts differ."}); err != nil {
		t.Fatal(err)
	}
	if _, body := u.get(page); !strings.Contains(body, "1 quotes, by verdict") || !strings.Contains(body, "<dt>Disputed</dt><dd>1</dd>") {
		t.Errorf("the speaker's verdict counts are missing")
	}
}

// An admin makes a key for a person on the Keys page; it is shown once, and the person
// signs in with it. Revoking it there ends their session.
func TestKeysForPeople(t *testing.T) {
	s := newSite(t)
	admin := s.signIn(s.key("admin", "admin"))
	res, body := admin.form("/console/keys", "/console/keys", url.Values{"name": {"Anna Ivanova"}, "role": {"factchecker"}})
	m := regexp.MustCompile(`<code class="select">(vbt_[a-z0-9]+)</code>`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusCreated || m == nil {
		t.Fatalf("make a key: %d", res.StatusCode)
	}
	anna := s.signIn(m[1])
	if _, body := anna.get("/console/queue"); !strings.Contains(body, "Anna Ivanova") {
		t.Errorf("signed in with the new key, the header does not say who")
	}
	if _, body := admin.get("/console/keys"); strings.Contains(body, m[1]) {
		t.Errorf("the key's secret is shown again")
	}
	if res, _ := admin.form("/console/keys", "/console/keys", url.Values{"name": {""}, "role": {"overlord"}}); res.StatusCode != 422 {
		t.Errorf("a key without a name and with no such role: %d", res.StatusCode)
	}
	keys, _ := s.d.Keys(bg)
	for _, k := range keys {
		if k.Name == "Anna Ivanova" {
			if res, _ := admin.form("/console/keys", "/console/keys/"+k.ID+"/revoke", url.Values{}); res.StatusCode != http.StatusOK {
				t.Errorf("revoke: %d", res.StatusCode)
			}
		}
	}
	if res, _ := anna.get("/console/queue"); res.Request.URL.Path != "/console/signin" {
		t.Errorf("a revoked key's session still opens the queue")
	}
}

// Over TLS, or behind a proxy that terminates it, the session cookie is Secure.
func TestSecureCookie(t *testing.T) {
	d := dbtest.Open(t)
	_, secret, err := d.CreateKey(bg, db.KeyInput{Name: "desk", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		tls   bool
		proxy bool
	}{{"over TLS", true, false}, {"behind a TLS proxy", false, true}, {"plain", false, false}} {
		srv := httptest.NewUnstartedServer(door(t, d, console.Options{SecureCookies: tc.proxy}, web.Options{}))
		if tc.tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		client := srv.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := client.PostForm(srv.URL+"/console/signin", url.Values{"key": {secret}})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if ck := res.Cookies(); len(ck) != 1 || ck[0].Secure != (tc.tls || tc.proxy) {
			t.Errorf("%s: cookie %+v", tc.name, ck)
		}
	}
}

// A search past its time budget is stopped by the core and said so on the page.
func TestSearchTimeout(t *testing.T) {
	d := dbtest.OpenWith(t, db.Options{SearchTimeout: time.Nanosecond})
	q := mustQuote(t, d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: str("Keith Kellogg")})
	srv := httptest.NewServer(door(t, d, console.Options{}, web.Options{}))
	defer srv.Close()
	s := &site{t: t, d: d, srv: srv}
	jar, _ := cookiejar.New(nil)
	u := &user{s: s, client: &http.Client{Jar: jar}}
	u.post("/console/signin", url.Values{"key": {s.key("desk", "reader")}})
	// The budget is the core's, as for the API: words, facets and a speaker's name count
	// against it, a plain list does not.
	for _, p := range []string{"/console/search?q=NATO", "/console/queue?speaker=Kellogg", "/console/speakers/" + q.Speaker.ID} {
		if res, body := u.get(p); res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "went wrong") {
			t.Errorf("%s past its budget: %d", p, res.StatusCode)
		}
	}
	if res, _ := u.get("/console/queue"); res.StatusCode != http.StatusOK {
		t.Errorf("the plain queue under a search budget: %d", res.StatusCode)
	}
}

// Every list pages on: its "next" link leads to the following quotes, none repeated.
func TestPaging(t *testing.T) {
	s := newSite(t)
	var ins []db.QuoteInput
	for i := range 60 {
		ins = append(ins, db.QuoteInput{Text: fmt.Sprintf("NATO statement number %d", i), SpeakerName: str("Keith Kellogg"),
			OutletName: str("Fox News"), SaidOn: str(fmt.Sprintf("2025-01-%02d", i%28+1))})
	}
	if err := s.d.CreateQuotes(bg, ins); err != nil {
		t.Fatal(err)
	}
	p, _ := s.d.ListQuotes(bg, db.QuoteFilter{Limit: 1})
	q := p.Data[0]
	u := s.signIn(s.key("desk", "reader"))
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	quote := regexp.MustCompile(`href="/console/quotes/(q_[A-Z0-9]+)"`)
	for _, start := range []string{"/console/queue", "/console/search?q=NATO", "/console/speakers/" + q.Speaker.ID,
		"/console/outlets/" + q.Outlet.ID} {
		seen := map[string]bool{}
		pages := 0
		for path := start; path != ""; pages++ {
			res, body := u.get(path)
			if res.StatusCode != http.StatusOK || pages > 10 {
				t.Fatalf("%s: %d after %d pages", path, res.StatusCode, pages)
			}
			for _, m := range quote.FindAllStringSubmatch(body, -1) {
				seen[m[1]] = true
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path = html.UnescapeString(m[1])
			}
		}
		if len(seen) != 60 || pages < 3 {
			t.Errorf("%s: %d quotes over %d pages, want 60 over several", start, len(seen), pages)
		}
	}
}

// A name two speakers answer to is attached to neither from the console either: the
// confirmed extraction is refused on its row, naming both, and nothing is saved.
func TestAmbiguousSpeakerInTheConsole(t *testing.T) {
	s := newSite(t)
	var ids []string
	for _, name := range []string{"Keith Kellogg", "Frank Kellogg"} {
		sp, err := s.d.CreateSpeaker(bg, db.SpeakerInput{Name: name, Aliases: []string{"Kellogg"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sp.ID)
	}
	u := s.signIn(s.key("desk", "editor"))
	text := `"NATO isn’t on the table," Kellogg said on Sunday.`
	read, err := s.d.Propose(bg, db.Article{Text: text})
	cands := read.Candidates
	if err != nil || len(cands) != 1 {
		t.Fatalf("candidates: %+v %v", cands, err)
	}
	cd := cands[0]
	before, _ := s.d.Counts(bg)
	res, body := u.form("/console/extract", "/console/extract/confirm", url.Values{"text": {text}, "count": {"1"}, "c0.save": {"1"},
		"c0.text": {cd.Text}, "c0.speaker": {cd.SpeakerName}, "c0.start": {fmt.Sprint(cd.Start)}, "c0.end": {fmt.Sprint(cd.End)}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, ids[0]) || !strings.Contains(body, ids[1]) {
		t.Errorf("an ambiguous speaker confirmed: %d, want 409 naming %v", res.StatusCode, ids)
	}
	if after, _ := s.d.Counts(bg); after != before {
		t.Errorf("the refused confirmation wrote: %+v, then %+v", before, after)
	}
}

// The console reads an article in its language, detected or given, and says which; the
// quotes confirmed from it carry that language.
func TestExtractionLanguageInTheConsole(t *testing.T) {
	s := newSite(t)
	u := s.signIn(s.key("desk", "editor"))
	text := "Die Regierung hat am Montag beraten. „Wir werden die Ukraine weiter unterstützen“, sagte Bundeskanzler Olaf Scholz nach dem Treffen."
	for _, tt := range []struct{ given, says string }{{"", "Read as <span lang=\"en\">de</span> (detected"}, {"de-AT", "Read as <span lang=\"en\">de-AT</span> (as given)"}} {
		res, body := u.form("/console/extract", "/console/extract", url.Values{"text": {text}, "lang": {tt.given}})
		if res.StatusCode != http.StatusOK || !strings.Contains(body, tt.says) || !strings.Contains(body, `value="Olaf Scholz"`) {
			t.Errorf("given %q: %d, want %q and Scholz in\n%s", tt.given, res.StatusCode, tt.says, body)
		}
	}
	read, err := s.d.Propose(bg, db.Article{Text: text})
	if err != nil || len(read.Candidates) != 1 {
		t.Fatalf("candidates: %+v %v", read, err)
	}
	cd := read.Candidates[0]
	res, _ := u.form("/console/extract", "/console/extract/confirm", url.Values{"text": {text}, "count": {"1"}, "c0.save": {"1"},
		"c0.text": {cd.Text}, "c0.speaker": {cd.SpeakerName}, "c0.start": {fmt.Sprint(cd.Start)}, "c0.end": {fmt.Sprint(cd.End)}})
	p, err := s.d.ListQuotes(bg, db.QuoteFilter{Speaker: str("Scholz")})
	if res.StatusCode >= 400 || err != nil || len(p.Data) != 1 || p.Data[0].Lang == nil || *p.Data[0].Lang != "de" {
		t.Errorf("confirmed: %d %+v %v", res.StatusCode, p.Data, err)
	}
}

// Outlets merge from the console as speakers do: the pair is in the duplicates queue, the
// merge page says what moves, the merge lands on the survivor, its old address leads
// there, and an admin's undo brings it back; an editor sees none of it.
func TestOutletMergeInTheConsole(t *testing.T) {
	s := newSite(t)
	wsj, err := s.d.CreateOutlet(bg, db.OutletInput{Name: "The Wall Street Journal", URL: str("https://www.wsj.com")})
	if err != nil {
		t.Fatal(err)
	}
	short, err := s.d.CreateOutlet(bg, db.OutletInput{Name: "WSJ", URL: str("https://wsj.com/news")})
	if err != nil {
		t.Fatal(err)
	}
	mustQuote(t, s.d, db.QuoteInput{Text: "printed", SpeakerName: str("Someone"), OutletID: &short.ID})
	editor := s.signIn(s.key("editor", "editor"))
	if res, body := editor.get("/console/duplicates?kind=outlet"); res.StatusCode != http.StatusForbidden || strings.Contains(body, "WSJ") {
		t.Errorf("an editor's duplicates: %d", res.StatusCode)
	}
	u := s.signIn(s.key("checker", "factchecker"))
	if _, body := u.get("/console/duplicates?kind=outlet"); !strings.Contains(body, "the same web address") || !strings.Contains(body, "WSJ") {
		t.Errorf("the outlet duplicates queue lacks the pair")
	}
	page := fmt.Sprintf("/console/merge?kind=outlet&from=%s&into=%s", short.ID, wsj.ID)
	if _, body := u.get(page); !strings.Contains(body, "1 quote to the survivor") {
		t.Errorf("the merge page does not say what moves")
	}
	res, body := u.form(page, "/console/merge", url.Values{"kind": {"outlet"}, "from": {short.ID}, "into": {wsj.ID},
		"version": {"1"}, "reason": {"one paper"}})
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/console/outlets/"+wsj.ID || !strings.Contains(body, "Merged") {
		t.Fatalf("merge: %d at %s", res.StatusCode, res.Request.URL.Path)
	}
	if res, _ := u.get("/console/outlets/" + short.ID); res.Request.URL.Path != "/console/outlets/"+wsj.ID {
		t.Errorf("the merged outlet's address led to %s", res.Request.URL.Path)
	}
	admin := s.signIn(s.key("admin2", "admin"))
	merges, err := s.d.ListMerges(bg, db.MergeFilter{})
	if err != nil || len(merges.Data) != 1 {
		t.Fatalf("merges: %v %v", merges.Data, err)
	}
	res, body = admin.form("/console/merges", "/console/merges/"+merges.Data[0].ID+"/undo", url.Values{})
	if res.Request.URL.Path != "/console/outlets/"+short.ID || !strings.Contains(body, "Merge undone") {
		t.Errorf("undo: %d at %s", res.StatusCode, res.Request.URL.Path)
	}
}
