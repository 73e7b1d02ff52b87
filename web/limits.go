package web

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// Limits are the per-client budgets, the same whichever front end a request comes
// through. A rate of zero leaves that class unlimited. (The slots for expensive reads —
// searches, facet counts, exports — are the core's: db.Options.MaxSearches.)
type Limits struct {
	ReadsPerSecond     float64 // per key, for reads
	WritesPerSecond    float64 // per key, for everything that writes
	ExportsPerMinute   float64 // per key, for exports
	AnonymousPerSecond float64 // per address, for every request without a key and every wrong key
}

// Class is a budget a request spends from.
type Class string

// The budgets.
const (
	Read      Class = "read"
	Write     Class = "write"
	Export    Class = "export"
	Anonymous Class = "anonymous"
)

// perSecond is the class's rate.
func (l Limits) perSecond(class Class) float64 {
	switch class {
	case Read:
		return l.ReadsPerSecond
	case Write:
		return l.WritesPerSecond
	case Export:
		return l.ExportsPerMinute / 60
	case Anonymous:
		return l.AnonymousPerSecond
	}
	return 0
}

// ClassOf is the budget a request of method spends when it carries a key: reads for GET
// and HEAD, writes otherwise.
func ClassOf(method string) Class {
	if method == http.MethodGet || method == http.MethodHead {
		return Read
	}
	return Write
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
		if strings.HasPrefix(key, string(Export)+"|") {
			burst = max(3, burst)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim
}

// Spend takes a token from the client's bucket of the class and says how much is left in
// RateLimit-* headers; an empty bucket is a 429 with Retry-After. client is a key's ID,
// or ClientAddress for requests without one.
func (d *Door) Spend(c echo.Context, class Class, client string) error {
	perSecond := d.limits.perSecond(class)
	if perSecond <= 0 {
		return nil
	}
	now := time.Now()
	b := d.buckets.get(string(class)+"|"+client, perSecond, now)
	allowed := b.AllowN(now, 1)
	remaining := max(0, int(b.TokensAt(now)))
	h := c.Response().Header()
	h.Set("RateLimit-Limit", strconv.Itoa(b.Burst()))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	refill := int(math.Ceil(float64(b.Burst()-remaining) / perSecond))
	h.Set("RateLimit-Reset", strconv.Itoa(refill))
	if !allowed {
		wait := max(1, int(math.Ceil((1-b.TokensAt(now))/perSecond)))
		p := NewProblem(http.StatusTooManyRequests, "rate_limited",
			"the "+string(class)+" budget of this client is spent; retry after "+strconv.Itoa(wait)+" s")
		p.Header = http.Header{"Retry-After": {strconv.Itoa(wait)}}
		return p
	}
	return nil
}

// SpendAnonymous spends from the budget of the request's address: a request without a
// key, or with a wrong one — guessing keys, or flooding with bad ones, is throttled like
// any request without a key.
func (d *Door) SpendAnonymous(c echo.Context) error { return d.Spend(c, Anonymous, ClientAddress(c)) }

// ClientAddress is the address a request without a key is budgeted by: the peer's, or the
// one a trusted proxy forwarded (Options.TrustedProxies). IPv6 clients are counted by
// their /64, which one subscriber usually holds whole.
func ClientAddress(c echo.Context) string {
	ip, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return "ip:" + c.RealIP()
	}
	if ip = clientNet(ip); ip.Is6() {
		return "ip:" + ip.String() + "/64"
	}
	return "ip:" + ip.String()
}
