package db

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// Quotes read by ID are cached until the database changes. Whoever changes it — this
// process through the quote or its speaker, or another process on the same file — the
// next read says what the database says, also for a request marked Fresh before its own
// write.
func TestQuoteCacheNeverServesStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	server, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	name := "Keith Kellogg"
	q, err := server.CreateQuote(ctx, QuoteInput{Text: "NATO isn't on the table", SpeakerName: &name})
	if err != nil {
		t.Fatal(err)
	}
	read := func(ctx context.Context) *Quote {
		t.Helper()
		got, err := server.Quote(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	read(ctx) // cached from here on

	steps := []struct {
		name     string
		external bool // a request begun before another process's write may see its start
		write    func(ctx context.Context) error
		check    func(*Quote) bool
	}{
		{"text edited by this process", false, func(ctx context.Context) error {
			_, err := server.UpdateQuote(ctx, q.ID, nil, QuotePatch{Text: set("NATO is not on the table")})
			return err
		}, func(got *Quote) bool { return got.Text == "NATO is not on the table" && got.Version == 2 }},
		{"speaker renamed by this process", false, func(ctx context.Context) error {
			_, err := server.UpdateSpeaker(ctx, q.Speaker.ID, nil, SpeakerPatch{Name: set("Keith P. Kellogg")})
			return err
		}, func(got *Quote) bool { return got.Speaker.Name == "Keith P. Kellogg" }},
		{"text edited by another process", true, func(ctx context.Context) error {
			_, err := other.UpdateQuote(ctx, q.ID, nil, QuotePatch{Text: set("Ukraine in NATO is off the table")})
			return err
		}, func(got *Quote) bool { return got.Text == "Ukraine in NATO is off the table" && got.Version == 3 }},
	}
	for _, st := range steps {
		// A request marked before its own write reads the write back; a later one reads
		// every write.
		fresh, err := server.Fresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		read(fresh)
		if err := st.write(fresh); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		readers := []context.Context{fresh, ctx} // the marked request first: the cache is at its generation
		if st.external {
			readers = readers[1:]
		}
		for _, c := range readers {
			if got := read(c); !st.check(got) {
				t.Errorf("%s: read %q by %q, version %d", st.name, got.Text, got.Speaker.Name, got.Version)
			}
		}
		// What a caller sets on its copy never reaches the cache.
		read(ctx).PossibleDuplicates = []SimilarQuote{{Score: 1}}
		if got := read(ctx); got.PossibleDuplicates != nil {
			t.Errorf("%s: a caller's change reached the cache", st.name)
		}
	}
	if err := server.DeleteQuote(ctx, q.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Quote(ctx, q.ID); ErrorCode(err) != NotFound {
		t.Errorf("after delete: %v", err)
	}
}

// A read that began before a write of this process commits may hold the old value; its
// put is refused, so the writer's own read afterwards cannot be served the old value.
func TestCachePutAfterClearIsRefused(t *testing.T) {
	t.Parallel()
	c := cache[string, int]{max: 10}
	_, ok, token := c.get(1, "q")
	if ok {
		t.Fatal("hit in an empty cache")
	}
	c.clear() // a write commits while the read is under way
	c.put(1, token, "q", 41)
	if v, ok, _ := c.get(1, "q"); ok {
		t.Fatalf("stale value %d served after a commit", v)
	}
	_, _, token = c.get(1, "q")
	c.put(1, token, "q", 42)
	if v, ok, _ := c.get(1, "q"); !ok || v != 42 {
		t.Fatalf("fresh value: %d, %v", v, ok)
	}
	if _, ok, _ := c.get(2, "q"); ok {
		t.Fatal("a value of an older generation served")
	}
	_, _, token = c.get(2, "q")
	c.put(2, token, "q", 43)
	c.put(1, token, "q", 40) // read at an older generation: refused
	if v, ok, _ := c.get(2, "q"); !ok || v != 43 {
		t.Fatalf("after an older put: %d, %v", v, ok)
	}
}

// Concurrent callers share reads of the version, yet every caller sees every commit made
// before it asked.
func TestWatchSeesEveryEarlierCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "watch.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 { // callers that keep the watch busy
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					if _, err := d.watch.generation(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	for i := range 50 {
		before, err := d.watch.generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.CreateSpeaker(ctx, SpeakerInput{Name: fmt.Sprint("S", i)}); err != nil {
			t.Fatal(err)
		}
		after, err := d.watch.generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after <= before {
			t.Fatalf("commit %d: generation %d before, %d after", i, before, after)
		}
	}
	close(stop)
	wg.Wait()
}
