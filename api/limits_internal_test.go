package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// However many addresses a flood comes from, the buckets kept stay bounded; the clients
// already known keep their own.
func TestBucketsStayBounded(t *testing.T) {
	t.Parallel()
	var l limiter
	now := time.Now()
	known := l.get("anonymous|ip:192.0.2.1", 1, now)
	for i := range maxBuckets + 5000 {
		l.get(fmt.Sprintf("anonymous|ip:10.%d.%d.%d", i>>16&255, i>>8&255, i&255), 1, now)
	}
	if n := len(l.buckets); n > maxBuckets+2 {
		t.Errorf("%d buckets kept, the cap is %d", n, maxBuckets)
	}
	if l.get("anonymous|ip:192.0.2.1", 1, now) != known {
		t.Error("a known client lost its bucket to the flood")
	}
	if a, b := l.get("anonymous|ip:203.0.113.1", 1, now), l.get("anonymous|ip:203.0.113.2", 1, now); a != b {
		t.Error("past the cap, new clients do not share the overflow bucket")
	}
}

// Past --max-searches an expensive read waits for a slot, then is refused; a slot freed
// in time lets it through; and one client may not hold more than half the slots, running
// or waiting.
func TestSearchSlotsQueueThenRefuse(t *testing.T) {
	t.Parallel()
	s := NewServer(nil, Config{Limits: Limits{MaxSearches: 1}})
	release := make(chan struct{})
	held := make(chan struct{})
	search := func(remote string, block bool) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/quotes?q=grain", nil)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		c := s.echo.NewContext(req, rec)
		c.SetPath("/v1/quotes")
		err := s.rateLimit(func(c echo.Context) error {
			if block {
				close(held)
				<-release
			}
			return c.NoContent(http.StatusOK)
		})(c)
		if p, ok := err.(*problem); ok {
			return p.status
		}
		return rec.Code
	}
	first := make(chan int)
	go func() { first <- search("192.0.2.1:1", true) }()
	<-held
	// The same client again is refused at once: it holds its share of the slots.
	start := time.Now()
	if code := search("192.0.2.1:2", false); code != http.StatusTooManyRequests || time.Since(start) > time.Second {
		t.Errorf("the holding client's second search: %d after %v, want an immediate 429", code, time.Since(start))
	}
	// Another client waits for the slot, then is refused.
	start = time.Now()
	if code := search("198.51.100.1:1", false); code != http.StatusTooManyRequests || time.Since(start) < searchQueueWait {
		t.Errorf("with the slot held: %d after %v, want 429 after %v", code, time.Since(start), searchQueueWait)
	}
	queued := make(chan int)
	go func() { queued <- search("198.51.100.2:1", false) }()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if code := <-queued; code != http.StatusOK {
		t.Errorf("a search queued behind a slot freed in time: %d", code)
	}
	if code := <-first; code != http.StatusOK {
		t.Errorf("the first search: %d", code)
	}
}
