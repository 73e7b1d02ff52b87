package web

import (
	"fmt"
	"testing"
	"time"
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
