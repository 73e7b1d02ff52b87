package ingest

import (
	"context"
	"io"

	"github.com/verbatimhq/verbatim/db"
)

// Importer stores a batch of records; *db.DB is one.
type Importer interface {
	Import(ctx context.Context, batch []db.ImportRecord) (db.ImportResult, error)
}

// chunk is one batch as read: the records to import, the lines rejected while reading
// them, and the last line it covers.
type chunk struct {
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
	ctx, cancel := context.WithCancel(ctx)
	chunks := make(chan chunk, 1)
	go read(ctx, rd, batch, chunks)
	defer func() {
		// The reader stops at its next record; wait for it, so that nothing reads rd
		// (a request's body, say) after Run has returned.
		cancel()
		for range chunks {
		}
	}()
	var total db.ImportResult
	for c := range chunks {
		if c.err != nil {
			return total, c.err
		}
		total.Add(c.rejected)
		if len(c.recs) > 0 {
			res, err := store.Import(ctx, c.recs)
			if err != nil {
				return total, err
			}
			total.Add(res)
		}
		total.LastLine = max(total.LastLine, c.last)
		if progress != nil && (len(c.recs) > 0 || c.rejected.Rejected > 0) {
			progress(total, c.last)
		}
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
			send(chunk{err: &ReadError{Err: err}})
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
			c = chunk{recs: make([]db.ImportRecord, 0, batch)}
		}
	}
}
