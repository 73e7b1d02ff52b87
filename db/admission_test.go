package db

import (
	"context"
	"testing"
	"time"
)

// Past MaxSearches an expensive read waits for a slot, then is refused; a slot freed in
// time lets it through; and one client may not hold more than half the slots, running or
// waiting — with the default floor of two, one key never holds them all.
func TestSearchSlotsQueueThenRefuse(t *testing.T) {
	t.Parallel()
	a := newAdmission(2)
	as := func(key string) context.Context {
		return WithActor(context.Background(), Actor{Name: key, KeyID: "key_" + key, Role: "reader"})
	}
	leaveA, err := a.enter(as("a"))
	if err != nil {
		t.Fatal(err)
	}
	// The same client again is refused at once: it holds its share of the slots.
	start := time.Now()
	if _, err := a.enter(as("a")); ErrorCode(err) != Busy || time.Since(start) > time.Second {
		t.Errorf("the holding client's second search: %v after %v, want an immediate Busy", err, time.Since(start))
	}
	// Another client takes the other slot at once: one key cannot starve a second.
	leaveB, err := a.enter(as("b"))
	if err != nil {
		t.Fatalf("a second client with a slot free: %v", err)
	}
	// A third waits for a slot, then is refused.
	start = time.Now()
	if _, err := a.enter(as("c")); ErrorCode(err) != Busy || time.Since(start) < searchQueueWait {
		t.Errorf("with every slot held: %v after %v, want Busy after %v", err, time.Since(start), searchQueueWait)
	}
	queued := make(chan error)
	go func() {
		leave, err := a.enter(as("d"))
		if err == nil {
			leave()
		}
		queued <- err
	}()
	time.Sleep(100 * time.Millisecond)
	leaveA()
	if err := <-queued; err != nil {
		t.Errorf("a search queued behind a slot freed in time: %v", err)
	}
	leaveB()
	if len(a.client) != 0 {
		t.Errorf("clients still counted after every read left: %v", a.client)
	}
	// Unbounded admits everything.
	if leave, err := newAdmission(0).enter(context.Background()); err != nil {
		t.Error(err)
	} else {
		leave()
	}
}

func TestDefaultMaxSearchesHasAFloorOfTwo(t *testing.T) {
	if n := DefaultMaxSearches(); n < 2 {
		t.Errorf("DefaultMaxSearches() = %d, want at least 2", n)
	}
}
