package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// LoadList is a page of loads.
type LoadList struct {
	Data       []*db.Load `json:"data"`
	NextCursor *string    `json:"next_cursor" extensions:"x-nullable"`
} //@name LoadList

// handleLoadList godoc
//
//	@Summary		Loads
//	@ID				listLoads
//	@Description	Bulk loads, newest first — every import, from the command line or POST /v1/import: who loaded which source (its name, format, size and SHA-256) when, whether it finished, what it created, updated and rejected, and the first and last quote it created. The audit entry of each quote a load created points at its load (changes.load) instead of copying the record.
//	@Tags			quotes
//	@Produce		json
//	@Security		BearerAuth
//	@Param			limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	LoadList
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure		401		{object}	Problem	"no valid API key"
//	@Failure		403		{object}	Problem	"the key's role may not do this"
//	@Failure		429		{object}	Problem	"the client's budget is spent"
//	@Router			/v1/loads [get]
func (s *Server) handleLoadList(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	page, err := s.store.Loads(c.Request().Context(), limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, LoadList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleLoadGet godoc
//
//	@Summary		Get a load
//	@ID				getLoad
//	@Description	One load: who loaded which source when, how far it got (a load killed part way stays running until verbatim import --resume carries it on), and what it made.
//	@Tags			quotes
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"load ID"
//	@Success		200	{object}	db.Load
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such load"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Router			/v1/loads/{id} [get]
func (s *Server) handleLoadGet(c echo.Context) error {
	l, err := s.store.Load(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}
