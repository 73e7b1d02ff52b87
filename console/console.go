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

// Console is the console's HTTP handler.
type Console struct {
	db    *db.DB
	opt   Options
	log   *slog.Logger
	echo  *echo.Echo
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
	c := &Console{db: d, opt: opt, log: opt.Logger, pages: pages, echo: echo.New()}
	c.routes()
	return c, nil
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.echo.ServeHTTP(w, r) }

func (c *Console) routes() {
	e := c.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = c.handleError
	e.Use(headers)
	static, _ := fs.Sub(staticFS, "static")
	e.GET(Prefix+"/static/*", echo.WrapHandler(http.StripPrefix(Prefix+"/static/", http.FileServer(http.FS(static)))))
	e.GET(Prefix, redirect(Prefix+"/queue"))
	e.GET(Prefix+"/", redirect(Prefix+"/queue"))
	e.GET(Prefix+"/signin", c.signinForm)
	e.POST(Prefix+"/signin", c.signin, sameOrigin)

	// Everything else needs a session; every POST its CSRF token.
	g := e.Group(Prefix, c.session, sameOrigin, c.csrf)
	g.POST("/signout", c.signout)
	g.GET("/queue", c.queue)
	g.POST("/quotes/:id/claim", c.claim)
	g.POST("/quotes/:id/release", c.release)
	g.GET("/quotes/:id", c.quote)
	g.POST("/quotes/:id/verdicts", c.verdict)
	g.POST("/quotes/:id/citations", c.citation)
	g.GET("/search", c.search)
	g.GET("/export", c.export)
	g.GET("/extract", c.extractForm)
	g.POST("/extract", c.extract)
	g.POST("/extract/confirm", c.confirmExtracted)
	g.GET("/speakers", c.speakers)
	g.GET("/speakers/:id", c.speaker)
	g.POST("/speakers/:id", c.updateSpeaker)
	g.GET("/outlets", c.outlets)
	g.GET("/outlets/:id", c.outlet)
	g.POST("/outlets/:id", c.updateOutlet)
	g.GET("/keys", c.keys)
	g.POST("/keys", c.createKey)
	g.POST("/keys/:id/revoke", c.revokeKey)
}

func redirect(to string) echo.HandlerFunc {
	return func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, to) }
}

// headers are every console answer's: the CSP above, no framing, no sniffing, no
// caching of pages that show a signed-in person's archive.
func headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
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
// browser says so in Sec-Fetch-Site, or in an Origin that is not this host. It guards
// the sign-in form, which has no session to hold a CSRF token yet, and backs the tokens.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			return echo.NewHTTPError(http.StatusForbidden, "this form was sent from another site")
		}
		if o := r.Header.Get("Origin"); o != "" && o != "null" {
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
	if ec.Request().Method != http.MethodGet {
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

// handleError renders what went wrong as a page: the core's codes as their statuses,
// refusals and missing things explained, failures logged and not shown.
func (c *Console) handleError(err error, ec echo.Context) {
	if ec.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "Something went wrong on our side; it has been logged."
	var he *echo.HTTPError
	var de *db.Error
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(status)
		}
	case errors.As(err, &de) && de.Code != db.Internal:
		status, msg = statusOf(de.Code), de.Message
	}
	if status >= 500 {
		c.log.Error("console", "error", err, "path", ec.Request().URL.Path)
	}
	p := &errorPage{Status: status, Message: msg}
	p.Title = http.StatusText(status)
	if rerr := c.render(ec, status, "error", p); rerr != nil {
		c.log.Error("console: render error page", "error", rerr)
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

// statusOf maps the core's error codes as the API does.
func statusOf(code string) int {
	switch code {
	case db.Malformed, db.Invalid:
		return http.StatusUnprocessableEntity
	case db.NotFound:
		return http.StatusNotFound
	case db.Conflict, db.PreconditionFailed:
		return http.StatusConflict
	case db.Unauthorized:
		return http.StatusUnauthorized
	case db.Forbidden:
		return http.StatusForbidden
	case db.Unavailable, db.Full:
		return http.StatusServiceUnavailable
	case db.Timeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}
