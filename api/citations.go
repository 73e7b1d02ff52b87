package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// CitationList is one page of a quote's citations, oldest first.
type CitationList struct {
	Data       []*db.Citation `json:"data"`
	NextCursor *string        `json:"next_cursor" extensions:"x-nullable"`
} //@name CitationList

// handleCitationCreate godoc
//
//	@Summary		Cite a source for a quote
//	@ID				createCitation
//	@Description	relation says what the source is to the quote: primary (a recording, transcript or the speaker's own post), report (a news report of it), supports, refutes or context. With an excerpt, excerpt_matches says whether the quote's words appear in it. With fetch true the server retrieves the page in the background (never a private address, size and time capped) and the citation's source says whether and where the quote's words stand in it, with the page's SHA-256.
//	@Tags			citations
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string				true	"quote ID"
//	@Param			citation	body		db.CitationInput	true	"the citation"
//	@Success		201			{object}	db.Citation
//	@Header			201			{string}	ETag		"the citation's version"
//	@Header			201			{string}	Location	"the citation's URL"
//	@Failure		400			{object}	Problem		"malformed JSON, unknown field, wrong type or bad date"
//	@Failure		404			{object}	Problem		"no such quote"
//	@Failure		409			{object}	Problem		"the quote already cites this URL"
//	@Failure		413			{object}	Problem		"body over 1 MiB"
//	@Failure		415			{object}	Problem		"body is not JSON"
//	@Failure		422			{object}	Problem		"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/citations [post]
func (s *Server) handleCitationCreate(c echo.Context) error {
	var in db.CitationInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	cit, err := s.store.CreateCitation(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/quotes/"+cit.QuoteID+"/citations/"+cit.ID)
	return sendVersioned(c, http.StatusCreated, cit.Version, cit)
}

// handleCitationList godoc
//
//	@Summary	List a quote's citations
//	@ID			listCitations
//	@Description	The sources behind a quote, oldest first, each with excerpt_matches (whether the quote's words stand in the excerpt, typography folded) and, when it was asked for, the server's check of the page (source).
//	@Tags		citations
//	@Produce	json
//	@Param		id		path		string	true	"quote ID"
//	@Param		limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	CitationList
//	@Failure	400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure	404		{object}	Problem	"no such quote"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router		/v1/quotes/{id}/citations [get]
func (s *Server) handleCitationList(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListCitations(c.Request().Context(), c.Param("id"), limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, CitationList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleCitationGet godoc
//
//	@Summary	Get a citation
//	@ID			getCitation
//	@Description	One citation of a quote, with its version as the ETag.
//	@Tags		citations
//	@Produce	json
//	@Param		id				path		string	true	"quote ID"
//	@Param		cid				path		string	true	"citation ID"
//	@Param		If-None-Match	header		string	false	"an ETag you hold; 304 when it is current"
//	@Success	200				{object}	db.Citation
//	@Header		200				{string}	ETag	"the citation's version"
//	@Success	304				"the ETag you hold is current"
//	@Failure	404				{object}	Problem	"no such quote or citation"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/v1/quotes/{id}/citations/{cid} [get]
func (s *Server) handleCitationGet(c echo.Context) error {
	cit, err := s.store.Citation(c.Request().Context(), c.Param("id"), c.Param("cid"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, cit.Version, cit)
}

// handleCitationUpdate godoc
//
//	@Summary		Update a citation
//	@ID				updateCitation
//	@Description	Changes only the fields given; null clears a nullable field. The url and relation of a citation a verdict rests on cannot change (409).
//	@Tags			citations
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string				true	"quote ID"
//	@Param			cid			path		string				true	"citation ID"
//	@Param			If-Match	header		string				false	"the ETag you edited; 412 when the citation has changed since"
//	@Param			patch		body		db.CitationPatch	true	"the fields to change"
//	@Success		200			{object}	db.Citation
//	@Header			200			{string}	ETag	"the citation's new version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field, wrong type, bad date or a null that cannot be"
//	@Failure		404			{object}	Problem	"no such quote or citation"
//	@Failure		409			{object}	Problem	"the URL is cited already, or a verdict rests on the citation"
//	@Failure		412			{object}	Problem	"the citation has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/citations/{cid} [patch]
func (s *Server) handleCitationUpdate(c echo.Context) error {
	var p db.CitationPatch
	if err := s.decode(c, &p); err != nil {
		return err
	}
	if err := refuseNulls(notNull{"url", p.URL.Null}, notNull{"relation", p.Relation.Null}); err != nil {
		return err
	}
	cit, err := s.store.UpdateCitation(c.Request().Context(), c.Param("id"), c.Param("cid"), ifMatch(c.Request()), p)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, cit.Version, cit)
}

// handleCitationDelete godoc
//
//	@Summary		Delete a citation
//	@ID				deleteCitation
//	@Description	A citation a verdict rests on is kept with the verdict: deleting it is a 409 naming the verdict.
//	@Tags			citations
//	@Param			id			path	string	true	"quote ID"
//	@Param			cid			path	string	true	"citation ID"
//	@Param			If-Match	header	string	false	"the ETag you hold; 412 when the citation has changed since"
//	@Success		204			"deleted"
//	@Failure		404			{object}	Problem	"no such quote or citation"
//	@Failure		409			{object}	Problem	"a verdict rests on the citation"
//	@Failure		412			{object}	Problem	"the citation has changed since your ETag"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Router			/v1/quotes/{id}/citations/{cid} [delete]
func (s *Server) handleCitationDelete(c echo.Context) error {
	if err := s.store.DeleteCitation(c.Request().Context(), c.Param("id"), c.Param("cid"), ifMatch(c.Request())); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// pageParams reads the parameters of a plain list: limit and cursor, nothing else.
func pageParams(c echo.Context) (int, *string, error) {
	q, err := readQuery(c, "limit", "cursor")
	if err != nil {
		return 0, nil, err
	}
	limit, err := q.limit()
	return limit, q.str("cursor"), err
}

// handleCitationFetch godoc
//
//	@Summary		Check a citation's source again
//	@ID				fetchCitationSource
//	@Description	Asks the server to retrieve the cited page again, in the background: its source check goes back to pending, then says whether the quote's words still stand in the page and whether the page changed since the last fetch.
//	@Tags			citations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"quote ID"
//	@Param			cid	path		string	true	"citation ID"
//	@Success		202	{object}	db.Citation
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such quote or citation"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/citations/{cid}/fetch [post]
func (s *Server) handleCitationFetch(c echo.Context) error {
	cit, err := s.store.FetchSource(c.Request().Context(), c.Param("id"), c.Param("cid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, cit)
}
