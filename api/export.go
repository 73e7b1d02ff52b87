package api

import (
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/archive"
	"github.com/verbatimhq/verbatim/db"
)

// handleExport godoc
//
//	@Summary		Export quotes as NDJSON or CSV
//	@ID				exportQuotes
//	@Description	Streams every quote matching the same parameters as the search (no page limit) with its speaker and outlet in full, its verdict history and its citations. NDJSON (one record per line, the shape POST /v1/import reads back) or CSV (one row per quote: the current verdict, citation URLs joined with " | "); chosen by format, else by the Accept header, else NDJSON. Memory stays flat whatever the size, and so does the time between pieces: an export takes as long as it needs while it keeps coming. Every match is exported — a relevance order ranks the newest matches of the rank window, then goes on with the older ones, newest first. A complete export ends with the HTTP trailer Verbatim-Records (how many records it holds); one that fails part way is aborted, so that the client's HTTP library reports an error instead of a short file that looks whole. In the CSV, a cell that would begin with =, +, -, @, a tab or a carriage return (a formula to a spreadsheet) is written with a leading apostrophe, as OWASP advises against CSV injection; the NDJSON keeps every field exactly and is the form to import again.
//	@Tags			quotes
//	@Produce		application/x-ndjson,text/csv
//	@Param			format		query		string		false	"ndjson or csv"	Enums(ndjson, csv)
//	@Param			q			query		string		false	"full-text query, as for /v1/quotes: at least one word to look for, at most 32 terms and 1,000 bytes"	maxLength(1000)
//	@Param			speaker		query		string		false	"only quotes by speakers whose name or alias contains this"
//	@Param			speaker_id	query		string		false	"only quotes by this speaker"
//	@Param			outlet_id	query		string		false	"only quotes from this outlet"
//	@Param			said_from	query		string		false	"said on or after"
//	@Param			said_to		query		string		false	"said on or before"
//	@Param			tag			query		string		false	"only quotes with this tag"
//	@Param			lang		query		string		false	"only quotes in this language"
//	@Param			attribution	query		string		false	"only quotes with this current attribution"	Enums(unverified, verified, paraphrased, out_of_context, disputed, misattributed)
//	@Param			rating		query		string		false	"only quotes with this current rating"		Enums(true, mostly_true, half_true, mostly_false, false, unproven, not_checkable)
//	@Param			appeared_in	query		string	false	"only quotes with a confirmed appearance in this outlet (ID)"
//	@Param			drifted		query		bool	false	"true: only quotes whose words drifted (minor or altered) in a confirmed appearance; false: only those that never did"
//	@Param			min_appearances	query	int	false	"only quotes with at least this many confirmed appearances"	minimum(1)
//	@Param			sort		query		string		false	"order, as for /v1/quotes: relevance needs q"					Enums(relevance, -said_on, said_on, -created_at, created_at, -first_seen, first_seen)
//	@Success		200			{object}	db.Record	"one record per line (NDJSON), or CSV rows"
//	@Failure		400			{object}	Problem		"an unknown or malformed parameter"
//	@Failure		406			{object}	Problem		"Accept names neither NDJSON nor CSV"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router			/v1/export [get]
func (s *Server) handleExport(c echo.Context) error {
	f, err := quoteFilter(c, exportParams...)
	if err != nil {
		return err
	}
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, archive.Formats[format])
	res.Header().Set("Content-Disposition", `attachment; filename="verbatim-quotes.`+format+`"`)
	return s.door.Stream(c, func(flush func()) (int, error) {
		return archive.Stream(res, format, func(each func(*db.Record) error) error {
			return s.store.Export(c.Request().Context(), f, each)
		}, flush)
	})
}

// exportFormat picks the format from ?format=, else from Accept, else NDJSON.
func exportFormat(c echo.Context) (string, error) {
	if f := c.QueryParam("format"); f != "" {
		if _, ok := archive.Formats[f]; !ok {
			return "", badRequest("format", "must be ndjson or csv")
		}
		return f, nil
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	if accept == "" {
		return "ndjson", nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return "csv", nil
		case "application/x-ndjson", "application/jsonl", "application/json", "*/*", "application/*":
			return "ndjson", nil
		}
	}
	return "", newProblem(http.StatusNotAcceptable, "not_acceptable", "export speaks application/x-ndjson and text/csv; ask for one in Accept or with format=")
}
