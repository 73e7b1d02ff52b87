package ingest

import (
	"context"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// Importer stores a batch of records; *db.DB is one.
type Importer interface {
	Import(ctx context.Context, batch []db.ImportRecord) (db.ImportResult, error)
}

// loader is an Importer that prepares for an import of many batches and finishes it
// (*db.DB is one: into an empty archive, an engine may build its indexes once at the end).
type loader interface {
	BeginLoad(ctx context.Context) (finish func(context.Context) error, err error)
}

// chunk is one batch as read: the records to import, the lines rejected while reading
// them, and the last line it covers; seq numbers the batches from 0.
type chunk struct {
	seq         int
	recs        []db.ImportRecord
	rejected    db.ImportResult
	first, last int
	err         error
}

// Batching says how Run cuts the records into transactions.
type Batching struct {
	// Size is the most records a transaction holds (at least 1).
	Size int
	// InFlight is how many batches are written at once, each in a transaction of its own
	// (at least 1): on PostgreSQL the server then works on one batch while this process
	// prepares the next.
	InFlight int
	// Budget, when set, bounds a transaction's time as well: a batch that took longer
	// makes the next ones smaller, and batches well inside it grow back towards Size.
	// SQLite has one writer for every process: a server beside an import writes between
	// its transactions, so it waits about Budget at most, never the whole of a large
	// batch (4 s for 25,000 quotes, past which its writes were refused as busy).
	Budget time.Duration
	// Rest is a pause after each transaction, for a writer in another process: SQLite's
	// busy handler looks for the lock every 100 ms at most, and a gap shorter than that
	// between two transactions may go unnoticed.
	Rest time.Duration
	// Shared, when set, is asked before each transaction whether another process uses
	// the archive: Budget and Rest apply only while it does, and an import alone runs at
	// full size and speed.
	Shared func() bool
	// Progress, when given, hears after every committed batch the totals so far and the
	// last line it held.
	Progress func(total db.ImportResult, lastLine int)
	// Load, when set, is the load (db.StartLoad) the batches belong to: each records its
	// lines and counts with it, in its own transaction.
	Load string
	// Skip are line ranges (first, last, in order) a resumed load committed already: their
	// lines are read past, neither imported nor counted again.
	Skip [][2]int
}

// firstBatch is the size a budgeted import starts at, growing from there: a first batch
// of the full size could hold the writer for seconds before anything is measured.
const firstBatch = 1000

// Run reads every record and imports them in batches, each committed on its own: an
// interrupted import can be run again, and what was committed changes nothing the second
// time.
//
// Reading, decoding and preparing the next batch runs on its own goroutine while the
// current one is written: the two take about the same time, and a machine has more than
// one core. Totals and progress follow the batches in order — a batch that commits before
// one earlier in the file is counted once those before it are — and after a batch fails,
// no later batch is counted, though one already under way may have committed (running
// the file again finds it unchanged).
func Run(ctx context.Context, rd *Reader, store Importer, b Batching) (_ db.ImportResult, err error) {
	if l, ok := store.(loader); ok {
		finish, err := l.BeginLoad(ctx)
		if err != nil {
			return db.ImportResult{}, err
		}
		// The load's end runs however the import ends: a client gone or a record that
		// failed the batch must not leave the archive without its indexes.
		defer func() {
			if ferr := finish(context.WithoutCancel(ctx)); ferr != nil && err == nil {
				err = ferr
			}
		}()
	}
	b.Size, b.InFlight = max(1, b.Size), max(1, b.InFlight)
	paced := func() bool { return b.Budget > 0 && (b.Shared == nil || b.Shared()) }
	var size atomic.Int64 // the size of the batches read from now on
	size.Store(int64(b.Size))
	if paced() {
		size.Store(int64(min(b.Size, firstBatch)))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if b.Load != "" {
		ctx = db.WithLoad(ctx, b.Load)
	}
	chunks := make(chan chunk, b.InFlight)
	go read(ctx, rd, &size, b.Skip, chunks)
	type done struct {
		c   chunk
		res db.ImportResult
		err error
	}
	results := make(chan done, b.InFlight)
	var workers sync.WaitGroup
	for range b.InFlight {
		workers.Go(func() {
			for c := range chunks {
				d := done{c: c, err: c.err}
				pace := false
				if d.err == nil && len(c.recs) > 0 {
					pace = paced()
					start := time.Now()
					d.res, d.err = store.Import(db.WithLoadChunk(ctx, c.first, c.last, c.rejected), c.recs)
					if pace {
						size.Store(int64(resize(len(c.recs), time.Since(start), b.Budget, b.Size)))
					} else {
						size.Store(int64(b.Size))
					}
				}
				results <- d
				if pace && b.Rest > 0 {
					select {
					case <-time.After(b.Rest):
					case <-ctx.Done():
					}
				}
			}
		})
	}
	// The reader stops at its next record once ctx ends; the workers drain what it sent,
	// so that nothing reads rd (a request's body, say) after Run has returned.
	go func() {
		workers.Wait()
		close(results)
	}()
	var total db.ImportResult
	pending := map[int]done{}
	next := 0
	for d := range results {
		pending[d.c.seq] = d
		for ; ; next++ {
			d, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if err != nil {
				continue // a batch before this one failed: it is not counted
			}
			if d.err != nil {
				err = d.err
				cancel()
				continue
			}
			total.Add(d.c.rejected)
			total.Add(d.res)
			total.LastLine = max(total.LastLine, d.c.last)
			if b.Progress != nil && (len(d.c.recs) > 0 || d.c.rejected.Rejected > 0) {
				b.Progress(total, d.c.last)
			}
		}
	}
	// The lines the reader refused and those storage refused, in the file's order.
	slices.SortStableFunc(total.Errors, func(a, b db.ImportLineError) int { return a.Line - b.Line })
	if err != nil {
		return total, err
	}
	return total, ctx.Err()
}

// resize is the size of the next batch after one of n records took took: scaled to fit
// budget, with a fifth to spare, when it did not; doubled, up to most, when it took less
// than half; else n again.
func resize(n int, took, budget time.Duration, most int) int {
	switch {
	case took > budget:
		return max(1, int(float64(n)*0.8*float64(budget)/float64(took)))
	case took < budget/2:
		return min(most, n*2)
	}
	return n
}

// ReadError is the input failing part way (a broken connection, a line too long, JSON
// that cannot be followed); what was committed before it stays committed.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "reading the import: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// read sends rd's records in chunks of size's records until the end, an error or ctx's
// end, past the lines in skip. size may change between chunks. A chunk ends between
// lines, never inside one (an article-centric Quotebank line holds many quotations): a
// load's batch commits whole lines, and a resumed load skips whole lines.
func read(ctx context.Context, rd *Reader, size *atomic.Int64, skip [][2]int, out chan<- chunk) {
	defer close(out)
	send := func(c chunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	n := int(size.Load())
	c := chunk{recs: make([]db.ImportRecord, 0, n)}
	for ctx.Err() == nil {
		rec, err := rd.Next()
		if err == io.EOF {
			send(c)
			return
		}
		if err != nil {
			send(chunk{seq: c.seq, err: &ReadError{Err: err}})
			return
		}
		for len(skip) > 0 && skip[0][1] < rec.Line {
			skip = skip[1:]
		}
		if len(skip) > 0 && skip[0][0] <= rec.Line {
			continue // committed by the load this one resumes
		}
		if len(c.recs) >= n && rec.Line != c.last {
			if !send(c) {
				return
			}
			n = int(size.Load())
			c = chunk{seq: c.seq + 1, recs: make([]db.ImportRecord, 0, n)}
		}
		if c.first == 0 {
			c.first = rec.Line
		}
		c.last = rec.Line
		if rec.Err != nil {
			c.rejected.Reject(rec.Err.Line, rec.Err.Field, rec.Err.Message)
			continue
		}
		rec.Prepare()
		c.recs = append(c.recs, rec.ImportRecord)
	}
}
