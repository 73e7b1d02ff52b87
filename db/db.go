// Package db is Verbatim's archive: the domain types, the inputs and their rules, who may
// do what, and every operation on quotes, speakers, outlets, citations, verdicts, keys
// and the audit trail. It keeps the archive in an Engine — SQLite (db/sqlite) or
// PostgreSQL (db/postgres) — and imports no database driver: every rule lives here once,
// and every way in (the API, the import, the command line) goes through it. It knows
// nothing of HTTP.
package db

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// DB is the archive over an engine. Its methods check the actor's permission and the
// input's rules, then read and write through the engine in one transaction each.
type DB struct {
	eng Engine
	// now is the clock; tests may replace it.
	now func() time.Time
	// rankWindow is how many of the newest matches relevance ranks (Engine.RankWindow).
	rankWindow int
	// searchTimeout is Options.SearchTimeout.
	searchTimeout time.Duration
	// admission holds Options.MaxSearches' slots.
	admission *admission
	// watch sees every commit. Until the next one, keys holds the keys requests have
	// authenticated with (by hash) — every request is authenticated — and quotes the
	// quotes read by ID: reading one from SQLite cost six times a bare Echo handler.
	watch  *watch
	keys   cache[string, APIKey]
	quotes cache[string, *Quote]
	// wake are the channels of this process's workers (webhook dispatcher, source
	// fetcher), told when a write has committed work for them.
	wakeMu sync.Mutex
	wake   []chan struct{}
	// cursorKey signs list cursors.
	cursorKey []byte
	// link decides what recorded words the archive holds already become (Options.Link).
	link LinkPolicy
	// candidates keeps the words bulk imports read for linking, between their batches.
	candidates candidateCache
	// writers remembers which keys wrote lately, so that their reads go to the primary
	// (see readHeavy).
	writers recentWriters
}

// Options tune a DB; the zero value is the default.
type Options struct {
	// RankWindow overrides the engine's rank window (Engine.RankWindow).
	RankWindow int
	// SearchTimeout is the time budget of a costly search (see ListQuotes); past it the
	// search is stopped and is a Timeout. Zero leaves searches unbounded.
	SearchTimeout time.Duration
	// MaxSearches bounds the expensive reads running at once — searches with words,
	// facet counts, a speaker's name, exports — and one client holds at most half of
	// them; past it a read waits for a slot (two seconds at most), then is Busy. Zero
	// leaves them unbounded (DefaultMaxSearches is serve's default).
	MaxSearches int
	// Link decides what recorded words the archive holds already become; the zero value
	// is DefaultLinkPolicy.
	Link LinkPolicy
}

// New opens the archive over eng, which the DB owns from then on (Close closes it).
func New(ctx context.Context, eng Engine, opt Options) (*DB, error) {
	key, err := eng.Secret(ctx, "cursor")
	if err != nil {
		return nil, fmt.Errorf("db: read the cursor key: %w", err)
	}
	d := &DB{eng: eng, now: func() time.Time { return time.Now().UTC() }, rankWindow: eng.RankWindow(),
		watch: newWatch(eng), keys: cache[string, APIKey]{max: 10000}, quotes: cache[string, *Quote]{max: 50000}, cursorKey: key}
	if opt.RankWindow > 0 {
		d.rankWindow = opt.RankWindow
	}
	d.link = DefaultLinkPolicy
	if opt.Link != (LinkPolicy{}) {
		if err := opt.Link.check(); err != nil {
			return nil, err
		}
		d.link = opt.Link
	}
	d.searchTimeout = opt.SearchTimeout
	d.admission = newAdmission(opt.MaxSearches)
	return d, nil
}

// Engine is the engine the archive is kept in, for what only one engine does (an SQLite
// backup, a size cap).
func (d *DB) Engine() Engine { return d.eng }

// Close closes the engine.
func (d *DB) Close() error { return d.eng.Close() }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.eng.Ping(ctx) }

// SchemaVersion is the migration the database is at.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) { return d.eng.SchemaVersion(ctx) }

// Verify checks the database and its search index, and counts what it holds.
func (d *DB) Verify(ctx context.Context) (Report, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return Report{}, err
	}
	return d.eng.Verify(ctx)
}

// SetClock replaces the clock, for tests that need time to stand still or move.
func (d *DB) SetClock(now func() time.Time) { d.now = now }

// maxAttempts is how many times a write is run when the database gives up on it
// (ErrRetry: a deadlock between two writers, say). Every write function starts from
// what it reads, so running it again is safe.
const maxAttempts = 5

// write runs fn in one read-write transaction, again when the engine asks for it, and
// empties the caches once it has committed.
func (d *DB) write(ctx context.Context, fn func(tx Tx) error) error {
	for attempt := 1; ; attempt++ {
		var queued bool
		err := d.eng.Write(ctx, func(tx Tx) error {
			wtx := &writeTx{Tx: tx}
			err := fn(wtx)
			if err == nil {
				err = wtx.refreshChains(ctx)
			}
			queued = wtx.queued
			return err
		})
		if errors.Is(err, ErrRetry) && attempt < maxAttempts {
			// A short, growing, jittered pause lets the writer that won go first.
			pause := time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond
			select {
			case <-time.After(pause):
				continue
			case <-ctx.Done():
				return err
			}
		}
		if errors.Is(err, ErrRetry) {
			return &Error{Code: Unavailable, Message: "the database is busy with conflicting writes; try again", err: err}
		}
		if err != nil {
			return err
		}
		d.committed()
		d.writers.wrote(actorOf(ctx).KeyID, d.now())
		if queued {
			d.signal()
		}
		return nil
	}
}

// writeTx is the transaction a write function is given. It knows whether the write
// queued work for the workers — an event to deliver, a page to fetch, a delivery to try
// again — because it is what queues it: the engine's methods that do are wrapped here, so
// the workers are woken once the write has committed (not before, when they would find
// nothing, and never for a write rolled back), and no write path has to remember to say so.
//
// It also holds back the quotes' chain summaries (RefreshChain) to the end of the write,
// each quote once and in key order: an import batch linking hundreds of records to a few
// quotes updates each of those rows once, and two batches lock them in the same order.
type writeTx struct {
	Tx
	queued bool
	chains map[int64]bool
}

func (w *writeTx) RefreshChain(ctx context.Context, quoteSeqs ...int64) error {
	if w.chains == nil {
		w.chains = map[int64]bool{}
	}
	for _, seq := range quoteSeqs {
		w.chains[seq] = true
	}
	return nil
}

// refreshChains brings every quote whose appearances the write changed up to date, all
// at once (one round trip for a corpus batch's on PostgreSQL).
func (w *writeTx) refreshChains(ctx context.Context) error {
	if len(w.chains) == 0 {
		return nil
	}
	if err := w.Tx.RefreshChain(ctx, slices.Sorted(maps.Keys(w.chains))...); err != nil {
		return fmt.Errorf("db: refresh a quote's chain: %w", err)
	}
	return nil
}

func (w *writeTx) InsertEvents(ctx context.Context, out []Outgoing) error {
	w.queued = w.queued || len(out) > 0
	return w.Tx.InsertEvents(ctx, out)
}

func (w *writeTx) InsertFetch(ctx context.Context, citationSeq int64, by string, at time.Time) error {
	w.queued = true
	return w.Tx.InsertFetch(ctx, citationSeq, by, at)
}

func (w *writeTx) ResetDelivery(ctx context.Context, seq int64, at time.Time) error {
	w.queued = true
	return w.Tx.ResetDelivery(ctx, seq, at)
}

// signal wakes the workers, without waiting: one wake-up pending is enough.
func (d *DB) signal() {
	d.wakeMu.Lock()
	defer d.wakeMu.Unlock()
	for _, c := range d.wake {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Wakeups returns a channel told whenever a write of this process has committed work
// for the workers: webhook deliveries, pages to fetch. Work other processes queue a
// worker finds by looking, now and then.
func (d *DB) Wakeups() <-chan struct{} {
	c := make(chan struct{}, 1)
	d.wakeMu.Lock()
	d.wake = append(d.wake, c)
	d.wakeMu.Unlock()
	return c
}

// read runs fn in one read transaction, so multi-statement reads see one snapshot.
func (d *DB) read(ctx context.Context, fn func(tx Tx) error) error { return d.eng.Read(ctx, fn) }

// readHeavy runs an archive-wide read (a search, an export, the feed) where the engine
// prefers — a replica, when there is one — unless the actor wrote in the last
// StickToPrimary: a client must find in a search what it has just written.
func (d *DB) readHeavy(ctx context.Context, fn func(tx Tx) error) error {
	if d.writers.recent(actorOf(ctx).KeyID, d.now()) {
		return d.eng.Read(ctx, fn)
	}
	return d.eng.ReadReplica(ctx, fn)
}

// StickToPrimary is how long after a key's write its archive-wide reads stay on the
// primary rather than a replica: far longer than a healthy replica lags.
const StickToPrimary = 10 * time.Second

// recentWriters remembers when each key last wrote through this process.
type recentWriters struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (r *recentWriters) wrote(key string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil || len(r.last) > 10000 {
		r.last = map[string]time.Time{} // old entries are past StickToPrimary anyway
	}
	r.last[key] = at
}

func (r *recentWriters) recent(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.last[key]
	return ok && now.Sub(t) < StickToPrimary
}

// Counts is how many of each resource the database holds.
type Counts struct {
	Quotes   int64 `json:"quotes"`
	Speakers int64 `json:"speakers"`
	Outlets  int64 `json:"outlets"`
}

// Report is what verifying a database found.
type Report struct {
	// Integrity is "ok" when the engine's own consistency checks pass, else what they
	// found.
	Integrity     string `json:"integrity"`
	SearchIndexOK bool   `json:"search_index_ok"` // the search index is sound and covers every quote
	Counts
	Verdicts  int64 `json:"verdicts"`
	Citations int64 `json:"citations"`
	AuditLog  int64 `json:"audit_entries"`
}

// OK reports whether every check passed.
func (r Report) OK() bool { return r.Integrity == "ok" && r.SearchIndexOK }

// Counts counts the stored resources in one snapshot.
func (d *DB) Counts(ctx context.Context) (Counts, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Counts{}, err
	}
	var c Counts
	err := d.read(ctx, func(tx Tx) error {
		var err error
		c, err = tx.Counts(ctx)
		return err
	})
	if err != nil {
		return Counts{}, fmt.Errorf("db: count: %w", err)
	}
	return c, nil
}
