package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// handleSpeakerCreate godoc
//
//	@Summary		Create a speaker
//	@ID				createSpeaker
//	@Description	A person or body who says things; anonymous sources ("a senior State Department official") are speakers marked anonymous. Names and aliases are what speaker_name on a quote is matched against.
//	@Tags			speakers
//	@Accept			json
//	@Produce		json
//	@Param			speaker	body		db.SpeakerInput	true	"the speaker"
//	@Success		201		{object}	db.Speaker
//	@Header			201		{string}	ETag		"the speaker's version"
//	@Header			201		{string}	Location	"the speaker's URL"
//	@Failure		400		{object}	Problem		"malformed JSON, unknown field or wrong type"
//	@Failure		409		{object}	Problem		"another speaker has this Wikidata QID"
//	@Failure		413		{object}	Problem		"body over 1 MiB"
//	@Failure		415		{object}	Problem		"body is not JSON"
//	@Failure		422		{object}	Problem		"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/speakers [post]
func (s *Server) handleSpeakerCreate(c echo.Context) error {
	var in db.SpeakerInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	sp, err := s.store.CreateSpeaker(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/speakers/"+sp.ID)
	return sendVersioned(c, http.StatusCreated, sp.Version, sp)
}

// handleSpeakerGet godoc
//
//	@Summary	Get a speaker
//	@ID			getSpeaker
//	@Description	One speaker with its aliases, Wikidata QID and description, and its version as the ETag.
//	@Tags		speakers
//	@Produce	json
//	@Param		id				path		string	true	"speaker ID"
//	@Param		If-None-Match	header		string	false	"an ETag you hold; 304 when it is current"
//	@Success	200				{object}	db.Speaker
//	@Header		200				{string}	ETag	"the speaker's version"
//	@Success	304				"the ETag you hold is current"
//	@Failure	404				{object}	Problem	"no such speaker"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Failure	308	{object}	Problem	"the speaker was merged into another: Location is the survivor's URL, which answers for it"
//	@Header	308	{string}	Location	"the same request on the survivor"
//	@Router		/v1/speakers/{id} [get]
func (s *Server) handleSpeakerGet(c echo.Context) error {
	sp, err := s.store.Speaker(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, sp.Version, sp)
}

// handleSpeakerUpdate godoc
//
//	@Summary		Update a speaker
//	@ID				updateSpeaker
//	@Description	Changes only the fields given; aliases, when given, replace the list. null clears wikidata_qid.
//	@Tags			speakers
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string			true	"speaker ID"
//	@Param			If-Match	header		string			false	"the ETag you edited; 412 when the speaker has changed since"
//	@Param			patch		body		db.SpeakerPatch	true	"the fields to change"
//	@Success		200			{object}	db.Speaker
//	@Header			200			{string}	ETag	"the speaker's new version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem	"no such speaker"
//	@Failure		409			{object}	Problem	"another speaker has this Wikidata QID, or this one was merged into another (Location names the survivor)"
//	@Failure		412			{object}	Problem	"the speaker has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/speakers/{id} [patch]
func (s *Server) handleSpeakerUpdate(c echo.Context) error {
	var p db.SpeakerPatch
	if err := s.decode(c, &p); err != nil {
		return err
	}
	if err := refuseNulls(notNull{"name", p.Name.Null}, notNull{"aliases", p.Aliases.Null},
		notNull{"description", p.Description.Null}, notNull{"anonymous", p.Anonymous.Null}); err != nil {
		return err
	}
	sp, err := s.store.UpdateSpeaker(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), p)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, sp.Version, sp)
}

// handleSpeakerDelete godoc
//
//	@Summary		Delete a speaker
//	@ID				deleteSpeaker
//	@Description	Only a speaker no quote names can be deleted.
//	@Tags			speakers
//	@Param			id			path	string	true	"speaker ID"
//	@Param			If-Match	header	string	false	"the ETag you hold; 412 when the speaker has changed since"
//	@Success		204			"deleted"
//	@Failure		404			{object}	Problem	"no such speaker"
//	@Failure		409			{object}	Problem	"quotes still name the speaker, or it was merged into another (Location names the survivor)"
//	@Failure		412			{object}	Problem	"the speaker has changed since your ETag"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Router			/v1/speakers/{id} [delete]
func (s *Server) handleSpeakerDelete(c echo.Context) error {
	if err := s.store.DeleteSpeaker(c.Request().Context(), c.Param("id"), ifMatch(c.Request())); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleSpeakerList godoc
//
//	@Summary	List speakers
//	@ID			listSpeakers
//	@Description	Speakers ordered by name (folded); q matches any part of a name or an alias, ignoring case and accents. Cursor-paginated.
//	@Tags		speakers
//	@Produce	json
//	@Param		q		query		string	false	"matches names and aliases, ignoring case, accents and punctuation style"
//	@Param		limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	SpeakerList
//	@Failure	400		{object}	Problem	"an unknown or malformed parameter"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router		/v1/speakers [get]
func (s *Server) handleSpeakerList(c echo.Context) error {
	q, err := readQuery(c, "q", "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := q.limit()
	if err != nil {
		return err
	}
	page, err := s.store.ListSpeakers(c.Request().Context(), db.SpeakerFilter{Q: q.str("q"), Limit: limit, Cursor: q.str("cursor")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, SpeakerList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleSpeakerQuotes godoc
//
//	@Summary	List one speaker's quotes
//	@ID			listSpeakerQuotes
//	@Description	The quotes of one speaker, filtered and sorted as GET /v1/quotes filters and sorts them (without full text). Cursor-paginated.
//	@Tags		speakers
//	@Produce	json
//	@Param		id			path		string	true	"speaker ID"
//	@Param		said_from	query		string	false	"said on or after: YYYY-MM-DD, YYYY-MM or YYYY"
//	@Param		said_to		query		string	false	"said on or before: YYYY-MM-DD, YYYY-MM or YYYY (the whole period)"
//	@Param		outlet_id	query		string	false	"only quotes from this outlet"
//	@Param		tag			query		string	false	"only quotes with this tag"
//	@Param		lang		query		string	false	"only quotes in this language"
//	@Param		sort		query		string	false	"order"												Enums(-said_on, said_on, -created_at, created_at, -first_seen, first_seen)	default(-said_on)
//	@Param		limit		query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)											default(20)
//	@Param		cursor		query		string	false	"next_cursor of the previous page"
//	@Success	200			{object}	QuoteList
//	@Failure	400			{object}	Problem	"an unknown or malformed parameter"
//	@Failure	404			{object}	Problem	"no such speaker"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	308	{object}	Problem	"the speaker was merged into another: Location is the survivor's URL, which answers for it"
//	@Header	308	{string}	Location	"the same request on the survivor"
//	@Router		/v1/speakers/{id}/quotes [get]
func (s *Server) handleSpeakerQuotes(c echo.Context) error {
	id := c.Param("id")
	if _, err := s.store.Speaker(c.Request().Context(), id); err != nil {
		return err
	}
	f, err := quoteFilter(c, "q", "said_from", "said_to", "outlet_id", "tag", "lang", "sort", "limit", "cursor")
	if err != nil {
		return err
	}
	f.SpeakerID = &id
	return s.listQuotes(c, f)
}

// notNull pairs a PATCH member that cannot be cleared with whether it was sent as null.
type notNull struct {
	field string
	null  bool
}

// refuseNulls is the 400 for PATCH members sent as null that cannot be cleared.
func refuseNulls(checks ...notNull) error {
	var fields []db.FieldError
	for _, c := range checks {
		if c.null {
			fields = append(fields, db.FieldError{Field: c.field, Message: "cannot be null; leave it out to keep the stored value"})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return newProblem(http.StatusBadRequest, db.Malformed, fields[0].Field+": "+fields[0].Message, fields...)
}
