package db

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// DefaultMaxSearches is serve's --max-searches: one expensive read per core but one, and
// at least two. Fewer than the database's reader connections (two per core), so cheap
// reads always find a connection; at least two, so that one client — who may hold half of
// them — never holds them all. Measured on two cores under hostile searches
// (docs/BENCHMARKS.md): a cheap read's p99 is 2.7 times its idle value with one slot, 10
// times with two, 1,700 times with eight.
func DefaultMaxSearches() int { return max(2, runtime.NumCPU()-1) }

// searchQueueWait is how long an expensive read waits for a slot before it is refused:
// a researcher's burst queues briefly instead of failing at once.
const searchQueueWait = 2 * time.Second

// admission bounds the expensive reads running at once — searches with words, facet
// counts, a speaker's name, exports — whichever way they come in (the API, the console,
// the command line), and one client's share of them. The zero value admits everything.
type admission struct {
	slots chan struct{} // nil: unbounded
	share int           // how many one client may hold, running or waiting

	mu     sync.Mutex
	client map[string]int // the clients with expensive reads running or waiting
}

func newAdmission(n int) *admission {
	if n <= 0 {
		return &admission{}
	}
	return &admission{slots: make(chan struct{}, n), share: max(1, n/2), client: map[string]int{}}
}

// enter takes a slot for ctx's actor, waiting searchQueueWait at most, and returns what
// gives it back. Busy when the actor already holds its share, or no slot frees in time.
func (a *admission) enter(ctx context.Context) (func(), error) {
	if a.slots == nil {
		return func() {}, nil
	}
	who := actorOf(ctx)
	client := who.KeyID
	if client == "" {
		client = "name:" + who.Name // the anonymous public share one budget
	}
	a.mu.Lock()
	if a.client[client] >= a.share {
		a.mu.Unlock()
		return nil, &Error{Code: Busy, Message: "this client already has as many searches running or queued as it may; retry when one has answered"}
	}
	a.client[client]++
	a.mu.Unlock()
	leave := func() {
		a.mu.Lock()
		if a.client[client]--; a.client[client] <= 0 {
			delete(a.client, client) // the map holds only clients with reads in flight
		}
		a.mu.Unlock()
	}
	wait := time.NewTimer(searchQueueWait)
	defer wait.Stop()
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots; leave() }, nil
	case <-wait.C:
		leave()
		return nil, &Error{Code: Busy, Message: "too many searches are running; retry in a second"}
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}

// costly reports whether a list of quotes is one of the expensive reads: words to match,
// facets to count or a speaker's name to look for.
func (f *QuoteFilter) costly() bool { return f.Q != nil || len(f.Facets) > 0 || f.Speaker != nil }
