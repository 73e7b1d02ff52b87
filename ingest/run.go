package ingest

import (
	"context"
	"io"
	"sync"

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
	seq      int
	recs     []db.ImportRecord
	rejected db.ImportResult
	last     int
	err      error
}

// Run reads every record and imports them in batches of size batch, each committed on its
// own. progress, when given, hears after every committed batch the totals so far and the
// last line it held: an interrupted import can be run again, and what was committed
// changes nothing the second time.
//
// Reading, decoding and preparing the next batch runs on its own goroutine while the
// current one is written: the two take about the same time, and a machine has more than
// one core.
func Run(ctx context.Context, rd *Reader, store Importer, batch int, progress func(total db.ImportResult, lastLine int)) (db.ImportResult, error) {
	return RunConcurrently(ctx, rd, store, batch, 1, progress)
}

// RunConcurrently is Run with up to inFlight batches written at once, each in a
// transaction of its own: on PostgreSQL the server then works on one batch while this
// process prepares the next. Totals and progress follow the batches in order — a batch
// that commits before one earlier in the file is counted once those before it are — and
// after a batch fails, no later batch is counted, though one already under way may have
// committed (running the file again finds it unchanged).
func RunConcurrently(ctx context.Context, rd *Reader, store Importer, batch, inFlight int,
	progress func(total db.ImportResult, lastLine int)) (_ db.ImportResult, err error) {
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
	inFlight = max(1, inFlight)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, inFlight)
	go read(ctx, rd, batch, chunks)
	type done struct {
		c   chunk
		res db.ImportResult
		err error
	}
	results := make(chan done, inFlight)
	var workers sync.WaitGroup
	for range inFlight {
		workers.Go(func() {
			for c := range chunks {
				d := done{c: c, err: c.err}
				if d.err == nil && len(c.recs) > 0 {
					d.res, d.err = store.Import(ctx, c.recs)
				}
				results <- d
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
			if progress != nil && (len(d.c.recs) > 0 || d.c.rejected.Rejected > 0) {
				progress(total, d.c.last)
			}
		}
	}
	if err != nil {
		return total, err
	}
	return total, ctx.Err()
}

// ReadError is the input failing part way (a broken connection, a line too long, JSON
// that cannot be followed); what was committed before it stays committed.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "reading the import: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// read sends rd's records in chunks of batch until the end, an error or ctx's end.
func read(ctx context.Context, rd *Reader, batch int, out chan<- chunk) {
	defer close(out)
	send := func(c chunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	c := chunk{recs: make([]db.ImportRecord, 0, batch)}
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
		c.last = rec.Line
		if rec.Err != nil {
			c.rejected.Reject(rec.Err.Line, rec.Err.Field, rec.Err.Message)
			continue
		}
		rec.Prepare()
		c.recs = append(c.recs, rec.ImportRecord)
		if len(c.recs) == batch {
			if !send(c) {
				return
			}
			c = chunk{seq: c.seq + 1, recs: make([]db.ImportRecord, 0, batch)}
		}
	}
}
