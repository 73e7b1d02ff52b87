package db

import (
	"context"
	"fmt"
	"sync"
)

// watch tells whether anything has been committed to the database since it last looked —
// by this process or another, such as `verbatim keys revoke` run beside a server, or
// another server on the same PostgreSQL database — so that what is cached in memory is
// dropped the moment it may be stale. It asks the engine for its data version (SQLite's
// data_version, PostgreSQL's current snapshot), which changes with every commit.
//
// Under load many requests ask at once; one read serves all who asked before it began
// (a read that was already under way when a caller asked cannot answer it: the commit
// the caller must see may have come after it), so the engine is never a queue.
type watch struct {
	eng Engine

	mu       sync.Mutex
	done     *sync.Cond // signalled when a read finishes
	running  bool       // a read is under way
	started  uint64     // reads begun
	finished uint64     // the number of the latest read to finish
	err      error      // its error
	last     string     // the data version as last read
	gen      uint64     // counts the changes seen
}

func newWatch(eng Engine) *watch {
	w := &watch{eng: eng}
	w.done = sync.NewCond(&w.mu)
	return w
}

// generation is a number that moves whenever the database has changed since the last
// read: it reflects every commit made before the call.
func (w *watch) generation(ctx context.Context) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	need := w.started + 1 // the first read to begin after this call
	for w.finished < need {
		if w.running {
			w.done.Wait()
			continue
		}
		w.running = true
		w.started++
		n := w.started
		w.mu.Unlock()
		// This read answers other callers too: one caller giving up must not fail it.
		v, err := w.eng.DataVersion(context.WithoutCancel(ctx))
		w.mu.Lock()
		w.running, w.finished, w.err = false, n, err
		if err == nil && v != w.last {
			w.last = v
			w.gen++
		}
		w.done.Broadcast()
	}
	if w.err != nil {
		return 0, fmt.Errorf("db: data version: %w", w.err)
	}
	return w.gen, nil
}

// freshKey carries, through a request's context, the generation read when it began.
type freshKey struct{}

// Fresh returns ctx marked with the database's generation now, so that the caches serve
// everything read for it at least as new as this moment without looking again.
func (d *DB) Fresh(ctx context.Context) (context.Context, error) {
	gen, err := d.watch.generation(ctx)
	if err != nil {
		return nil, err
	}
	return context.WithValue(ctx, freshKey{}, gen), nil
}

// generation is the generation ctx was marked with by Fresh, or else the current one.
// Writes through this DB empty the caches as they commit (see committed), so a request
// that writes and then reads sees its own write although its mark is older.
func (d *DB) generation(ctx context.Context) (uint64, error) {
	if gen, ok := ctx.Value(freshKey{}).(uint64); ok {
		return gen, nil
	}
	return d.watch.generation(ctx)
}

// committed empties the caches after a write of this process has committed.
func (d *DB) committed() {
	d.keys.clear()
	d.quotes.clear()
}

// cache holds values read from the database for as long as nothing in it changes: the
// first read after any commit — by this process or another — finds the cache stale and
// starts it afresh, so nothing is ever served that the database no longer says.
//
// A value is read between a get that missed and its put; a write of this process that
// commits in between empties the cache (clear) and moves its epoch, and the put, holding
// the epoch of its get, is then dropped: what it read may predate the write.
type cache[K comparable, V any] struct {
	mu     sync.RWMutex
	gen    uint64 // the database's generation the values were read at
	epoch  uint64 // moves with every clear
	values map[K]V
	max    int
}

// get returns the value stored for k at generation gen, or else the token to put the
// value with once it is read.
func (c *cache[K, V]) get(gen uint64, k K) (v V, ok bool, token uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen == gen {
		if v, ok = c.values[k]; ok {
			return v, true, 0
		}
	}
	return v, false, c.epoch
}

// put stores v, read at generation gen after a get that returned token. A full cache
// starts afresh: entries live only until the next commit, so there is little to keep.
func (c *cache[K, V]) put(gen, token uint64, k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen || token != c.epoch {
		return // read before a change another request has seen, or this process made
	}
	if gen != c.gen || c.values == nil || len(c.values) >= c.max {
		c.values, c.gen = make(map[K]V), gen
	}
	c.values[k] = v
}

// clear drops every entry and refuses the puts of reads already under way.
func (c *cache[K, V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values = nil
	c.epoch++
}
