package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// AppearanceList is one page of appearances.
type AppearanceList struct {
	Data       []*db.Appearance `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} //@name AppearanceList

// handleAppearanceList godoc
//
//	@Summary		List a quote's appearances
//	@ID				listAppearances
//	@Description	The quote's chain of re-reports in order: by the date each was printed (undated last), then as recorded. Each carries its words as printed, their drift from the quote's words (a class and a word-level diff) and its state: suggested links await a fact-checker, rejected ones are listed marked so. The quote itself (said_on, outlet, source_url) is the original.
//	@Tags			appearances
//	@Produce		json
//	@Param			id		path		string	true	"quote ID"
//	@Param			limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	AppearanceList
//	@Failure		308		{object}	Problem	"the quote was merged into another: Location is the same request on the survivor"
//	@Header			308		{string}	Location	"the same request on the survivor"
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure		404		{object}	Problem	"no such quote"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router			/v1/quotes/{id}/appearances [get]
func (s *Server) handleAppearanceList(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListAppearances(c.Request().Context(), c.Param("id"), limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, AppearanceList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleAppearanceCreate godoc
//
//	@Summary		Record an appearance of a quote
//	@ID				createAppearance
//	@Description	Records a place the quote's words were printed or broadcast again, with the words exactly as printed there. Without state the words decide: confirmed when they are the quote's (identical, typographic, a run of its words, or near enough — the same rule linking keeps, see the README) and both at least 5 words long (by default; a deployment sets it), suggested otherwise. Editors may ask for suggested; confirming words the rule would not is a fact-checker's call (403). A new confirmed appearance of a quote that carries a verdict sends quote.reappeared to the webhooks that want it.
//	@Tags			appearances
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string				true	"quote ID"
//	@Param			appearance	body		db.AppearanceInput	true	"the appearance"
//	@Success		201			{object}	db.Appearance
//	@Header			201			{string}	ETag		"the appearance's version"
//	@Header			201			{string}	Location	"the appearance's URL"
//	@Failure		400			{object}	Problem		"malformed JSON, unknown field, wrong type or bad date"
//	@Failure		404			{object}	Problem		"no such quote"
//	@Failure		409			{object}	Problem		"the quote was merged into another: Location is the survivor's, write there"
//	@Failure		413			{object}	Problem		"body over 1 MiB"
//	@Failure		415			{object}	Problem		"body is not JSON"
//	@Failure		422			{object}	Problem		"fields break the rules (words of 0 or over 20,000 characters, a URL that is not http(s), end before start)"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this, or may not confirm words the rule would not"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/appearances [post]
func (s *Server) handleAppearanceCreate(c echo.Context) error {
	var in db.AppearanceInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	a, err := s.store.CreateAppearance(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/quotes/"+a.QuoteID+"/appearances/"+a.ID)
	return sendVersioned(c, http.StatusCreated, a.Version, a)
}

// handleAppearanceGet godoc
//
//	@Summary	Get an appearance
//	@ID			getAppearance
//	@Description	One appearance of a quote, with its drift and its version as the ETag.
//	@Tags		appearances
//	@Produce	json
//	@Param		id				path		string	true	"quote ID"
//	@Param		aid				path		string	true	"appearance ID"
//	@Param		If-None-Match	header		string	false	"an ETag you hold; 304 when it is current"
//	@Success	200				{object}	db.Appearance
//	@Header		200				{string}	ETag	"the appearance's version"
//	@Success	304				"the ETag you hold is current"
//	@Failure	308				{object}	Problem	"the quote was merged into another: Location is the same request on the survivor"
//	@Header		308				{string}	Location	"the same request on the survivor"
//	@Failure	404				{object}	Problem	"no such quote or appearance"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/v1/quotes/{id}/appearances/{aid} [get]
func (s *Server) handleAppearanceGet(c echo.Context) error {
	a, err := s.store.Appearance(c.Request().Context(), c.Param("id"), c.Param("aid"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, a.Version, a)
}

// handleAppearanceConfirm godoc
//
//	@Summary		Confirm a suggested appearance
//	@ID				confirmAppearance
//	@Description	The words are this quote's. When they were recorded as a quote of their own (linked_quote_id), that quote is folded into this one in the same transaction: its citations, verdicts, tags and appearances move here, its words become this appearance's, and its ID answers from then on with 308 Permanent Redirect to this quote (writes to it, 409 with the same Location). When both quotes carry verdicts, keep_verdict says whose current verdict this quote keeps, else 409; both histories are kept. An admin can undo the merge (POST /v1/merges/{id}/undo) while nothing changed since.
//	@Tags			appearances
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string				true	"quote ID"
//	@Param			aid			path		string				true	"appearance ID"
//	@Param			If-Match	header		string				false	"the appearance's ETag; 412 when it has changed since"
//	@Param			review		body		db.AppearanceReview	true	"a note, and whose verdict to keep"
//	@Success		200			{object}	db.Appearance
//	@Header			200			{string}	ETag	"the appearance's version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem	"no such quote or appearance"
//	@Failure		409			{object}	Problem	"confirmed or rejected already, the linked quote merged or deleted, both quotes with verdicts and no keep_verdict, a claim on the linked quote, or the quote merged away"
//	@Failure		412			{object}	Problem	"the appearance has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/appearances/{aid}/confirm [post]
func (s *Server) handleAppearanceConfirm(c echo.Context) error {
	var in db.AppearanceReview
	if err := s.decode(c, &in); err != nil {
		return err
	}
	a, err := s.store.ConfirmAppearance(c.Request().Context(), c.Param("id"), c.Param("aid"), ifMatch(c.Request()), in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, a.Version, a)
}

// handleAppearanceReject godoc
//
//	@Summary		Reject a suggested appearance
//	@ID				rejectAppearance
//	@Description	The words are not this quote's: the link is kept, rejected, with the note; a quote they were recorded as stays a quote of its own.
//	@Tags			appearances
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string				true	"quote ID"
//	@Param			aid			path		string				true	"appearance ID"
//	@Param			If-Match	header		string				false	"the appearance's ETag; 412 when it has changed since"
//	@Param			review		body		db.AppearanceRejection	true	"why"
//	@Success		200			{object}	db.Appearance
//	@Header			200			{string}	ETag	"the appearance's version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem	"no such quote or appearance"
//	@Failure		409			{object}	Problem	"confirmed or rejected already, or the quote merged away"
//	@Failure		412			{object}	Problem	"the appearance has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/appearances/{aid}/reject [post]
func (s *Server) handleAppearanceReject(c echo.Context) error {
	var in db.AppearanceRejection
	if err := s.decode(c, &in); err != nil {
		return err
	}
	a, err := s.store.RejectAppearance(c.Request().Context(), c.Param("id"), c.Param("aid"), ifMatch(c.Request()), in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, a.Version, a)
}

// handleFirstAppearancePin godoc
//
//	@Summary		Pin a quote's first appearance
//	@ID				pinFirstAppearance
//	@Description	The first appearance is derived — the earliest confirmed appearance by date, then as recorded — unless a fact-checker pins one of the quote's confirmed appearances, with the reason. The pin is part of the quote: it moves its version and is in its history.
//	@Tags			appearances
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string						true	"quote ID"
//	@Param			If-Match	header		string						false	"the quote's ETag; 412 when it has changed since"
//	@Param			pin			body		db.PinInput					true	"the appearance and why"
//	@Success		200			{object}	db.Quote
//	@Header			200			{string}	ETag	"the quote's version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem	"no such quote"
//	@Failure		409			{object}	Problem	"the quote was merged into another: Location is the survivor's, write there"
//	@Failure		412			{object}	Problem	"the quote has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"no confirmed appearance of this quote has this ID, or no reason"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/first-appearance [post]
func (s *Server) handleFirstAppearancePin(c echo.Context) error {
	var in db.PinInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	q, err := s.store.PinFirstAppearance(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), &in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, q.Version, q)
}

// handleFirstAppearanceUnpin godoc
//
//	@Summary		Unpin a quote's first appearance
//	@ID				unpinFirstAppearance
//	@Description	The first appearance is derived again: the earliest confirmed one.
//	@Tags			appearances
//	@Produce		json
//	@Param			id			path		string	true	"quote ID"
//	@Param			If-Match	header		string	false	"the quote's ETag; 412 when it has changed since"
//	@Success		200			{object}	db.Quote
//	@Header			200			{string}	ETag	"the quote's version"
//	@Failure		400			{object}	Problem	"an unknown query parameter"
//	@Failure		404			{object}	Problem	"no such quote"
//	@Failure		409			{object}	Problem	"the quote was merged into another: Location is the survivor's, write there"
//	@Failure		412			{object}	Problem	"the quote has changed since your ETag"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id}/first-appearance [delete]
func (s *Server) handleFirstAppearanceUnpin(c echo.Context) error {
	q, err := s.store.PinFirstAppearance(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), nil)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, q.Version, q)
}

// handleAppearanceQueue godoc
//
//	@Summary		List appearances across the archive
//	@ID				listAllAppearances
//	@Description	Newest first. state=suggested is the desk's queue of links awaiting a fact-checker; state=confirmed&checked=true lists checked quotes reappearing — new appearances of quotes that carry a verdict — the list quote.reappeared events announce.
//	@Tags			appearances
//	@Produce		json
//	@Param			state	query		string	false	"only appearances in this state"	Enums(suggested, confirmed, rejected)
//	@Param			checked	query		bool	false	"only appearances of quotes that carry a verdict (not unverified, or rated)"
//	@Param			limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	AppearanceList
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router			/v1/appearances [get]
func (s *Server) handleAppearanceQueue(c echo.Context) error {
	q, err := readQuery(c, "state", "checked", "limit", "cursor")
	if err != nil {
		return err
	}
	f := db.AppearanceFilter{State: q.str("state"), Cursor: q.str("cursor")}
	if v := q.str("checked"); v != nil {
		if f.Checked, err = strconv.ParseBool(*v); err != nil {
			return badRequest("checked", "must be true or false")
		}
	}
	if f.Limit, err = q.limit(); err != nil {
		return err
	}
	page, err := s.store.ListAppearancesAll(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, AppearanceList{Data: page.Data, NextCursor: page.NextCursor})
}
