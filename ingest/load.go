package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"

	"github.com/verbatimhq/verbatim/db"
)

// LoadStore is an Importer that records loads; *db.DB is one.
type LoadStore interface {
	Importer
	StartLoad(ctx context.Context, in db.LoadInput) (*db.Load, error)
	ResumeLoad(ctx context.Context, in db.LoadInput) (*db.Load, [][2]int, error)
	FinishLoad(ctx context.Context, id, sha256 string, failed bool) (*db.Load, error)
}

// Load imports src as one load: recorded before its first batch (who, when, what
// source), each batch's lines and counts with it as they commit, and at the end its
// state and the SHA-256 of every byte of src. With resume it carries on the caller's
// latest unfinished load of the same source, past the lines that load committed (or
// starts one, when there is none); a load killed part way is carried on this way,
// nothing read twice, nothing lost.
//
// Options the reader refuses (an unknown format, a bad mapping) are an *OptionsError,
// and no load is recorded.
func Load(ctx context.Context, src io.Reader, opt Options, store LoadStore, b Batching, in db.LoadInput, resume bool) (db.ImportResult, *db.Load, error) {
	h := sha256.New()
	tee := io.TeeReader(src, h)
	rd, err := NewReader(tee, opt)
	if err != nil {
		return db.ImportResult{}, nil, &OptionsError{Err: err}
	}
	if in.Format == "" {
		in.Format = "ndjson"
	}
	var load *db.Load
	if resume {
		load, b.Skip, err = store.ResumeLoad(ctx, in)
		var e *db.Error
		if errors.As(err, &e) && e.Code == db.NotFound {
			load, err = store.StartLoad(ctx, in) // nothing to carry on: this is the first run
		}
	} else {
		load, err = store.StartLoad(ctx, in)
	}
	if err != nil {
		return db.ImportResult{}, nil, err
	}
	b.Load = load.ID
	res, err := Run(ctx, rd, store, b)
	sum := ""
	if err == nil {
		// The reader stops at the last record; the hash is of the whole source.
		if _, cerr := io.Copy(io.Discard, tee); cerr == nil {
			sum = hex.EncodeToString(h.Sum(nil))
		}
	}
	// However the import ended, the load says so; a process killed never gets here, and
	// its load stays running, for --resume.
	res.LoadID = load.ID
	done, ferr := store.FinishLoad(context.WithoutCancel(ctx), load.ID, sum, err != nil)
	if ferr != nil {
		return res, load, errors.Join(err, ferr)
	}
	return res, done, err
}

// OptionsError is the reader refusing the import's options: nothing was read or loaded.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }
