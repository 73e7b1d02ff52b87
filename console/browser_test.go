package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/verbatimhq/verbatim/db"
)

// The browser tests drive the console in Debian's Chromium, headless, as the people at
// the desks would: real pages, real forms, real cookies, one browser context (a separate
// cookie jar) per person. They run serially with generous timeouts — the machines are
// small and shared. Locally they skip without Chromium; in CI they must run.
//
// VERBATIM_SCREENSHOTS=dir saves screenshots of the main pages there (docs/console).

// chromium finds the system browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("VERBATIM_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium: CI must run the console's browser tests (apt-get install chromium)")
	}
	t.Skip("the browser tests need Chromium (apt-get install chromium), or VERBATIM_CHROMIUM naming it")
	return ""
}

// axeSource is axe-core, pinned in .ci/package.json and installed by npm there.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("VERBATIM_AXE")
	if path == "" {
		path = filepath.Join("..", ".ci", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is missing (%v): CI installs it with npm ci in .ci", err)
		}
		t.Skipf("the accessibility check needs axe-core: (cd .ci && npm ci), or VERBATIM_AXE naming axe.min.js (%v)", err)
	}
	return string(b)
}

// desk is one person's browser context.
type desk struct {
	t   *testing.T
	ctx context.Context
	url string
}

type browserSite struct {
	*site
	browser context.Context
}

func newBrowserSite(t *testing.T) *browserSite {
	path := chromium(t)
	s := newSite(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 900))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	b, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(b); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browserSite{site: s, browser: b}
}

// desk opens a new browser context — its own cookies — and signs in with secret.
func (b *browserSite) desk(t *testing.T, secret string) *desk {
	t.Helper()
	d := b.anonymous(t)
	d.do(chromedp.Navigate(d.url+"/console/signin"),
		chromedp.SendKeys(chromedp.CSS("#key"), secret),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("header .who")))
	return d
}

// anonymous opens a new browser context, signed in as nobody. Its tab is opened here,
// on the context itself: a tab opened by a first action under a deadline would close
// when that deadline's context ends.
func (b *browserSite) anonymous(t *testing.T) *desk {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &desk{t: t, ctx: ctx, url: b.srv.URL}
}

func (d *desk) do(steps ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		lctx, lcancel := context.WithTimeout(d.ctx, 10*time.Second)
		defer lcancel()
		loc, _ := chromedp.Run(lctx, chromedp.Location())
		d.t.Fatalf("in the browser, at %s: %v", loc, err)
	}
}

func eval[T any](d *desk, js string) T {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		d.t.Fatalf("evaluate %.80s: %v", js, err)
	}
	return v
}

func (d *desk) open(path string) { d.t.Helper(); d.do(chromedp.Navigate(d.url + path)) }

func (d *desk) text(sel string) string {
	d.t.Helper()
	return eval[string](d, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel))
}

func (d *desk) count(sel string) int {
	d.t.Helper()
	return eval[int](d, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// submit clicks a form's button and waits for the page it leads to.
func (d *desk) submit(button, thenVisible string) {
	d.t.Helper()
	d.leave(chromedp.Click(chromedp.CSS(button)))
	d.do(chromedp.WaitVisible(chromedp.CSS(thenVisible)))
}

// leave runs an action that leaves the page, and waits until the next one has loaded:
// the old page is marked first, so that an element both pages have is not mistaken for
// the new one.
func (d *desk) leave(action chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	eval[bool](d, `window.__leaving = true`)
	d.do(action)
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
		arrived, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__leaving === undefined && document.readyState === "complete"`))
		cancel()
		if err == nil && arrived {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the page was never left: %v", err)
		}
	}
}

// tabTo presses Tab until the element sel names has the focus, as a keyboard user would.
func (d *desk) tabTo(sel string) {
	d.t.Helper()
	for range 200 {
		if eval[bool](d, fmt.Sprintf(`document.activeElement.matches(%q)`, sel)) {
			return
		}
		d.do(chromedp.KeyEvent("\t"))
	}
	d.t.Fatalf("Tab never reaches %s", sel)
}

// axe runs axe-core on the page and fails on every serious or critical violation.
func (d *desk) axe(axe, page string) {
	d.t.Helper()
	if eval[bool](d, `typeof axe === "undefined"`) {
		ctx, cancel := context.WithTimeout(d.ctx, 60*time.Second)
		defer cancel()
		// DevTools evaluation is not script the page runs: the CSP does not apply to it.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
			d.t.Fatalf("load axe-core: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(d.ctx, 60*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		d.t.Fatalf("axe on %s: %v", page, err)
	}
	var violations []struct {
		ID, Impact, Help string
		Nodes            []struct{ HTML string }
	}
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		d.t.Fatal(err)
	}
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, n.HTML)
			}
			d.t.Errorf("axe, %s: %s (%s): %s — %s", page, v.ID, v.Impact, v.Help, strings.Join(where, " | "))
		}
	}
}

func (d *desk) screenshot(name string, width int64) {
	d.t.Helper()
	dir := os.Getenv("VERBATIM_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(d.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		d.t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		d.t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		d.t.Fatal(err)
	}
}

func TestBrowser(t *testing.T) {
	b := newBrowserSite(t)
	axe := axeSource(t)
	speakerName, outlet := "Keith Kellogg", "Fox News"
	kellogg := func(text, said string, tags ...string) *db.Quote {
		return mustQuote(t, b.d, db.QuoteInput{Text: text, SpeakerName: &speakerName, SpeakerRole: str("US Special Envoy to Ukraine"),
			OutletName: &outlet, SaidOn: &said, Context: str("interview with Fox News"), Tags: tags})
	}
	nato := kellogg("NATO isn’t on the table", "2025-04-20", "nato", "ukraine")
	kellogg("We are close to a deal on minerals", "2025-03-02", "ukraine")
	witkoff := mustQuote(t, b.d, db.QuoteInput{Text: "NATO membership is not something we will discuss", SpeakerName: str("Steve Witkoff"),
		OutletName: str("Tucker Carlson Network"), SaidOn: str("2025-03-21"), Tags: []string{"nato"}})
	evil := mustQuote(t, b.d, db.QuoteInput{Text: `A <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> quote`,
		SpeakerName: str(`Mallory <b onmouseover="window.__pwned=3">Bold</b>`)})

	secrets := map[string]string{}
	for _, role := range db.Roles {
		secrets[role] = b.key("Desk "+role, role)
	}

	t.Run("each role signs in and sees what it may do", func(t *testing.T) {
		for _, role := range db.Roles {
			d := b.desk(t, secrets[role])
			d.open("/console/quotes/" + nato.ID)
			if who := d.text("header .who"); !strings.Contains(who, "Desk "+role) {
				t.Errorf("%s: header says %q", role, who)
			}
			can := (db.Actor{Role: role})
			for sel, want := range map[string]bool{
				"form[action$='/verdicts']":  can.Can(db.PermVerdict),
				"form[action$='/claim']":     can.Can(db.PermVerdict),
				"form[action$='/citations']": can.Can(db.PermEdit),
				"a[href='/console/extract']": can.Can(db.PermEdit),
				"a[href='/console/keys']":    can.Can(db.PermAdmin),
			} {
				if got := d.count(sel) > 0; got != want {
					t.Errorf("%s sees %s: %v, want %v", role, sel, got, want)
				}
			}
		}
	})

	t.Run("a factchecker works an item from the queue to a saved verdict with a new citation", func(t *testing.T) {
		d := b.desk(t, secrets["factchecker"])
		d.open("/console/queue")
		d.screenshot("queue", 1280)
		d.submit(fmt.Sprintf("form[action='/console/quotes/%s/claim'] button", nato.ID), ".claim-box form[action$='/release']")
		if !strings.Contains(d.text(".flash"), "You are working on this quote") {
			t.Errorf("after claiming: %q", d.text(".flash"))
		}
		other := b.desk(t, secrets["admin"])
		other.open("/console/queue")
		if got := other.text("table.queue"); !strings.Contains(got, "Desk factchecker is on it") {
			t.Errorf("a colleague's queue does not show the claim: %q", got)
		}
		d.do(chromedp.Click(chromedp.CSS("input[name=attribution][value=verified]")),
			chromedp.Click(chromedp.CSS("input[name=rating][value=not_checkable]")),
			chromedp.SendKeys(chromedp.CSS("#v-summary"), "Kellogg said this on Fox News on 20 April 2025; a policy position, not a checkable fact."),
			chromedp.Click(chromedp.CSS("#verdict details summary")),
			chromedp.SendKeys(chromedp.CSS("#n-url"), "https://www.foxnews.com/video/kellogg-nato"),
			chromedp.SetValue(chromedp.CSS("#n-relation"), "primary"),
			chromedp.SendKeys(chromedp.CSS("#n-title"), "Kellogg on Fox News"),
			chromedp.SendKeys(chromedp.CSS("#n-excerpt"), "“NATO isn’t on the table,” Kellogg said."))
		d.screenshot("verdict-form", 1280)
		d.submit("#verdict button[type=submit]", ".flash")
		if f := d.text(".flash"); f != "Verdict saved." {
			t.Fatalf("after the verdict: %q (error %q)", f, d.text(".error"))
		}
		if got := d.text(".timeline"); !strings.Contains(got, "Verified") || !strings.Contains(got, "policy position") {
			t.Errorf("the timeline: %q", got)
		}
		if got := d.text("#citations"); !strings.Contains(got, "Kellogg on Fox News") || !strings.Contains(got, "The excerpt contains the quote's words") {
			t.Errorf("the citations: %q", got)
		}
		d.screenshot("quote", 1280)
		q, _ := b.d.Quote(bg, nato.ID)
		cites, _ := b.d.ListCitations(bg, nato.ID, 10, nil)
		claims, _ := b.d.Claims(bg, []*db.Quote{q})
		if q.Attribution != "verified" || q.CurrentVerdict == nil || len(cites.Data) != 1 || len(q.CurrentVerdict.CitationIDs) != 1 ||
			q.CurrentVerdict.CitationIDs[0] != cites.Data[0].ID || claims[q.ID] != nil {
			t.Errorf("stored: %s, verdict %+v, %d citations, claim %v", q.Attribution, q.CurrentVerdict, len(cites.Data), claims[q.ID])
		}
		d.axe(axe, "quote with a verdict")
		other.open("/console/quotes/" + nato.ID)
		d.open("/console/queue")
		if d.count(fmt.Sprintf("a[href='/console/quotes/%s']", nato.ID)) != 0 {
			t.Errorf("a verified quote is still in the queue")
		}
	})

	t.Run("a stale verdict form is stopped, showing what changed", func(t *testing.T) {
		first := b.desk(t, secrets["factchecker"])
		second := b.desk(t, secrets["admin"])
		first.open("/console/quotes/" + witkoff.ID)
		second.open("/console/quotes/" + witkoff.ID)
		first.do(chromedp.Click(chromedp.CSS("input[name=attribution][value=disputed]")),
			chromedp.SendKeys(chromedp.CSS("#v-summary"), "Two transcripts differ on the wording."))
		first.submit("#verdict button[type=submit]", ".flash")
		second.do(chromedp.Click(chromedp.CSS("input[name=attribution][value=misattributed]")),
			chromedp.SendKeys(chromedp.CSS("#v-summary"), "Someone else said it."))
		second.submit("#verdict button[type=submit]", ".conflict")
		if got := second.text(".conflict"); !strings.Contains(got, "Desk factchecker") || !strings.Contains(got, "Disputed") ||
			!strings.Contains(got, "Two transcripts differ") {
			t.Errorf("the conflict shown: %q", got)
		}
		if got := eval[string](second, `document.querySelector("#v-summary").value`); got != "Someone else said it." {
			t.Errorf("the stale form lost what was typed: %q", got)
		}
		second.axe(axe, "verdict conflict")
		second.screenshot("conflict", 1280)
		vs, _ := b.d.ListVerdicts(bg, witkoff.ID, 10, nil)
		if len(vs.Data) != 1 || vs.Data[0].Attribution != "disputed" {
			t.Errorf("verdicts stored: %+v", vs.Data)
		}
	})

	t.Run("a reader sees no write controls and a forged post is refused", func(t *testing.T) {
		d := b.desk(t, secrets["reader"])
		for _, p := range []string{"/console/queue", "/console/quotes/" + nato.ID, "/console/speakers/" + nato.Speaker.ID,
			"/console/outlets/" + nato.Outlet.ID} {
			d.open(p)
			if n := d.count("form[method=post]:not([action='/console/signout'])"); n != 0 {
				t.Errorf("%s shows a reader %d write forms", p, n)
			}
		}
		d.open("/console/quotes/" + nato.ID)
		// The forged form carries the reader's own valid token: only the core's rule stops it.
		d.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
				const f = document.createElement("form");
				f.method = "post"; f.action = "/console/quotes/%s/verdicts";
				for (const [k, v] of Object.entries({csrf: document.querySelector("input[name=csrf]").value,
					version: "2", attribution: "misattributed", summary: "forged"})) {
					const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
				}
				document.body.appendChild(f); f.submit();
			})()`, nato.ID))(ctx, tg)
			return err
		}), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if got := d.text("main"); !strings.Contains(got, "403") || !strings.Contains(got, "reader role may not give verdicts") {
			t.Errorf("the forged verdict: %q", got)
		}
		if q, _ := b.d.Quote(bg, nato.ID); q.Attribution != "verified" {
			t.Errorf("a reader's forged verdict was stored: %s", q.Attribution)
		}
		d.axe(axe, "refusal")
	})

	t.Run("extraction to confirmed quotes", func(t *testing.T) {
		d := b.desk(t, secrets["editor"])
		d.open("/console/extract")
		d.axe(axe, "extraction form")
		article := "KYIV — “We will not give up our land,” President Volodymyr Zelensky said on Sunday in his evening address.\n\n" +
			"“The talks are going well,” said Dmitry Peskov, the Kremlin spokesman."
		d.do(chromedp.SetValue(chromedp.CSS("#a-text"), article),
			chromedp.SendKeys(chromedp.CSS("#a-url"), "https://example.com/kyiv-talks"),
			chromedp.SendKeys(chromedp.CSS("#a-outlet"), "Kyiv Post"))
		d.submit("form[action='/console/extract'] button[type=submit]", "ol.candidates")
		if n := d.count("ol.candidates > li"); n != 2 || !strings.Contains(d.text("main"), "Read as en (detected") {
			t.Fatalf("%d candidates proposed: %q", n, d.text("main"))
		}
		d.axe(axe, "extraction candidates")
		d.screenshot("extract", 1280)
		// Correct the first, drop the second.
		d.do(chromedp.SetValue(chromedp.CSS("#c0-speaker"), "Volodymyr Zelenskyy"),
			chromedp.Click(chromedp.CSS("input[name='c1.save']")))
		d.submit("form[action='/console/extract/confirm'] button[type=submit]", ".flash")
		p, err := b.d.ListQuotes(bg, db.QuoteFilter{Speaker: str("Zelenskyy")})
		if err != nil || len(p.Data) != 1 || p.Data[0].Text != "We will not give up our land" || p.Data[0].Extraction == nil ||
			p.Data[0].Outlet == nil || p.Data[0].Outlet.Name != "Kyiv Post" {
			t.Fatalf("confirmed quotes stored: %+v %v", p.Data, err)
		}
		if p, _ := b.d.ListQuotes(bg, db.QuoteFilter{Speaker: str("Peskov")}); len(p.Data) != 0 {
			t.Errorf("the unticked candidate was stored")
		}
		if !strings.Contains(d.text("table.queue"), "We will not give up our land") {
			t.Errorf("the confirmed quote is not in the queue")
		}
	})

	t.Run("search with facets and export", func(t *testing.T) {
		d := b.desk(t, secrets["reader"])
		d.open("/console/search?q=NATO")
		if n := d.count("ul.quotes li"); n != 2 {
			t.Errorf("NATO finds %d quotes", n)
		}
		if got := d.text("ul.quotes"); !strings.Contains(got, "NATO") || d.count("ul.quotes mark") == 0 {
			t.Errorf("no marked snippets: %q", got)
		}
		d.screenshot("search", 1280)
		d.axe(axe, "search")
		d.submit(".facets a[href*='speaker_id']", ".facets a[aria-current=true]")
		if n := d.count("ul.quotes li"); n != 1 {
			t.Errorf("the speaker facet left %d quotes", n)
		}
		dir := t.TempDir()
		c := chromedp.FromContext(d.ctx)
		if _, err := chromedp.CallBrowser(d.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: c.BrowserContextID, DownloadPath: dir}); err != nil {
			t.Fatal(err)
		}
		d.do(chromedp.Click(chromedp.CSS(".export a[href$='format=csv']")))
		var csv []byte
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if b, err := os.ReadFile(filepath.Join(dir, "verbatim-search.csv")); err == nil && len(b) > 0 {
				csv = b
				break
			}
		}
		lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
		if len(lines) != 2 || !strings.Contains(lines[1], "NATO") {
			t.Errorf("the exported search: %q", csv)
		}
	})

	t.Run("markup renders as text and the policy blocks inline script", func(t *testing.T) {
		d := b.desk(t, secrets["admin"])
		for _, p := range []string{"/console/queue", "/console/quotes/" + evil.ID, "/console/search?q=quote", "/console/speakers/" + evil.Speaker.ID} {
			d.open(p)
			if n := d.count("main script, main img, main b"); n != 0 {
				t.Errorf("%s: %d elements from the archive's markup", p, n)
			}
			if !strings.Contains(d.text("main"), "<script>") {
				t.Errorf("%s does not show the markup as text", p)
			}
		}
		pwned := eval[string](d, `(() => {
			const s = document.createElement("script");
			s.textContent = "window.__pwned = 'inline'";
			document.body.appendChild(s);
			return String(window.__pwned);
		})()`)
		if pwned != "undefined" {
			t.Errorf("an inline script ran: window.__pwned = %s", pwned)
		}
	})

	// The API reference beside the console: Swagger UI's scripts and styles run under
	// its policy, and it shows this server's operations. (Under the door's default
	// policy the page once loaded nothing at all.)
	t.Run("the API reference renders under its policy", func(t *testing.T) {
		d := b.anonymous(t)
		d.open("/docs")
		d.do(chromedp.WaitVisible(chromedp.CSS(".opblock-summary-method")))
		if n := d.count(".opblock"); n < 50 {
			t.Errorf("the reference shows %d operations", n)
		}
		if bg := eval[string](d, `getComputedStyle(document.querySelector(".opblock-summary-method")).backgroundColor`); bg == "rgba(0, 0, 0, 0)" {
			t.Error("Swagger UI's stylesheet did not apply")
		}
		if title := d.text(".info .title"); !strings.Contains(title, "Verbatim") {
			t.Errorf("the reference's title is %q", title)
		}
	})

	t.Run("a verdict given with the keyboard alone", func(t *testing.T) {
		q := kellogg("Peace through strength", "2025-05-01")
		d := b.desk(t, secrets["factchecker"])
		d.open("/console/quotes/" + q.ID)
		d.do(chromedp.KeyEvent("\t"))
		if got := eval[string](d, `document.activeElement.textContent`); got != "Skip to content" {
			t.Errorf("the first Tab reaches %q, not the skip link", got)
		}
		if outline := eval[string](d, `getComputedStyle(document.activeElement).outlineStyle`); outline == "none" {
			t.Errorf("the focused link shows no outline")
		}
		d.tabTo("input[name=attribution]")
		// unverified → verified → paraphrased → out_of_context → disputed
		d.do(chromedp.KeyEvent(kb.ArrowDown + kb.ArrowDown + kb.ArrowDown + kb.ArrowDown))
		d.tabTo("#v-summary")
		d.do(chromedp.KeyEvent("Sources disagree on the wording."))
		d.tabTo("#verdict button[type=submit]")
		d.leave(chromedp.KeyEvent("\r"))
		if got, _ := b.d.Quote(bg, q.ID); got.Attribution != "disputed" || got.CurrentVerdict == nil ||
			got.CurrentVerdict.Summary != "Sources disagree on the wording." {
			t.Errorf("the keyboard verdict stored: %s %+v", got.Attribution, got.CurrentVerdict)
		}
	})

	t.Run("every page passes the accessibility check", func(t *testing.T) {
		signin := b.anonymous(t)
		signin.open("/console/signin")
		signin.axe(axe, "sign-in")
		signin.screenshot("signin", 1280)
		d := b.desk(t, secrets["admin"])
		for _, p := range []string{"/console/queue", "/console/queue?age=30d", "/console/quotes/" + witkoff.ID, "/console/search",
			"/console/search?q=NATO&attribution=verified", "/console/speakers", "/console/speakers/" + nato.Speaker.ID,
			"/console/outlets", "/console/outlets/" + nato.Outlet.ID, "/console/keys", "/console/quotes/q_missing"} {
			d.open(p)
			d.axe(axe, p)
		}
		d.open("/console/speakers/" + nato.Speaker.ID)
		d.screenshot("speaker", 1280)
		d.open("/console/queue")
		d.screenshot("queue-phone", 390)
	})
}

// A fact-checker finds a duplicate speaker in the queue, compares the pair side by side,
// merges it and follows the merged speaker's old address to the survivor; dismisses a pair
// that is two people; an admin undoes the merge.
func TestBrowserMerges(t *testing.T) {
	b := newBrowserSite(t)
	axe := axeSource(t)
	sp := func(name string, qid *string) *db.Speaker {
		s, err := b.d.CreateSpeaker(bg, db.SpeakerInput{Name: name, WikidataQID: qid})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	keith, initial := sp("Keith Kellogg", str("Q6385264")), sp("K. Kellogg", nil)
	frank := sp("Frank Pallone", nil)
	sp("F. Pallone", nil)
	mustQuote(t, b.d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerID: &keith.ID, SaidOn: str("2025-04-20")})
	for _, text := range []string{"A ceasefire within 100 days", "We are close to a deal"} {
		mustQuote(t, b.d, db.QuoteInput{Text: text, SpeakerID: &initial.ID})
	}
	checker, admin, editor := b.key("Desk checker", "factchecker"), b.key("Desk admin", "admin"), b.key("Desk editor", "editor")

	if d := b.desk(t, editor); d.count("a[href='/console/duplicates']") != 0 {
		t.Error("an editor is shown the duplicates, which only fact-checkers and admins may merge")
	}
	d := b.desk(t, checker)
	d.open("/console/duplicates")
	if got := d.text("table.duplicates"); !strings.Contains(got, "K. Kellogg") || !strings.Contains(got, "Keith Kellogg") ||
		!strings.Contains(got, "given names that agree") {
		t.Fatalf("the duplicates queue: %q", got)
	}
	d.axe(axe, "duplicates")
	d.screenshot("duplicates", 1280)
	// The pair that is two people is dismissed.
	d.submit(fmt.Sprintf("form:has(input[name=a][value='%s']) button, form:has(input[name=b][value='%s']) button", frank.ID, frank.ID), ".flash")
	if got := d.text("main"); strings.Contains(got, "Pallone") || !strings.Contains(got, "not suggested again") {
		t.Errorf("after dismissing the Pallones: %q", got)
	}
	// Compare, then merge K. Kellogg into Keith Kellogg.
	d.open(fmt.Sprintf("/console/merge?kind=speaker&from=%s&into=%s", initial.ID, keith.ID))
	if got := d.text("main"); !strings.Contains(got, "2 quotes to the survivor") || !strings.Contains(got, "After the merge") ||
		!strings.Contains(got, "K. Kellogg") {
		t.Fatalf("the merge page: %q", got)
	}
	d.axe(axe, "merge")
	d.screenshot("merge", 1280)
	d.do(chromedp.SendKeys(chromedp.CSS("#m-reason"), "the same general"))
	d.submit("form[aria-label=Merge] button[type=submit]", ".flash")
	if loc := eval[string](d, `location.pathname`); loc != "/console/speakers/"+keith.ID || !strings.Contains(d.text(".flash"), "Merged") {
		t.Errorf("after the merge: at %s, %q", loc, d.text(".flash"))
	}
	if got := d.text("#counts-h"); !strings.HasPrefix(got, "3 quotes") {
		t.Errorf("the survivor's quotes: %q", got)
	}
	// The merged speaker's old address leads to the survivor.
	d.open("/console/speakers/" + initial.ID)
	if loc := eval[string](d, `location.pathname`); loc != "/console/speakers/"+keith.ID {
		t.Errorf("the merged speaker's address led to %s", loc)
	}
	// A merge the core refuses is shown, with the reason.
	d.open(fmt.Sprintf("/console/merge?kind=speaker&from=%s&into=%s", keith.ID, keith.ID))
	if got := d.text(".error"); !strings.Contains(got, "cannot be merged into itself") || d.count("form[aria-label=Merge]") != 0 {
		t.Errorf("a merge into itself: %q", got)
	}
	// An admin undoes it.
	a := b.desk(t, admin)
	a.open("/console/merges")
	a.submit("form[action$='/undo'] button", ".flash")
	if loc := a.text("h1"); loc != "K. Kellogg" || !strings.Contains(a.text(".flash"), "Merge undone") {
		t.Errorf("after the undo: %q, %q", loc, a.text(".flash"))
	}
	// Positions over time, edited in the console, give its quotes' roles.
	d.open("/console/speakers/" + keith.ID)
	d.do(chromedp.Click(chromedp.CSS("details summary")))
	d.do(chromedp.SendKeys(chromedp.CSS("#sp-positions"), "US Special Envoy to Ukraine | 2025-01 |"))
	d.submit("form[action='/console/speakers/"+keith.ID+"'] button[type=submit]", ".flash")
	if got := d.text(".facts"); !strings.Contains(got, "US Special Envoy to Ukraine from 2025-01, still") {
		t.Errorf("the speaker's positions: %q", got)
	}
	if got := d.text("ul.quotes"); !strings.Contains(got, "Keith Kellogg, US Special Envoy to Ukraine") {
		t.Errorf("the quotes show no position held on the day: %q", got)
	}
}

// The chain on a quote's page, the desk's links and the checked quotes reappearing: a
// fact-checker sees the timeline with the changed words marked, confirms a suggested link
// (the newer quote folds in, its address leads to the survivor), rejects another and pins
// the first appearance; an editor sees the chain but no decisions to take.
func TestBrowserChain(t *testing.T) {
	b := newBrowserSite(t)
	axe := axeSource(t)
	const words = "NATO isn’t on the table for Ukraine, and we have said so to Kyiv and to Moscow"
	fox := mustQuote(t, b.d, db.QuoteInput{Text: words, SpeakerName: str("Keith Kellogg"), SaidOn: str("2025-04-20"), OutletName: str("Fox News")})
	kyiv := mustQuote(t, b.d, db.QuoteInput{Text: "NATO is not on the table for Ukraine, and we have said so to Kyiv and to Moscow",
		SpeakerName: str("Keith Kellogg"), SaidOn: str("2025-04-21"), OutletName: str("Kyiv Post")})
	if kyiv.Link == nil || kyiv.Link.Outcome != "appearance" {
		t.Fatalf("the Kyiv Post's words: %+v", kyiv.Link)
	}
	spokesman := mustQuote(t, b.d, db.QuoteInput{Text: words, SpeakerName: str("A Spokesman"), OutletName: str("Reuters"), SaidOn: str("2025-04-22")})
	rt := mustQuote(t, b.d, db.QuoteInput{Text: "NATO is on the table for Ukraine, and we have said so to Kyiv and to Moscow",
		SpeakerName: str("Keith Kellogg"), OutletName: str("RT")})
	if spokesman.Link == nil || rt.Link == nil || rt.Link.Outcome != "suggested" {
		t.Fatalf("the suggestions: %+v %+v", spokesman.Link, rt.Link)
	}
	checker, editor := b.key("Desk checker", "factchecker"), b.key("Desk editor", "editor")

	e := b.desk(t, editor)
	e.open("/console/quotes/" + fox.ID)
	if got := e.text("#chain"); !strings.Contains(got, "Kyiv Post") || e.count("#chain form") != 0 {
		t.Errorf("an editor's chain: %q, %d forms", got, e.count("#chain form"))
	}
	d := b.desk(t, checker)
	d.open("/console/links")
	if got := d.text("main"); !strings.Contains(got, "A Spokesman") && !strings.Contains(got, "NATO is on the table") {
		t.Errorf("the links page: %q", got)
	}
	d.axe(axe, "links")
	d.open("/console/quotes/" + fox.ID)
	if got := d.text("#chain"); !strings.Contains(got, "isn’t") || d.count("#chain del") == 0 || d.count("#chain ins") == 0 {
		t.Errorf("the changed words are not marked: %q", got)
	}
	d.axe(axe, "quote chain")
	d.screenshot("chain", 1280)
	// RT's words drop the negation: rejected.
	d.submit(fmt.Sprintf("form[action$='/appearances/%s/review'] button[value=reject]", rt.Link.Appearance.ID), ".flash")
	if !strings.Contains(d.text(".flash"), "Rejected") {
		t.Errorf("after rejecting: %q", d.text(".flash"))
	}
	// The spokesman's copy is Kellogg's words: confirmed, the quote folds in.
	d.submit(fmt.Sprintf("form[action$='/appearances/%s/review'] button[value=confirm]", spokesman.Link.Appearance.ID), ".flash")
	if got := d.text("#chain"); !strings.Contains(d.text(".flash"), "Confirmed") || !strings.Contains(got, "Reuters") {
		t.Errorf("after confirming: %q / %q", d.text(".flash"), got)
	}
	d.open("/console/quotes/" + spokesman.ID)
	if loc := eval[string](d, `location.pathname`); loc != "/console/quotes/"+fox.ID {
		t.Errorf("the merged quote's address led to %s", loc)
	}
	// The Reuters appearance pinned as the first.
	d.do(chromedp.SendKeys(chromedp.CSS("#reason-"+spokesman.Link.Appearance.ID), "Reuters had the wire first"))
	d.submit(fmt.Sprintf("form:has(input[name=appearance_id][value='%s']) button", spokesman.Link.Appearance.ID), ".flash")
	if got := d.text("#chain"); !strings.Contains(got, "pinned: Reuters had the wire first") {
		t.Errorf("the pin: %q", got)
	}
}
