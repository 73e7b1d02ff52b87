package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/ingest"
)

// maxImportBytes caps one import request; larger archives go in several files, or
// through verbatim import on the server's machine.
const maxImportBytes = 512 << 20

// handleImport godoc
//
//	@Summary		Bulk import quotes
//	@ID				importQuotes
//	@Description	Loads NDJSON (the export shape, which round-trips exactly, or the create shape with optional external_id, verdicts, citations and rating_label), CSV or TSV through a column mapping (map=text=3,speaker=5,external_id=1+2; numbers from 1 or header names), or schema.org ClaimReview JSON-LD (an array or one object per line). Records are committed in batches of 1,000; a bad record never stops the rest and is listed with its line and the problem. Importing the same file twice creates nothing new: a record's external_id (or, without one, its words, speaker and date) identifies it. Rating labels go through the fact-check label normaliser; unknown labels are rejected, never guessed. Send an Idempotency-Key to have a retried request answered with the first result instead of running again.
//	@Tags			quotes
//	@Accept			application/x-ndjson,text/csv,text/tab-separated-values,application/ld+json,application/octet-stream
//	@Produce		json
//	@Security		BearerAuth
//	@Param			format			query		string	false	"ndjson (default), csv, tsv or claimreview"	Enums(ndjson, csv, tsv, claimreview)
//	@Param			map				query		string	false	"CSV/TSV column mapping"
//	@Param			header			query		bool	false	"the first CSV/TSV row names the columns"
//	@Param			Idempotency-Key	header		string	false	"a key of your choosing: a repeat of the request replays the first result"
//	@Success		200				{object}	db.ImportResult
//	@Failure		400				{object}	Problem	"an unknown format, a bad mapping or an unreadable file"
//	@Failure		401				{object}	Problem	"no valid API key"
//	@Failure		403				{object}	Problem	"the key's role may not do this"
//	@Failure		413				{object}	Problem	"body over 512 MiB"
//	@Failure		429				{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507				{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/import [post]
func (s *Server) handleImport(c echo.Context) error {
	q, err := readQuery(c, "format", "map", "header")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	idem := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	if len(idem) > 200 {
		return badRequest("Idempotency-Key", "must be at most 200 characters")
	}
	if idem != "" {
		if prev, err := s.store.ImportRun(ctx, idem); err == nil {
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.JSON(http.StatusOK, prev)
		} else if db.ErrorCode(err) != db.NotFound {
			return err
		}
	}
	opt := ingest.Options{Map: q.values.Get("map"), Header: q.values.Get("header") == "true"}
	if f, err := q.oneOf("format", ingest.Formats); err != nil {
		return err
	} else if f != nil {
		opt.Format = *f
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxImportBytes)
	rd, err := ingest.NewReader(body, opt)
	if err != nil {
		return badRequest("map", err.Error())
	}
	res, err := ingest.Run(ctx, rd, s.store, 1000, nil)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return newProblem(http.StatusRequestEntityTooLarge, "too_large", "the import is over 512 MiB; split it")
		}
		if db.ErrorCode(err) == db.Internal {
			return err
		}
		return badRequest("", "the file could not be read: "+err.Error())
	}
	if res.Errors == nil {
		res.Errors = []db.ImportLineError{}
	}
	if idem != "" {
		if err := s.store.RecordImportRun(ctx, idem, res); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, res)
}
