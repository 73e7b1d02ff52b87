package api

import (
	"math"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// Limits are the per-client budgets. A rate of zero leaves that class unlimited.
type Limits struct {
	ReadsPerSecond     float64 // per key, for GET requests
	WritesPerSecond    float64 // per key, for everything that writes
	ExportsPerMinute   float64 // per key, for /v1/export
	AnonymousPerSecond float64 // per address, for every request without a key
	// MaxSearches bounds the expensive reads running at once across all clients — full-
	// text searches, facet counts, speaker-name filters and exports; past it a request
	// waits for a slot (searchQueueWait at most), then is answered 429.
	MaxSearches int
	// (Their time budget is the core's, db.Options.SearchTimeout, so that it holds for
	// the console too; past it a search is answered 503.)
}

// DefaultMaxSearches is serve's --max-searches: one expensive read per core but one, and
// at least one. Fewer than the database's reader connections (two per core), so cheap
// reads always find a connection; and a core left over, so they find CPU too. Measured
// on two cores under hostile searches (docs/BENCHMARKS.md): a cheap read's p99 is 2.7
// times its idle value with one slot, 10 times with two, 1,700 times with eight.
func DefaultMaxSearches() int { return max(1, runtime.NumCPU()-1) }

// searchQueueWait is how long an expensive read waits for a slot before it is refused:
// a researcher's burst queues briefly instead of failing at once.
const searchQueueWait = 2 * time.Second

// expensive reports whether a request is one of the reads MaxSearches bounds.
func expensive(c echo.Context) bool {
	switch c.Path() {
	case "/v1/export":
		return true
	case "/v1/quotes":
		for _, p := range []string{"q", "facets", "speaker"} {
			if c.QueryParam(p) != "" {
				return true
			}
		}
	}
	return false
}

// bucketIdle is how long an unused bucket is kept; a returning client starts full.
const bucketIdle = 10 * time.Minute

// maxBuckets bounds the buckets kept. Past it, clients not yet seen share one bucket per
// class until idle ones are forgotten: memory stays bounded however many addresses a
// flood comes from, and the clients already known keep their own budgets.
const maxBuckets = 100_000

// limiter holds one token bucket per client and class.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func (l *limiter) get(key string, perSecond float64, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	if now.Sub(l.swept) > time.Minute { // forget idle clients, so the map stays small
		for k, b := range l.buckets {
			if now.Sub(b.seen) > bucketIdle {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil && len(l.buckets) >= maxBuckets {
		class, _, _ := strings.Cut(key, "|")
		key = class + "|overflow"
		b = l.buckets[key]
	}
	if b == nil {
		// Two seconds' worth may come at once; for exports, at least three, so that a
		// researcher can export NDJSON, then CSV, then retry, without a 429 at a few
		// exports a minute.
		burst := max(1, int(math.Ceil(perSecond*2)))
		if strings.HasPrefix(key, "export|") {
			burst = max(3, burst)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim
}

// spend takes a token from the client's bucket of the class and says how much is left in
// RateLimit-* headers; an empty bucket is a 429 with Retry-After. A rate of zero spends
// nothing.
func (s *Server) spend(c echo.Context, class, client string, perSecond float64) error {
	if perSecond <= 0 {
		return nil
	}
	now := time.Now()
	b := s.limits.get(class+"|"+client, perSecond, now)
	allowed := b.AllowN(now, 1)
	remaining := max(0, int(b.TokensAt(now)))
	h := c.Response().Header()
	h.Set("RateLimit-Limit", strconv.Itoa(b.Burst()))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	refill := int(math.Ceil(float64(b.Burst()-remaining) / perSecond))
	h.Set("RateLimit-Reset", strconv.Itoa(refill))
	if !allowed {
		wait := max(1, int(math.Ceil((1-b.TokensAt(now))/perSecond)))
		p := newProblem(http.StatusTooManyRequests, "rate_limited",
			"the "+class+" budget of this client is spent; retry after "+strconv.Itoa(wait)+" s")
		p.header = http.Header{"Retry-After": {strconv.Itoa(wait)}}
		return p
	}
	return nil
}

// clientAddress is the address a request without a key is budgeted by: the peer's, or
// the one a trusted proxy forwarded (Config.TrustedProxies). IPv6 clients are counted by
// their /64, which one subscriber usually holds whole.
func clientAddress(c echo.Context) string {
	ip, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return "ip:" + c.RealIP()
	}
	if ip.Is6() && !ip.Is4In6() {
		p, _ := ip.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + ip.Unmap().String()
}

// perClient counts each client's expensive reads, running or waiting for a slot.
type perClient struct {
	mu sync.Mutex
	n  map[string]int
}

// enter counts one more for client unless it already has limit.
func (p *perClient) enter(client string, limit int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == nil {
		p.n = map[string]int{}
	}
	if p.n[client] >= limit {
		return false
	}
	p.n[client]++
	return true
}

func (p *perClient) leave(client string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n[client]--; p.n[client] <= 0 {
		delete(p.n, client) // the map holds only clients with reads in flight
	}
}

// rateLimit spends a token from the client's bucket for the request's class and says how
// much is left in RateLimit-* headers; an empty bucket is a 429 with Retry-After. Searches
// and exports also take a slot of the shared budget of expensive work.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lim := s.cfg.Limits
		req := c.Request()
		if c.Path() == "/healthz" || c.Path() == "/readyz" || c.Path() == "/metrics" {
			return next(c) // probes and scrapers are never throttled
		}
		p, _ := c.Get(principalKey).(principal)
		client, class, perSecond := "", "", 0.0
		switch {
		case p.key == nil:
			client, class, perSecond = clientAddress(c), "anonymous", lim.AnonymousPerSecond
		case c.Path() == "/v1/export":
			client, class, perSecond = p.key.ID, "export", lim.ExportsPerMinute/60
		case req.Method == http.MethodGet || req.Method == http.MethodHead:
			client, class, perSecond = p.key.ID, "read", lim.ReadsPerSecond
		default:
			client, class, perSecond = p.key.ID, "write", lim.WritesPerSecond
		}
		if err := s.spend(c, class, client, perSecond); err != nil {
			return err
		}
		if expensive(c) && lim.MaxSearches > 0 {
			// One client holds at most half the slots, running or waiting: a flood from
			// one key queues behind itself, not in front of everyone else.
			if !s.expensiveFor.enter(client, max(1, lim.MaxSearches/2)) {
				p := newProblem(http.StatusTooManyRequests, "busy",
					"this client already has as many searches running or queued as it may; retry when one has answered")
				p.header = http.Header{"Retry-After": {"1"}}
				return p
			}
			defer s.expensiveFor.leave(client)
			wait := time.NewTimer(searchQueueWait)
			select {
			case s.searches <- struct{}{}:
				wait.Stop()
				defer func() { <-s.searches }()
			case <-wait.C:
				p := newProblem(http.StatusTooManyRequests, "busy", "too many searches are running; retry in a second")
				p.header = http.Header{"Retry-After": {"1"}}
				return p
			case <-req.Context().Done():
				wait.Stop()
				return req.Context().Err()
			}
		}
		return next(c)
	}
}

// securityHeaders tells browsers to treat answers as data: no sniffing, no framing, no
// referrer, and no scripts outside the documentation page.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if p := c.Path(); p != "/docs" && p != "/docs/*" {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		return next(c)
	}
}

// cors allows the configured origins to call the API from browsers. Off unless
// configured.
func (s *Server) cors() echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: s.cfg.CORSOrigins,
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
		AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-Match", "If-None-Match", echo.HeaderXRequestID},
		ExposeHeaders: []string{"ETag", echo.HeaderLocation, echo.HeaderXRequestID, "Retry-After",
			"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"},
		MaxAge: 600,
	})
}
