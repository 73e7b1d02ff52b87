// Package web is the door every front end of Verbatim comes through. The API and the
// console are mounted on one Door, side by side, by the command that serves them; the door
// gives every request the same treatment whichever front end answers it — a request ID,
// the access log and metrics, panic recovery, the security headers, the per-client
// budgets — and turns every error into one status by one table. A front end adds only
// what its medium needs: its routes, how it knows who is asking, and how it shows a
// refusal (problem+json for the API, a page for the console).
//
// No front end knows the other exists, and none speaks to storage but through the core
// (package db).
package web

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// Options configure a door.
type Options struct {
	Logger *slog.Logger // access and error logs; nil discards them
	// Limits are the per-client budgets; the zero value limits nothing.
	Limits Limits
	// TrustedProxies are the peers whose X-Forwarded-For is believed, for the client
	// address of logs and anonymous budgets. None by default: the peer's own address
	// counts, and a client cannot pick its address by sending the header.
	TrustedProxies []netip.Prefix
}

// Door is the HTTP handler the front ends are mounted on.
type Door struct {
	echo    *echo.Echo
	log     *slog.Logger
	metrics *metrics
	limits  Limits
	trusted []netip.Prefix
	buckets limiter
	// fronts are the mounted front ends, the longest prefix first: a request's refusal
	// is shown by the front end whose prefix its path has.
	fronts []front
}

type front struct {
	prefix string
	show   Shower
	wraps  []echo.MiddlewareFunc // run for every request under prefix, routed or not
}

// Shower writes a refusal in a front end's medium. It is called once per refused request,
// with the status line not yet sent.
type Shower func(c echo.Context, p *Problem)

// New builds a door with nothing mounted.
func New(opt Options) *Door {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	d := &Door{echo: e, log: opt.Logger, metrics: newMetrics(), limits: opt.Limits, trusted: opt.TrustedProxies}
	e.HTTPErrorHandler = d.handleError
	e.JSONSerializer = jsonSerializer{}
	e.IPExtractor = echo.ExtractIPDirect()
	if len(opt.TrustedProxies) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, p := range opt.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(prefixNet(p)))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	e.Use(requestID, d.observe, d.recoverPanics, securityHeaders, d.wrapped)
	return d
}

// wrapped runs the middleware the request's front end wraps every request in (Wrap).
func (d *Door) wrapped(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := d.frontFor(c.Request().URL.Path)
		if f == nil || len(f.wraps) == 0 {
			return next(c)
		}
		h := next
		for i := len(f.wraps) - 1; i >= 0; i-- {
			h = f.wraps[i](h)
		}
		return h(c)
	}
}

func prefixNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// ServeHTTP serves every front end mounted.
func (d *Door) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.echo.ServeHTTP(w, r) }

// Logger is the door's logger, for the front ends' own log lines.
func (d *Door) Logger() *slog.Logger { return d.log }

// Mount gives a front end the paths under prefix ("" for the root) and says how it shows
// refusals. The routes it adds through the returned Routes pass the door's middleware
// first, then mw.
func (d *Door) Mount(prefix string, show Shower, mw ...echo.MiddlewareFunc) *Routes {
	d.fronts = append(d.fronts, front{prefix: prefix, show: show})
	for i := len(d.fronts) - 1; i > 0 && len(d.fronts[i].prefix) > len(d.fronts[i-1].prefix); i-- {
		d.fronts[i], d.fronts[i-1] = d.fronts[i-1], d.fronts[i]
	}
	return &Routes{door: d, prefix: prefix, group: d.echo.Group(prefix, mw...)}
}

// Routes registers a front end's routes.
type Routes struct {
	door   *Door
	prefix string
	group  *echo.Group
}

// Add registers a route. A GET route answers HEAD too, with the same headers and no
// body: wherever a client may GET, it may ask for the headers alone.
func (r *Routes) Add(method, path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.group.Add(method, path, h, mw...)
	if method == http.MethodGet {
		r.group.Add(http.MethodHead, path, h, append([]echo.MiddlewareFunc{headersOnly}, mw...)...)
	}
}

// Wrap runs mw around every request under the front end's prefix, whether or not it
// matches a route: what must answer requests no route takes (CORS preflights) goes here.
func (r *Routes) Wrap(mw ...echo.MiddlewareFunc) {
	f := r.door.frontFor(r.prefix + "/")
	f.wraps = append(f.wraps, mw...)
}

// Group is a part of the front end's routes with middleware of its own.
func (r *Routes) Group(prefix string, mw ...echo.MiddlewareFunc) *Routes {
	return &Routes{door: r.door, prefix: r.prefix, group: r.group.Group(prefix, mw...)}
}

// frontFor is the front end a path belongs to: the one with the longest prefix it has.
func (d *Door) frontFor(path string) *front {
	for i := range d.fronts {
		f := &d.fronts[i]
		if f.prefix == "" || path == f.prefix || strings.HasPrefix(path, f.prefix+"/") {
			return f
		}
	}
	return nil
}

// headersOnly answers a HEAD request with the headers its GET would have and no body,
// whatever writes the answer (net/http drops HEAD bodies itself, but not every writer a
// handler is served through does).
func headersOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Writer = bodiless{c.Response().Writer}
		return next(c)
	}
}

type bodiless struct{ http.ResponseWriter }

func (b bodiless) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap lets http.ResponseController reach the connection beneath.
func (b bodiless) Unwrap() http.ResponseWriter { return b.ResponseWriter }
