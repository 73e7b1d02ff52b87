package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// handleOutletCreate godoc
//
//	@Summary		Create an outlet
//	@ID				createOutlet
//	@Description	Where quotes are said or first reported. Names are unique, ignoring case and accents.
//	@Tags			outlets
//	@Accept			json
//	@Produce		json
//	@Param			outlet	body		db.OutletInput	true	"the outlet"
//	@Success		201		{object}	db.Outlet
//	@Header			201		{string}	ETag		"the outlet's version"
//	@Header			201		{string}	Location	"the outlet's URL"
//	@Failure		400		{object}	Problem		"malformed JSON, unknown field or wrong type"
//	@Failure		409		{object}	Problem		"an outlet is known by this name or one of these aliases"
//	@Failure		413		{object}	Problem		"body over 1 MiB"
//	@Failure		415		{object}	Problem		"body is not JSON"
//	@Failure		422		{object}	Problem		"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/outlets [post]
func (s *Server) handleOutletCreate(c echo.Context) error {
	var in db.OutletInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	o, err := s.store.CreateOutlet(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/outlets/"+o.ID)
	return sendVersioned(c, http.StatusCreated, o.Version, o)
}

// handleOutletGet godoc
//
//	@Summary	Get an outlet
//	@ID			getOutlet
//	@Description	One outlet, with its version as the ETag.
//	@Tags		outlets
//	@Produce	json
//	@Param		id				path		string	true	"outlet ID"
//	@Param		If-None-Match	header		string	false	"an ETag you hold; 304 when it is current"
//	@Success	200				{object}	db.Outlet
//	@Header		200				{string}	ETag	"the outlet's version"
//	@Success	304				"the ETag you hold is current"
//	@Failure	404				{object}	Problem	"no such outlet"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Failure	308	{object}	Problem	"the outlet was merged into another: Location is the survivor's URL, which answers for it"
//	@Header	308	{string}	Location	"the same request on the survivor"
//	@Router		/v1/outlets/{id} [get]
func (s *Server) handleOutletGet(c echo.Context) error {
	o, err := s.store.Outlet(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, o.Version, o)
}

// handleOutletUpdate godoc
//
//	@Summary		Update an outlet
//	@ID				updateOutlet
//	@Description	Changes only the fields given; null clears url.
//	@Tags			outlets
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string			true	"outlet ID"
//	@Param			If-Match	header		string			false	"the ETag you edited; 412 when the outlet has changed since"
//	@Param			patch		body		db.OutletPatch	true	"the fields to change"
//	@Success		200			{object}	db.Outlet
//	@Header			200			{string}	ETag	"the outlet's new version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem	"no such outlet"
//	@Failure		409			{object}	Problem	"an outlet is known by this name or one of these aliases, or this one was merged into another (Location names the survivor)"
//	@Failure		412			{object}	Problem	"the outlet has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/outlets/{id} [patch]
func (s *Server) handleOutletUpdate(c echo.Context) error {
	var p db.OutletPatch
	if err := s.decode(c, &p); err != nil {
		return err
	}
	if err := refuseNulls(notNull{"name", p.Name.Null}); err != nil {
		return err
	}
	o, err := s.store.UpdateOutlet(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), p)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, o.Version, o)
}

// handleOutletDelete godoc
//
//	@Summary		Delete an outlet
//	@ID				deleteOutlet
//	@Description	Only an outlet no quote names can be deleted.
//	@Tags			outlets
//	@Param			id			path	string	true	"outlet ID"
//	@Param			If-Match	header	string	false	"the ETag you hold; 412 when the outlet has changed since"
//	@Success		204			"deleted"
//	@Failure		404			{object}	Problem	"no such outlet"
//	@Failure		409			{object}	Problem	"quotes still name the outlet, or it was merged into another (Location names the survivor)"
//	@Failure		412			{object}	Problem	"the outlet has changed since your ETag"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Router			/v1/outlets/{id} [delete]
func (s *Server) handleOutletDelete(c echo.Context) error {
	if err := s.store.DeleteOutlet(c.Request().Context(), c.Param("id"), ifMatch(c.Request())); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleOutletList godoc
//
//	@Summary	List outlets
//	@ID			listOutlets
//	@Description	Outlets ordered by name (folded: case and accents ignored); q matches any part of the name. Cursor-paginated.
//	@Tags		outlets
//	@Produce	json
//	@Param		q		query		string	false	"matches the name, ignoring case and accents"
//	@Param		limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	OutletList
//	@Failure	400		{object}	Problem	"an unknown or malformed parameter"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router		/v1/outlets [get]
func (s *Server) handleOutletList(c echo.Context) error {
	q, err := readQuery(c, "q", "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := q.limit()
	if err != nil {
		return err
	}
	page, err := s.store.ListOutlets(c.Request().Context(), db.OutletFilter{Q: q.str("q"), Limit: limit, Cursor: q.str("cursor")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, OutletList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleOutletQuotes godoc
//
//	@Summary		List one outlet's quotes
//	@ID				listOutletQuotes
//	@Description	The quotes said in or first reported by one outlet, filtered and sorted as GET /v1/quotes filters and sorts them (without full text). Cursor-paginated.
//	@Tags			outlets
//	@Produce		json
//	@Param			id			path		string	true	"outlet ID"
//	@Param			said_from	query		string	false	"said on or after: YYYY-MM-DD, YYYY-MM or YYYY"
//	@Param			said_to		query		string	false	"said on or before: YYYY-MM-DD, YYYY-MM or YYYY (the whole period)"
//	@Param			speaker_id	query		string	false	"only quotes by this speaker"
//	@Param			tag			query		string	false	"only quotes with this tag"
//	@Param			lang		query		string	false	"only quotes in this language"
//	@Param			sort		query		string	false	"order"												Enums(-said_on, said_on, -created_at, created_at, -first_seen, first_seen)	default(-said_on)
//	@Param			limit		query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)											default(20)
//	@Param			cursor		query		string	false	"next_cursor of the previous page"
//	@Success		200			{object}	QuoteList
//	@Failure		400			{object}	Problem	"an unknown or malformed parameter"
//	@Failure		404			{object}	Problem	"no such outlet"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	308	{object}	Problem	"the outlet was merged into another: Location is the survivor's URL, which answers for it"
//	@Header	308	{string}	Location	"the same request on the survivor"
//	@Router			/v1/outlets/{id}/quotes [get]
func (s *Server) handleOutletQuotes(c echo.Context) error {
	id := c.Param("id")
	if _, err := s.store.Outlet(c.Request().Context(), id); err != nil {
		return err
	}
	f, err := quoteFilter(c, "said_from", "said_to", "speaker_id", "tag", "lang", "sort", "limit", "cursor")
	if err != nil {
		return err
	}
	f.OutletID = &id
	return s.listQuotes(c, f)
}
