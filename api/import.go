package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/ingest"
	"github.com/verbatimhq/verbatim/web"
)

// maxImportBytes caps one import request; larger archives go in several files, or
// through verbatim import on the server's machine.
const maxImportBytes = 512 << 20

// handleImport godoc
//
//	@Summary		Bulk import quotes
//	@ID				importQuotes
//	@Description	Loads NDJSON (the export shape, which round-trips exactly, or the create shape with optional external_id, verdicts, citations and rating_label), CSV or TSV through a column mapping (map=text=3,speaker=5,external_id=1+2; numbers from 1 or header names), schema.org ClaimReview JSON-LD (an array or one object per line), or Quotebank's JSON lines (format=quotebank: its quotation-centric quotes-YYYY lines and its article-centric quotebank-YYYY lines; each quotation a quote under its quoteID, each URL an appearance of it, a quotation read again adding only the appearances its quote lacks). A body compressed with bzip2 or gzip is read as it arrives. Records are committed in batches of 1,000; a bad record never stops the rest and is listed with its line and the problem. Importing the same file twice creates nothing new: a record's external_id (or, without one, its words, speaker and date) identifies it. Rating labels go through the fact-check label normaliser; unknown labels are rejected, never guessed. Importing verdicts (verdicts, rating_label, a CSV rating column, a ClaimReview rating) needs the factchecker role; an exported record, which brings the fields the server owns (ids, authors, reviewers, versions, times), is a restore and needs admin. Every record is held to the rules of POST and PATCH; a record that breaks one, or that the key's role may not write, is rejected with its line. Send an Idempotency-Key to have a retried request answered with the first result instead of running again: keys belong to the API key that sent them and are remembered for 24 hours; another request under a used key is 422. A large import may take as long as it needs while its body keeps arriving; one that stops part way (the body cut off or unreadable) answers a problem whose import member says what was committed before it stopped, and running the file again completes it.
//	@Tags			quotes
//	@Accept			application/x-ndjson,text/csv,text/tab-separated-values,application/ld+json,application/x-bzip2,application/gzip,application/octet-stream
//	@Produce		json
//	@Security		BearerAuth
//	@Param			format			query		string	false	"ndjson (default), csv, tsv, claimreview or quotebank"	Enums(ndjson, csv, tsv, claimreview, quotebank)
//	@Param			map				query		string	false	"the column mapping of format=csv or tsv (refused with the other formats): field=column, … (text=3,speaker=5,external_id=1+2); columns by number from 1, or by name with header=true"
//	@Param			header			query		bool	false	"the first row of format=csv or tsv names the columns (refused with the other formats)"
//	@Param			Idempotency-Key	header		string	false	"a key of your choosing (at most 255 characters): a repeat of the request within 24 hours replays the first result"
//	@Success		200				{object}	db.ImportResult
//	@Failure		400				{object}	Problem	"an unknown format, a bad mapping or an unreadable file"
//	@Failure		401				{object}	Problem	"no valid API key"
//	@Failure		403				{object}	Problem	"the key's role may not do this"
//	@Failure		409				{object}	Problem	"a request with this Idempotency-Key is still running"
//	@Failure		413				{object}	Problem	"body over 512 MiB"
//	@Failure		422				{object}	Problem	"the Idempotency-Key was used with another request"
//	@Failure		429				{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507				{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/import [post]
func (s *Server) handleImport(c echo.Context) error {
	q, err := readQuery(c, "format", "map", "header")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	opt := ingest.Options{Map: q.values.Get("map"), Header: q.values.Get("header") == "true"}
	if f, err := q.oneOf("format", ingest.Formats); err != nil {
		return err
	} else if f != nil {
		opt.Format = *f
	}
	// A large import takes longer than the server's read and write timeouts, which are
	// set for ordinary requests: the body is read under an idle deadline instead (a
	// client that sends nothing for importIdle is cut off), and the answer gets a write
	// deadline of its own once the import is done.
	rc := http.NewResponseController(c.Response().Writer)
	_ = rc.SetWriteDeadline(time.Time{}) // not every writer supports deadlines (tests' recorders)
	var body io.Reader = &idleReader{r: http.MaxBytesReader(c.Response(), c.Request().Body, maxImportBytes), rc: rc}
	idem, replayed, err := s.claimIdempotency(c, body)
	if err != nil || replayed {
		return err
	}
	defer idem.release()
	if idem != nil {
		body = idem.body(body)
	}
	// Every import is a load: recorded with who sent it and the body's SHA-256, and the
	// audit of what it creates points at it.
	res, _, err := ingest.Load(ctx, body, opt, s.store, ingest.Batching{Size: 1000},
		db.LoadInput{Source: "POST /v1/import", Format: opt.Format, Size: max(0, c.Request().ContentLength)}, false)
	var oerr *ingest.OptionsError
	if errors.As(err, &oerr) {
		return badRequest("map", oerr.Error())
	}
	_ = rc.SetWriteDeadline(time.Now().Add(importAnswerTimeout))
	if err != nil {
		return importFailed(err, res)
	}
	if res.Errors == nil {
		res.Errors = []db.ImportLineError{}
	}
	if idem != nil {
		body, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if err := idem.complete(http.StatusOK, nil, body); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, res)
}

// importIdle is how long an import's body may go without a byte arriving.
const importIdle = 60 * time.Second

// importAnswerTimeout is how long writing an import's answer may take.
const importAnswerTimeout = 60 * time.Second

// idleReader extends the request's read deadline before every read, so that a body may
// take as long as it needs while it keeps coming.
type idleReader struct {
	r  io.Reader
	rc *http.ResponseController
}

func (r *idleReader) Read(p []byte) (int, error) {
	_ = r.rc.SetReadDeadline(time.Now().Add(importIdle))
	return r.r.Read(p)
}

// importFailed is the answer to an import that stopped part way: what was committed
// before it stopped stays committed, and the problem says exactly what that was (the
// import member: counts and the last line settled), so the client can run the rest
// again — records already stored change nothing the second time.
func importFailed(err error, res db.ImportResult) error {
	var tooBig *http.MaxBytesError
	var readErr *ingest.ReadError
	var de *db.Error
	var p *web.Problem
	switch {
	case errors.As(err, &tooBig):
		p = newProblem(http.StatusRequestEntityTooLarge, "too_large", "the import is over 512 MiB; split it")
	case errors.As(err, &readErr):
		p = badRequest("", "the file could not be read: "+readErr.Err.Error())
	case errors.As(err, &de) && de.Code != db.Internal:
		p = newProblem(web.Status(de.Code), de.Code, de.Message)
	default:
		return err
	}
	if res.Errors == nil {
		res.Errors = []db.ImportLineError{}
	}
	p.Err = &cutImport{result: res, err: err}
	return p
}

// cutImport is what an import that stopped part way committed, shown with its problem.
type cutImport struct {
	result db.ImportResult
	err    error
}

func (c *cutImport) Error() string { return "import cut short: " + c.err.Error() }
func (c *cutImport) Unwrap() error { return c.err }
