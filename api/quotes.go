package api

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// handleQuoteCreate godoc
//
//	@Summary		Record a quote
//	@ID				createQuote
//	@Description	The words are first matched against the archive's quotes (the linking rule, README "The re-reporting chain"). Words the archive holds already — the same speaker's, both at least 5 words, identical, typographic, a run of a stored quote's words or 0.8 similar (the defaults; a deployment sets them), with no number or negation changed — are recorded as an appearance of the stored quote: the answer is 200 with that quote and link.outcome "appearance", and nothing new is made. Uncertain matches (short words, another speaker, a middling score) store a new quote with a suggested link for a fact-checker (201, link.outcome "suggested"). separate true records a quote of its own regardless. A new quote's text is stored exactly as given; the answer lists, as possible_duplicates, stored quotes worded so alike (similarity 0.6 or more) that this may record one twice. Name the speaker by speaker_id, or by speaker_name (matched through names and aliases, ignoring case and accents, and created when unknown); the outlet likewise, optionally. said_on takes YYYY-MM-DD, YYYY-MM or YYYY; the precision is inferred when not given.
//	@Tags			quotes
//	@Accept			json
//	@Produce		json
//	@Param			quote	body		db.QuoteInput	true	"the quote"
//	@Success		200		{object}	db.Quote	"the words were a stored quote's: recorded as its appearance (link)"
//	@Header			200		{string}	ETag		"the stored quote's version"
//	@Header			200		{string}	Location	"the stored quote's URL"
//	@Success		201		{object}	db.Quote
//	@Header			201		{string}	ETag		"the quote's version"
//	@Header			201		{string}	Location	"the quote's URL"
//	@Failure		400		{object}	Problem		"malformed JSON, unknown field, wrong type, bad date or invalid UTF-8"
//	@Failure		409		{object}	Problem		"speaker_name matches several speakers"
//	@Failure		413		{object}	Problem		"body over 1 MiB"
//	@Failure		415		{object}	Problem		"body is not JSON"
//	@Failure		422		{object}	Problem		"fields break the rules, or speaker_id/outlet_id name nothing"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes [post]
func (s *Server) handleQuoteCreate(c echo.Context) error {
	var in db.QuoteInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	q, err := s.store.CreateQuote(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/quotes/"+q.ID)
	if q.Link != nil && q.Link.Outcome == "appearance" {
		// Nothing new was made: the words are a stored quote's, recorded as its appearance.
		return sendVersioned(c, http.StatusOK, q.Version, q)
	}
	return sendVersioned(c, http.StatusCreated, q.Version, q)
}

// handleQuoteGet godoc
//
//	@Summary	Get a quote
//	@ID			getQuote
//	@Description	One quote with its current verdict, its speaker and outlet by reference, and its version as the ETag; If-None-Match with the current ETag answers 304.
//	@Tags		quotes
//	@Produce	json
//	@Param		id				path		string	true	"quote ID"
//	@Param		If-None-Match	header		string	false	"an ETag you hold; 304 when it is current"
//	@Success	200				{object}	db.Quote
//	@Header		200				{string}	ETag	"the quote's version"
//	@Success	304				"the ETag you hold is current"
//	@Failure	308				{object}	Problem	"the quote was folded into another by a confirmed link: Location is the survivor's URL, which answers for it"
//	@Header		308				{string}	Location	"the same request on the survivor"
//	@Failure	404				{object}	Problem	"no such quote"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/v1/quotes/{id} [get]
func (s *Server) handleQuoteGet(c echo.Context) error {
	q, err := s.store.Quote(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, q.Version, q)
}

// handleQuoteUpdate godoc
//
//	@Summary		Update a quote
//	@ID				updateQuote
//	@Description	Changes only the fields given; null clears a nullable field. Send If-Match with the ETag you edited so that a colleague's newer change is never overwritten.
//	@Tags			quotes
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string			true	"quote ID"
//	@Param			If-Match	header		string			false	"the ETag you edited; 412 when the quote has changed since"
//	@Param			patch		body		db.QuotePatch	true	"the fields to change"
//	@Success		200			{object}	db.Quote
//	@Header			200			{string}	ETag	"the quote's new version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field, wrong type, bad date or a null that cannot be"
//	@Failure		404			{object}	Problem	"no such quote"
//	@Failure		409			{object}	Problem	"speaker_name matches several speakers"
//	@Failure		412			{object}	Problem	"the quote has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"fields break the rules"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/quotes/{id} [patch]
func (s *Server) handleQuoteUpdate(c echo.Context) error {
	var p db.QuotePatch
	if err := s.decode(c, &p); err != nil {
		return err
	}
	if err := refuseNulls(notNull{"text", p.Text.Null}, notNull{"speaker_id", p.SpeakerID.Null},
		notNull{"speaker_name", p.SpeakerName.Null}, notNull{"tags", p.Tags.Null}); err != nil {
		return err
	}
	q, err := s.store.UpdateQuote(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), p)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, q.Version, q)
}

// handleQuoteDelete godoc
//
//	@Summary		Delete a quote
//	@ID				deleteQuote
//	@Description	Removes a quote with its citations. A quote that has verdicts is never deleted (409): a verdict history is public record, and a correction is a new verdict (misattributed, or unverified with the reason).
//	@Tags			quotes
//	@Param		id			path	string	true	"quote ID"
//	@Param		If-Match	header	string	false	"the ETag you hold; 412 when the quote has changed since"
//	@Success	204			"deleted"
//	@Failure	404			{object}	Problem	"no such quote"
//	@Failure	409			{object}	Problem	"the quote has verdicts"
//	@Failure	412			{object}	Problem	"the quote has changed since your ETag"
//	@Security	BearerAuth
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	403	{object}	Problem	"the key's role may not do this"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	507	{object}	Problem	"the database is full: nothing was written"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/v1/quotes/{id} [delete]
func (s *Server) handleQuoteDelete(c echo.Context) error {
	if err := s.store.DeleteQuote(c.Request().Context(), c.Param("id"), ifMatch(c.Request())); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleQuoteList godoc
//
//	@Summary		Search and filter quotes
//	@ID				listQuotes
//	@Description	q is full text over the quote's words (ranked highest), its speaker's names and its context: words (all must match), "exact phrases", prefix*, -excluded, and OR between two terms; anything else is text. Case, accents and typographic quotes, apostrophes and dashes are folded, so isn't finds isn’t. Hits carry a snippet with the matched words in `<mark>` (the rest HTML-escaped). Relevance is BM25; when more than 50,000 quotes hold every word of a query without filters, its matches among the 50,000 most recently recorded of those are ranked (a date sort or an export finds every match). Filters combine with AND; dates take YYYY-MM-DD, YYYY-MM or YYYY, and said_to covers the whole period it names. facets counts the whole result by the dimensions named. Full-text searches, facet counts and the speaker name filter are the expensive reads: they share the server's --max-searches slots (429 past them) and each has a time budget (503 past it). Cursors are signed; a cursor the server did not issue is 400. Every GET route also answers HEAD.
//	@Tags			quotes
//	@Produce		json
//	@Param			q			query		string	false	"full-text query: words (all must match), \"exact phrases\", prefix* (two letters or more before the star), -excluded, OR between two terms; at least one word to look for, at most 32 terms and 1,000 bytes"	maxLength(1000)
//	@Param			speaker		query		string	false	"only quotes by speakers whose name or alias contains this"
//	@Param			speaker_id	query		string	false	"only quotes by this speaker"
//	@Param			outlet_id	query		string	false	"only quotes from this outlet"
//	@Param			said_from	query		string	false	"said on or after"
//	@Param			said_to		query		string	false	"said on or before"
//	@Param			tag			query		string	false	"only quotes with this tag"
//	@Param			lang		query		string	false	"only quotes in this language"
//	@Param			attribution	query		string	false	"only quotes with this current attribution"										Enums(unverified, verified, paraphrased, out_of_context, disputed, misattributed)
//	@Param			rating		query		string	false	"only quotes with this current rating"											Enums(true, mostly_true, half_true, mostly_false, false, unproven, not_checkable)
//	@Param			appeared_in	query		string	false	"only quotes with a confirmed appearance in this outlet (ID)"
//	@Param			drifted		query		bool	false	"true: only quotes whose words drifted (minor or altered) in a confirmed appearance; false: only those that never did"
//	@Param			min_appearances	query	int	false	"only quotes with at least this many confirmed appearances"	minimum(1)
//	@Param			sort		query		string	false	"order; relevance (the default with q) needs q — without q it is refused (400) — else -said_on is the default"	Enums(relevance, -said_on, said_on, -created_at, created_at, -first_seen, first_seen)
//	@Param			facets		query		string	false	"comma-separated: speaker, outlet, year, attribution, rating, tag, appeared_in (confirmed appearances by outlet), appeared_year (by the year they were printed)"
//	@Param			limit		query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor		query		string	false	"next_cursor of the previous page"
//	@Success		200			{object}	QuoteList
//	@Failure		400			{object}	Problem	"an unknown or malformed parameter, or a query with nothing to look for"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		503	{object}	Problem	"the search ran past its time budget (serve --search-timeout); narrow it"
//	@Router			/v1/quotes [get]
func (s *Server) handleQuoteList(c echo.Context) error {
	f, err := quoteFilter(c, db.ListParams...)
	if err != nil {
		return err
	}
	return s.listQuotes(c, f)
}

// The parameters of a quote list are the core's (db.ListParams); an export takes the
// search's and a format.
var exportParams = slices.Concat(db.SearchParams, []string{"format"})

func (s *Server) listQuotes(c echo.Context, f db.QuoteFilter) error {
	page, err := s.store.ListQuotes(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, QuoteList{Data: page.Data, NextCursor: page.NextCursor, Facets: page.Facets})
}

// quoteFilter reads the quote-list parameters the endpoint allows, as the core reads them.
func quoteFilter(c echo.Context, allowed ...string) (db.QuoteFilter, error) {
	q, err := readQuery(c, allowed...)
	if err != nil {
		return db.QuoteFilter{}, err
	}
	return db.QuoteFilterFrom(q.values)
}

// SimilarList is a quote's variants, most similar first.
type SimilarList struct {
	Data []db.SimilarQuote `json:"data"`
} //@name SimilarList

// handleQuoteSimilar godoc
//
//	@Summary		Variants of a quote
//	@ID				listSimilarQuotes
//	@Description	Stored quotes worded like this one ("NATO isn’t on the table" / "NATO is not on the table for Ukraine"), most similar first, with a score from 0 to 1: the overlap of their normalised words and word pairs (contractions expanded, case, accents and punctuation folded). Found through MinHash bands, so the cost does not grow with the archive; variants below 0.3 are not listed.
//	@Tags			quotes
//	@Produce		json
//	@Param			id		path		string	true	"quote ID"
//	@Param			limit	query		int		false	"at most this many, 1 to 100"	minimum(1)	default(20)
//	@Success		200		{object}	SimilarList
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure		404		{object}	Problem	"no such quote"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router			/v1/quotes/{id}/similar [get]
func (s *Server) handleQuoteSimilar(c echo.Context) error {
	q, err := readQuery(c, "limit")
	if err != nil {
		return err
	}
	limit, err := q.limit()
	if err != nil {
		return err
	}
	found, err := s.store.Similar(c.Request().Context(), c.Param("id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, SimilarList{Data: found})
}
