package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// VerdictList is one page of a quote's verdict history, newest first.
type VerdictList struct {
	Data       []*db.Verdict `json:"data"`
	NextCursor *string       `json:"next_cursor" extensions:"x-nullable"`
} //@name VerdictList

// handleVerdictCreate godoc
//
//	@Summary		Append a verdict to a quote
//	@ID				createVerdict
//	@Description	Judges the quote on both axes: attribution (did the speaker say these words, in this context?) and, optionally, rating (is the claim true?). The verdict supersedes the quote's current one, which stays in the history; verdicts are never edited or deleted. A verified attribution must rest on at least one primary citation of the quote. Send If-Match with the quote's ETag so that a colleague's newer verdict is never silently replaced; the quote's version moves on.
//	@Tags			verdicts
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string			true	"quote ID"
//	@Param			If-Match	header		string			false	"the quote's ETag as you read it; 412 when the quote has changed since"
//	@Param			verdict		body		db.VerdictInput	true	"the verdict"
//	@Success		201			{object}	db.Verdict
//	@Header			201			{string}	Location	"the verdict's URL"
//	@Header			201			{string}	ETag		"the quote's new ETag (verdicts have none of their own), for the next If-Match on the quote"
//	@Failure		400			{object}	Problem		"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem		"no such quote"
//	@Failure		412			{object}	Problem		"the quote has changed since your ETag"
//	@Failure		413			{object}	Problem		"body over 1 MiB"
//	@Failure		415			{object}	Problem		"body is not JSON"
//	@Failure		422			{object}	Problem		"fields break the rules, a citation is not the quote's, or verified without a primary citation"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/verdicts [post]
func (s *Server) handleVerdictCreate(c echo.Context) error {
	var in db.VerdictInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	v, err := s.store.AppendVerdict(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/quotes/"+v.QuoteID+"/verdicts/"+v.ID)
	// Verdicts have no version of their own; the ETag is the quote's new one, for the
	// client's next If-Match on the quote without reading it again.
	c.Response().Header().Set("ETag", etag(v.QuoteVersion()))
	return c.JSON(http.StatusCreated, v)
}

// handleVerdictList godoc
//
//	@Summary	A quote's verdict history, newest first
//	@ID			listVerdicts
//	@Description	A quote's verdict history, newest first: every verdict given, never edited; each names the one it superseded. Verdicts the system appended (reviewed_by system) say why: the words, the speaker or the evidence changed after a review.
//	@Tags		verdicts
//	@Produce	json
//	@Param		id		path		string	true	"quote ID"
//	@Param		limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	VerdictList
//	@Failure	400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure	404		{object}	Problem	"no such quote"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router		/v1/quotes/{id}/verdicts [get]
func (s *Server) handleVerdictList(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListVerdicts(c.Request().Context(), c.Param("id"), limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, VerdictList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleVerdictGet godoc
//
//	@Summary		Get one verdict
//	@ID				getVerdict
//	@Description	Verdicts are immutable: PUT, PATCH and DELETE are 405; a correction is a new verdict.
//	@Tags			verdicts
//	@Produce		json
//	@Param			id	path		string	true	"quote ID"
//	@Param			vid	path		string	true	"verdict ID"
//	@Success		200	{object}	db.Verdict
//	@Failure		404	{object}	Problem	"no such quote or verdict"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Router			/v1/quotes/{id}/verdicts/{vid} [get]
func (s *Server) handleVerdictGet(c echo.Context) error {
	v, err := s.store.Verdict(c.Request().Context(), c.Param("id"), c.Param("vid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}
