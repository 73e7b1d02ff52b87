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

// Run reads every record and imports them in batches of size batch, each committed on its
// own. progress, when given, hears after every committed batch the totals so far and the
// last line it held: an interrupted import can be run again, and what was committed
// changes nothing the second time.
func Run(ctx context.Context, rd *Reader, store Importer, batch int, progress func(total db.ImportResult, lastLine int)) (db.ImportResult, error) {
	var total db.ImportResult
	pending := make([]db.ImportRecord, 0, batch)
	flush := func(last int) error {
		if len(pending) == 0 {
			return nil
		}
		res, err := store.Import(ctx, pending)
		if err != nil {
			return err
		}
		total.Add(res)
		pending = pending[:0]
		if progress != nil {
			progress(total, last)
		}
		return nil
	}
	last := 0
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return total, err
		}
		last = rec.Line
		if rec.Err != nil {
			total.Reject(rec.Err.Line, rec.Err.Field, rec.Err.Message)
			continue
		}
		pending = append(pending, rec.ImportRecord)
		if len(pending) == batch {
			if err := flush(last); err != nil {
				return total, err
			}
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
	return total, flush(last)
}
