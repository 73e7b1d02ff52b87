package db

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// candidateCache keeps, between the batches of a bulk import, the words of the quotes
// linking judged or made, with their features: a load reads the same stored candidates
// again and again (at a million generated quotes, 2.04M reads of 446k quotes, six in ten
// of them among the newest 200,000), and reading one and making its features cost about
// 3 µs each. It holds the newest quotes, and follows every change to a quote's words or
// speaker through Tx.QuotesChanged; an engine that cannot tell what changed (PostgreSQL)
// has it emptied at every batch.
type candidateCache struct {
	mu      sync.Mutex
	entries map[int64]*candidate
	// gen counts the refreshes that dropped anything: what a batch read is kept only if
	// nothing was dropped since that batch's own refresh, which might otherwise have
	// been the news of a change to words the batch read before it.
	gen uint64
}

// candidateCacheSize is how many quotes the cache keeps, the newest: some 130 MB.
const candidateCacheSize = 1 << 18

// candidateStage is what one batch read and made, kept once its transaction committed.
type candidateStage struct {
	gen  uint64
	read []*candidate
}

// refresh drops what changed since the last refresh, and returns the stage of the batch
// about to read. A write transaction calls it before reading any candidate.
func (c *candidateCache) refresh(ctx context.Context, tx Tx) (*candidateStage, error) {
	changed, all, err := tx.QuotesChanged(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: link candidates: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case all:
		c.entries = nil
		c.gen++
	case len(changed) > 0:
		for _, seq := range changed {
			delete(c.entries, seq)
		}
		c.gen++
	}
	return &candidateStage{gen: c.gen}, nil
}

// get returns the kept candidates of seqs (by key) and the keys it does not keep.
func (c *candidateCache) get(seqs []int64) (kept map[int64]*candidate, missing []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept = make(map[int64]*candidate, len(seqs))
	for _, seq := range seqs {
		if e := c.entries[seq]; e != nil {
			kept[seq] = e
		} else {
			missing = append(missing, seq)
		}
	}
	return kept, missing
}

// keep adds a committed batch's stage, unless something changed since it was begun.
func (c *candidateCache) keep(s *candidateStage) {
	if s == nil || len(s.read) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.gen != c.gen {
		return
	}
	if c.entries == nil {
		c.entries = make(map[int64]*candidate, len(s.read))
	}
	for _, e := range s.read {
		c.entries[e.Seq] = e
	}
	if over := len(c.entries) - candidateCacheSize; over > candidateCacheSize/4 {
		// Dropped a quarter at a time, the oldest: a band's candidates are its newest
		// holders, so old quotes are read least.
		seqs := slices.Sorted(maps.Keys(c.entries))
		for _, seq := range seqs[:over] {
			delete(c.entries, seq)
		}
	}
}
