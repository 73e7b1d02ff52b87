package console_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/console"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/web"
)

// siteWith is newSite with the archive's and the door's options.
func siteWith(t testing.TB, opt db.Options, wopt web.Options) *site {
	t.Helper()
	d := dbtest.OpenWith(t, opt)
	srv := httptest.NewServer(door(t, d, console.Options{}, wopt))
	t.Cleanup(srv.Close)
	return &site{t: t, d: d, srv: srv}
}

// The console's exports take the expensive-read slots the API's searches take: with an
// export of the console holding its key's share, the same key's API search and a second
// console export wait and are refused, while a cheap read through the API still answers.
// (Before the door was one, console exports took no slot: six of them froze a server.)
func TestConsoleExportsTakeTheAPIsSlots(t *testing.T) {
	s := siteWith(t, db.Options{MaxSearches: 2}, web.Options{})
	// An archive whose export outgrows the sockets' buffers, so that an export nobody
	// reads stays in flight holding its slot.
	word := strings.Repeat("grain exports to the Black Sea ports ", 250)
	ins := make([]db.QuoteInput, 2500)
	for i := range ins {
		ins[i] = db.QuoteInput{Text: fmt.Sprintf("%d %s", i, word), SpeakerName: str("Keith Kellogg")}
	}
	if err := s.d.CreateQuotes(bg, ins); err != nil {
		t.Fatal(err)
	}
	q := mustQuote(t, s.d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: str("Keith Kellogg")})
	secret := s.key("researcher", "reader")
	u := s.signIn(secret)

	stuck, err := u.client.Get(s.srv.URL + "/console/export?format=ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Body.Close()
	if stuck.StatusCode != http.StatusOK {
		t.Fatalf("the export: %d", stuck.StatusCode)
	}
	// Its key holds its share (one of two): another export of it, through the console or
	// the API, and its API search are refused, not queued forever.
	res, _ := u.get("/console/export?format=csv")
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a second console export of the key: %d, want 429", res.StatusCode)
	}
	api := func(path, key string) int {
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if code := api("/v1/quotes?q=grain", secret); code != http.StatusTooManyRequests {
		t.Errorf("the same key's API search beside its console export: %d, want 429", code)
	}
	// A cheap read is no expensive read: it answers at once.
	start := time.Now()
	if code := api("/v1/quotes/"+q.ID, secret); code != http.StatusOK || time.Since(start) > 5*time.Second {
		t.Errorf("a cheap read beside the export: %d after %v", code, time.Since(start))
	}
	// Another key still gets the other slot.
	if code := api("/v1/quotes?q=nato", s.key("desk", "reader")); code != http.StatusOK {
		t.Errorf("another key's search: %d", code)
	}
}

// Wrong keys sent to the sign-in form spend the address's budget, as wrong keys sent to
// the API do: a flood of guesses meets 429.
func TestSignInFloodIsThrottled(t *testing.T) {
	s := siteWith(t, db.Options{}, web.Options{Limits: web.Limits{AnonymousPerSecond: 1}}) // a burst of two
	var codes []int
	for i := range 6 {
		res, err := http.PostForm(s.srv.URL+"/console/signin", url.Values{"key": {fmt.Sprintf("vbt_guess%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != http.StatusUnauthorized || codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Errorf("sign-in flood: %v, want 401s then 429", codes)
	}
}

// A key holds at most db.MaxSessionsPerKey sessions: signing in again and again ends the
// oldest, and the newest still open.
func TestSessionsPerKeyAreCapped(t *testing.T) {
	s := newSite(t)
	secret := s.key("desk", "reader")
	var users []*user
	for range db.MaxSessionsPerKey + 3 {
		users = append(users, s.signIn(secret))
	}
	if res, _ := users[0].get("/console/queue"); res.Request.URL.Path != "/console/signin" {
		t.Errorf("the oldest of %d sessions still opens the queue", len(users))
	}
	if res, _ := users[len(users)-1].get("/console/queue"); res.StatusCode != http.StatusOK || res.Request.URL.Path != "/console/queue" {
		t.Errorf("the newest session: %d at %s", res.StatusCode, res.Request.URL.Path)
	}
}

// The extraction a quote records is the extractor's, read by the core from the article:
// a form that sends another confidence stores the extractor's, and one that names a
// span the extractor never proposed stores nothing.
func TestExtractionFormCannotForgeTheExtraction(t *testing.T) {
	s := newSite(t)
	u := s.signIn(s.key("desk", "editor"))
	article := `"We will not give up Crimea," said President Volodymyr Zelensky on Tuesday.`
	confirm := func(start, end, confidence string) (*http.Response, string) {
		return u.form("/console/extract", "/console/extract/confirm", url.Values{"text": {article}, "count": {"1"},
			"c0.save": {"1"}, "c0.text": {"We will not give up Crimea,"}, "c0.speaker": {"Volodymyr Zelensky"},
			"c0.start": {start}, "c0.end": {end}, "c0.confidence": {confidence}})
	}
	if res, body := confirm("-5", "3", "0.9"); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "proposed no quote") {
		t.Errorf("a span the extractor never proposed: %d", res.StatusCode)
	}
	read, err := s.d.Propose(bg, db.Article{Text: article})
	cands := read.Candidates
	if err != nil || len(cands) != 1 {
		t.Fatalf("the article's candidates: %+v %v", cands, err)
	}
	cd := cands[0]
	if res, _ := confirm(fmt.Sprint(cd.Start), fmt.Sprint(cd.End), "7.5"); res.StatusCode >= 400 {
		t.Fatalf("the extractor's own span: %d", res.StatusCode)
	}
	page, err := s.d.ListQuotes(bg, db.QuoteFilter{})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("stored: %d quotes, %v", len(page.Data), err)
	}
	x := page.Data[0].Extraction
	if x == nil || x.Confidence != cd.Confidence || x.Start != cd.Start || x.End != cd.End {
		t.Errorf("stored extraction %+v, want the extractor's %v at %d–%d", x, cd.Confidence, cd.Start, cd.End)
	}
}

// HEAD answers wherever GET does, with GET's status and headers.
func TestHeadOnConsolePages(t *testing.T) {
	s := newSite(t)
	u := s.signIn(s.key("desk", "admin"))
	q := mustQuote(t, s.d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: str("Keith Kellogg")})
	noRedirect := *u.client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, p := range []string{"/console/signin", "/console/queue", "/console/quotes/" + q.ID, "/console/search?q=nato",
		"/console/extract", "/console/speakers", "/console/speakers/" + q.Speaker.ID, "/console/outlets", "/console/keys",
		"/console/static/console.css", "/console", "/console/quotes/q_nope"} {
		get, err := noRedirect.Get(s.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		req, _ := http.NewRequest(http.MethodHead, s.srv.URL+p, nil)
		head, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(head.Body)
		head.Body.Close()
		if head.StatusCode != get.StatusCode || len(body) != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q (%d bytes), GET: %d %q", p, head.StatusCode, head.Header.Get("Content-Type"), len(body),
				get.StatusCode, get.Header.Get("Content-Type"))
		}
	}
	// Signed out, HEAD is sent to sign in as GET is.
	jar, _ := cookiejar.New(nil)
	anon := &http.Client{Jar: jar, CheckRedirect: noRedirect.CheckRedirect}
	req, _ := http.NewRequest(http.MethodHead, s.srv.URL+"/console/queue", nil)
	if res, err := anon.Do(req); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Errorf("HEAD signed out: %v %v", res.StatusCode, err)
	}
}

// A form posted with Origin: null — a sandboxed frame, a data: page, a cross-site
// redirect — is another site's, and is refused; so is a form another site's page posts.
func TestNullOriginIsRefused(t *testing.T) {
	s := newSite(t)
	secret := s.key("desk", "reader")
	for _, origin := range []string{"null", "https://evil.example"} {
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/console/signin", strings.NewReader("key="+secret))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
			t.Errorf("sign-in with Origin %s: %d, cookies %v", origin, res.StatusCode, res.Cookies())
		}
	}
}
