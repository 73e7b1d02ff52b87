package sqlite

import (
	"context"
	"fmt"
	"math/bits"
	"sync"
)

// bandFilter is a Bloom filter of the variant band keys the archive holds, kept by the
// writer for bulk imports' look-ups (BandHolders): nineteen of twenty keys a batch asks
// for are held by no quote, and the filter answers those without probing the band index
// (at a million quotes the probes were a quarter of what linking adds to an import).
//
// It may answer "perhaps" for a key no quote holds (about one in a hundred, and keys of
// quotes since changed or deleted), never "no" for a key one does: every band written
// through this writer is added, and when anything else may have written — another
// connection committed (PRAGMA data_version moved on the writer's connection), or the
// writer's connection is not the one the filter was read on — it is read again from the
// table before it answers.
type bandFilter struct {
	mu      sync.Mutex
	bits    []uint64 // nil: not built
	keys    int      // added since built
	room    int      // keys it was sized for; beyond, its false positives grow, and well beyond it is rebuilt
	version int64    // data_version on the writer's connection when last known current
	// unfiltered counts the probes made since the filter was last dropped: it is built
	// once they have cost about what reading the table costs (a probe of the index is
	// worth some eight keys read in order), so that a small import into a large archive
	// does not read every key for a handful of look-ups.
	unfiltered int
	// hot are keys found held by more quotes than a look-up keeps (BandHolders).
	hot map[int64]bool
}

// maxHot bounds the keys remembered hot: at a million generated quotes, some 3,000 were.
const maxHot = 1 << 16

// splitHot splits keys into those not known hot and those known hot.
func (f *bandFilter) splitHot(keys []int64) (cold, hot []int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.hot) == 0 {
		return keys, nil
	}
	cold = make([]int64, 0, len(keys))
	for _, k := range keys {
		if f.hot[k] {
			hot = append(hot, k)
		} else {
			cold = append(cold, k)
		}
	}
	return cold, hot
}

// foundHot remembers a key held by more quotes than a look-up keeps. Nil-safe, as added.
func (f *bandFilter) foundHot(k int64) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hot == nil {
		f.hot = map[int64]bool{}
	}
	if len(f.hot) < maxHot {
		f.hot[k] = true
	}
}

const (
	bandFilterBitsPerKey = 10 // with bandFilterHashes, about 1% false positives at capacity
	bandFilterHashes     = 5
	bandFilterMinRoom    = 1 << 20
)

// filterMark is a temporary table, so one connection's alone: it says the filter was
// read on this connection, whose data_version it holds (values of two connections do not
// compare).
const filterMark = "band_filter_read_here"

// held returns the keys that may be held, from keys (sorted, and so is the answer). With
// no filter built yet it returns keys unchanged, and builds one when probing has cost
// enough.
func (f *bandFilter) held(ctx context.Context, t *tx, keys []int64) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var version int64
	var marked bool
	if err := t.q.QueryRowContext(ctx, `SELECT (SELECT data_version FROM pragma_data_version),
		EXISTS (SELECT 1 FROM temp.sqlite_schema WHERE name = '`+filterMark+`')`).Scan(&version, &marked); err != nil {
		return nil, fmt.Errorf("sqlite: band filter: %w", classify(err))
	}
	if f.bits != nil && f.keys > f.room+f.room/2 && marked && version == f.version {
		// Outgrown (half as many keys again as it was sized for: 4% false positives, not
		// 1%), and current: read again at once, into a larger one.
		if err := f.build(ctx, t, f.keys, len(keys)); err != nil {
			return nil, err
		}
	}
	if f.bits != nil && (!marked || version != f.version) {
		f.bits, f.unfiltered = nil, 0
	}
	if f.bits == nil {
		var stored int64
		if err := t.q.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM quotes`).Scan(&stored); err != nil {
			return nil, fmt.Errorf("sqlite: band filter: %w", classify(err))
		}
		f.unfiltered += len(keys)
		if int64(f.unfiltered) < stored { // the table holds some eight keys a quote
			return keys, nil
		}
		if err := f.build(ctx, t, int(stored)*8, len(keys)); err != nil {
			return nil, err
		}
		f.version = version
	}
	out := make([]int64, 0, len(keys)/8)
	for _, k := range keys {
		if f.has(k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// build reads every stored key (about estimate) into a filter with room for more. Each
// rebuild reads every key again, so the room is generous while small: three times the
// keys stored, and forty times the look-up's (a batch of a load, which adds about as
// many keys as it looks up, again and again: 25,000 records' make a room of 8M keys,
// a million quotes', in 10 MB); beyond 16M keys, twice the keys stored.
func (f *bandFilter) build(ctx context.Context, t *tx, estimate, looking int) error {
	if _, err := t.exec(ctx, "band filter", `CREATE TEMP TABLE IF NOT EXISTS `+filterMark+` (one)`); err != nil {
		return err
	}
	room := max(bandFilterMinRoom, 3*estimate, 40*looking)
	if estimate > 16<<20 {
		room = 2 * estimate // 10 bits a key: 40 MB for 16M keys (2M quotes)
	}
	words := 1 << bits.Len(uint(room*bandFilterBitsPerKey/64-1)) // a power of two, masked, not divided
	f.bits, f.keys, f.room = make([]uint64, words), 0, room
	rows, err := t.q.QueryContext(ctx, `SELECT key FROM quote_bands`)
	if err != nil {
		return fmt.Errorf("sqlite: band filter: %w", classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			f.bits = nil
			return fmt.Errorf("sqlite: band filter: %w", err)
		}
		f.add(k)
	}
	if err := rows.Err(); err != nil {
		f.bits = nil
		return fmt.Errorf("sqlite: band filter: %w", classify(err))
	}
	return nil
}

// added records keys written through the writer. Nothing to do before the filter is built
// (building reads them from the table), nor on a transaction without one (migrations).
func (f *bandFilter) added(keys []int64) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bits == nil {
		return
	}
	for _, k := range keys {
		f.add(k)
	}
}

func (f *bandFilter) add(k int64) {
	f.keys++
	h1, h2, mask := uint64(k), bandFilterStep(k), uint64(len(f.bits)*64-1)
	for i := range uint64(bandFilterHashes) {
		b := (h1 + i*h2) & mask
		f.bits[b/64] |= 1 << (b % 64)
	}
}

func (f *bandFilter) has(k int64) bool {
	h1, h2, mask := uint64(k), bandFilterStep(k), uint64(len(f.bits)*64-1)
	for i := range uint64(bandFilterHashes) {
		b := (h1 + i*h2) & mask
		if f.bits[b/64]&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

// bandFilterStep is the second hash of double hashing: band keys are already uniform
// hashes, so a mix of the key's own bits, odd so that every step visits a new bit.
func bandFilterStep(k int64) uint64 {
	z := uint64(k) * 0x9E3779B97F4A7C15
	return (z ^ z>>32) | 1
}
