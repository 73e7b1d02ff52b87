// Package console serves the fact-checkers' and researchers' web console at /console:
// server-rendered html/template pages embedded in the binary, plain forms, no script.
//
// It goes through the same core as the API. A session stands for the API key it was
// opened with and every operation runs as that key's actor, so the core's permission
// checks, rules and audit apply exactly as they do to the API; the console only decides
// which controls to show.
package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the console is served.
const Prefix = "/console"

// maxForm is the largest form the console reads: an article pasted for extraction, sent
// back with its proposed quotes.
const maxForm = 2 << 20

// cookieName holds the session token. Its Path is the console's, so the API never sees it.
const cookieName = "verbatim_session"

// csp allows the console's own stylesheet and nothing else: no script at all, inline or
// not, no frames, forms posting only back to the console.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// Options configure the console.
type Options struct {
	Logger *slog.Logger
	// SessionTTL is how long a sign-in lasts; 12 hours when zero.
	SessionTTL time.Duration
	// SecureCookies marks the session cookie Secure even on plain-HTTP requests: for a
	// console behind a TLS-terminating proxy. Requests over TLS always get Secure.
	SecureCookies bool
	// Publisher names the organisation in the ClaimReview preview.
	Publisher claimreview.Publisher
}

// Console is the console's pages, mounted on a door.
type Console struct {
	db    *db.DB
	opt   Options
	log   *slog.Logger
	door  *web.Door
	pages map[string]*template.Template
}

// New builds the console over d.
func New(d *db.DB, opt Options) (*Console, error) {
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Console{db: d, opt: opt, log: opt.Logger, pages: pages}, nil
}

// Mount puts the console's pages on the door, under Prefix.
func (c *Console) Mount(d *web.Door) {
	c.door = d
	r := d.Mount(Prefix, c.showError, headers)
	static, _ := fs.Sub(staticFS, "static")
	r.Add(http.MethodGet, "/static/*", echo.WrapHandler(http.StripPrefix(Prefix+"/static/", http.FileServer(http.FS(static)))))
	r.Add(http.MethodGet, "", redirect(Prefix+"/queue"))
	r.Add(http.MethodGet, "/", redirect(Prefix+"/queue"))
	r.Add(http.MethodGet, "/signin", c.signinForm)
	r.Add(http.MethodPost, "/signin", c.signin, sameOrigin)

	// Everything else needs a session, spends its key's budget as the API's requests do,
	// and every POST needs its CSRF token.
	g := r.Group("", c.session, c.budget, sameOrigin, c.csrf)
	g.Add(http.MethodPost, "/signout", c.signout)
	g.Add(http.MethodGet, "/queue", c.queue)
	g.Add(http.MethodPost, "/quotes/:id/claim", c.claim)
	g.Add(http.MethodPost, "/quotes/:id/release", c.release)
	g.Add(http.MethodGet, "/quotes/:id", c.quote)
	g.Add(http.MethodPost, "/quotes/:id/verdicts", c.verdict)
	g.Add(http.MethodPost, "/quotes/:id/citations", c.citation)
	g.Add(http.MethodPost, "/quotes/:id/appearances/:aid/review", c.reviewLink)
	g.Add(http.MethodPost, "/quotes/:id/first-appearance", c.pinFirst)
	g.Add(http.MethodGet, "/links", c.links)
	g.Add(http.MethodGet, "/search", c.search)
	g.Add(http.MethodGet, "/export", c.export)
	g.Add(http.MethodGet, "/extract", c.extractForm)
	g.Add(http.MethodPost, "/extract", c.extract)
	g.Add(http.MethodPost, "/extract/confirm", c.confirmExtracted)
	g.Add(http.MethodGet, "/speakers", c.speakers)
	g.Add(http.MethodGet, "/speakers/:id", c.speaker)
	g.Add(http.MethodPost, "/speakers/:id", c.updateSpeaker)
	g.Add(http.MethodGet, "/outlets", c.outlets)
	g.Add(http.MethodGet, "/outlets/:id", c.outlet)
	g.Add(http.MethodPost, "/outlets/:id", c.updateOutlet)
	g.Add(http.MethodGet, "/duplicates", c.duplicates)
	g.Add(http.MethodPost, "/duplicates/dismiss", c.dismiss)
	g.Add(http.MethodGet, "/merge", c.mergeForm)
	g.Add(http.MethodPost, "/merge", c.merge)
	g.Add(http.MethodGet, "/merges", c.merges)
	g.Add(http.MethodPost, "/merges/:id/undo", c.undoMerge)
	g.Add(http.MethodGet, "/keys", c.keys)
	g.Add(http.MethodPost, "/keys", c.createKey)
	g.Add(http.MethodPost, "/keys/:id/revoke", c.revokeKey)
}

// budget spends the session's key's budget for the page, from the same buckets the API
// spends: a key is one client, whichever door it comes through.
func (c *Console) budget(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ec echo.Context) error {
		class := web.ClassOf(ec.Request().Method)
		if ec.Path() == Prefix+"/export" {
			class = web.Export
		}
		if err := c.door.Spend(ec, class, sessionOf(ec).Key.ID); err != nil {
			return err
		}
		return next(ec)
	}
}

func redirect(to string) echo.HandlerFunc {
	return func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, to) }
}

// headers are every console answer's, over the door's: the CSP above (the door's
// allows no stylesheet), the referrer kept within the site, no caching of pages that show
// a signed-in person's archive. A form is read here, under the console's own size cap.
func headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(c.Request().URL.Path, Prefix+"/static/") {
			h.Set("Cache-Control", "no-store")
		}
		if r := c.Request(); r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(c.Response(), r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is larger than the console takes (%d MiB).", maxForm>>20))
				}
				return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
			}
		}
		return next(c)
	}
}

// sameOrigin refuses a state-changing request another site made the browser send: the
// browser says so in Sec-Fetch-Site, or in an Origin that is not this host — or that is
// "null", which browsers send for a form posted from a sandboxed frame, a data: page or
// after a cross-site redirect: never for this console's own forms. It guards the sign-in
// form, which has no session to hold a CSRF token yet, and backs the tokens.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			return echo.NewHTTPError(http.StatusForbidden, "this form was sent from another site")
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || u.Host != r.Host {
				return echo.NewHTTPError(http.StatusForbidden, "this form was sent from another site")
			}
		}
		return next(c)
	}
}

type sessionKey struct{}

// session finds the request's session and runs the request as its key; without one,
// pages send the browser to the sign-in form.
func (c *Console) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ec echo.Context) error {
		r := ec.Request()
		ck, err := r.Cookie(cookieName)
		if err != nil || ck.Value == "" {
			return c.toSignin(ec)
		}
		s, err := c.db.Session(r.Context(), ck.Value)
		if db.ErrorCode(err) == db.Unauthorized {
			c.clearCookie(ec)
			return c.toSignin(ec)
		}
		if err != nil {
			return err
		}
		ctx := db.WithActor(r.Context(), s.Actor())
		ctx = context.WithValue(ctx, sessionKey{}, s)
		ec.SetRequest(r.WithContext(ctx))
		return next(ec)
	}
}

func sessionOf(ec echo.Context) *db.Session {
	s, _ := ec.Request().Context().Value(sessionKey{}).(*db.Session)
	return s
}

func (c *Console) toSignin(ec echo.Context) error {
	if m := ec.Request().Method; m != http.MethodGet && m != http.MethodHead {
		return echo.NewHTTPError(http.StatusUnauthorized, "not signed in, or the session has ended")
	}
	return ec.Redirect(http.StatusSeeOther, Prefix+"/signin?next="+url.QueryEscape(ec.Request().URL.RequestURI()))
}

// csrf checks every POST's token against its session's, in constant time.
func (c *Console) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ec echo.Context) error {
		if ec.Request().Method != http.MethodPost {
			return next(ec)
		}
		s := sessionOf(ec)
		got := ec.FormValue("csrf")
		if s == nil || subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden, "the form's security token is missing or stale; reload the page and try again")
		}
		return next(ec)
	}
}

func (c *Console) setCookie(ec echo.Context, value string, expires time.Time) {
	http.SetCookie(ec.Response(), &http.Cookie{Name: cookieName, Value: value, Path: Prefix, Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.opt.SecureCookies || ec.Request().TLS != nil})
}

func (c *Console) clearCookie(ec echo.Context) {
	http.SetCookie(ec.Response(), &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.opt.SecureCookies || ec.Request().TLS != nil})
}

func (c *Console) signinForm(ec echo.Context) error {
	return c.render(ec, http.StatusOK, "signin", &signinPage{Next: safeNext(ec.QueryParam("next"))})
}

type signinPage struct {
	base
	Next string
}

func (c *Console) signin(ec echo.Context) error {
	p := &signinPage{Next: safeNext(ec.FormValue("next"))}
	s, token, err := c.db.OpenSession(ec.Request().Context(), strings.TrimSpace(ec.FormValue("key")), c.opt.SessionTTL)
	if db.ErrorCode(err) == db.Unauthorized {
		// A wrong key spends its address's budget, as a wrong key sent to the API does:
		// guessing keys through the sign-in form is throttled like guessing them there.
		if err := c.door.SpendAnonymous(ec); err != nil {
			return err
		}
		p.Error = "That key is not valid, or it has been revoked."
		return c.render(ec, http.StatusUnauthorized, "signin", p)
	}
	if err != nil {
		return err
	}
	c.setCookie(ec, token, s.ExpiresAt)
	return ec.Redirect(http.StatusSeeOther, p.Next)
}

// safeNext keeps a redirect after sign-in inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Prefix + "/queue"
	}
	return next
}

func (c *Console) signout(ec echo.Context) error {
	if ck, err := ec.Request().Cookie(cookieName); err == nil {
		if err := c.db.CloseSession(ec.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.clearCookie(ec)
	return ec.Redirect(http.StatusSeeOther, Prefix+"/signin")
}

// showError shows a refusal as a page: the door's status and what it says, failures
// logged by the door and not shown.
func (c *Console) showError(ec echo.Context, p *web.Problem) {
	msg := p.Detail
	if p.Status >= 500 && p.Code == db.Internal {
		msg = "Something went wrong on our side; it has been logged."
	}
	page := &errorPage{Status: p.Status, Message: msg}
	page.Title = http.StatusText(p.Status)
	if err := c.render(ec, p.Status, "error", page); err != nil {
		c.log.Error("console: render error page", "error", err)
	}
}

type errorPage struct {
	base
	Status  int
	Message string
}

// onPage reports whether a refusal is the form's to show — the input was wrong or stale
// — rather than the whole page's: nothing to show, not allowed, or our failure.
func onPage(err error) bool {
	switch db.ErrorCode(err) {
	case db.Malformed, db.Invalid, db.Conflict, db.PreconditionFailed, db.Timeout:
		return true
	}
	return false
}

// formStatus is the status of a form the core refused: the door's (web.Status), but for
// a stale version, which is 409 Conflict here rather than 412 Precondition Failed — a
// form carries its version in a field, not in an If-Match header, and 412 would speak of
// a header the browser never sent.
func formStatus(err error) int {
	code := db.ErrorCode(err)
	if code == db.PreconditionFailed {
		return http.StatusConflict
	}
	return web.Status(code)
}
