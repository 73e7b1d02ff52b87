package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
)

// ClaimReviewList is one page of the ClaimReview feed.
type ClaimReviewList struct {
	Data       []claimreview.ClaimReview `json:"data"`
	NextCursor *string                   `json:"next_cursor" extensions:"x-nullable"`
} //@name ClaimReviewList

// handleClaimReviewGet godoc
//
//	@Summary		A quote's current verdict as ClaimReview
//	@ID				getClaimReview
//	@Description	schema.org ClaimReview JSON-LD, for search engines and fact-check aggregators. reviewRating carries ratingValue 1..5 on the five-point scale, and always an alternateName; when the attribution itself fails (misattributed, out of context, disputed) that outcome is the rating.
//	@Tags			verdicts
//	@Produce		application/ld+json
//	@Param			id	path		string	true	"quote ID"
//	@Success		200	{object}	claimreview.ClaimReview
//	@Failure		404	{object}	Problem	"no such quote, or no verdict yet"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Router			/v1/quotes/{id}/claimreview [get]
func (s *Server) handleClaimReviewGet(c echo.Context) error {
	r, err := s.store.Review(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/ld+json")
	c.Response().WriteHeader(http.StatusOK)
	return web.WriteJSON(c.Response(), claimreview.Build(r, s.publisher(c)))
}

// handleClaimReviewFeed godoc
//
//	@Summary		Feed of every reviewed quote as ClaimReview
//	@ID				listClaimReviews
//	@Description	Reviewed quotes in the order their current verdicts were given, for publishing to fact-check aggregators: keep the last next_cursor (or the time of your last poll, as since) and ask again.
//	@Tags			verdicts
//	@Produce		json
//	@Param			since	query		string	false	"only quotes whose current verdict was given at or after this RFC 3339 time"	format(date-time)
//	@Param			limit	query		int		false	"page size, 1 to 100 (larger values are capped)"								minimum(1)	default(20)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	ClaimReviewList
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Router			/v1/claimreview [get]
func (s *Server) handleClaimReviewFeed(c echo.Context) error {
	q, err := readQuery(c, "since", "limit", "cursor")
	if err != nil {
		return err
	}
	f := db.ReviewFilter{Cursor: q.str("cursor")}
	if f.Limit, err = q.limit(); err != nil {
		return err
	}
	if since := q.str("since"); since != nil {
		t, err := time.Parse(time.RFC3339Nano, *since)
		if err != nil {
			return badRequest("since", "must be an RFC 3339 time such as 2025-04-22T00:00:00Z")
		}
		f.Since = &t
	}
	page, err := s.store.ListReviews(c.Request().Context(), f)
	if err != nil {
		return err
	}
	pub := s.publisher(c)
	out := ClaimReviewList{Data: make([]claimreview.ClaimReview, 0, len(page.Data)), NextCursor: page.NextCursor}
	for _, r := range page.Data {
		out.Data = append(out.Data, claimreview.Build(r, pub))
	}
	return c.JSON(http.StatusOK, out)
}

// publisher is the configured publisher, with the quote URL defaulting to this API's own
// quote endpoint as the request reached it.
func (s *Server) publisher(c echo.Context) claimreview.Publisher {
	p := s.cfg.Publisher
	if p.QuoteURL == "" {
		p.QuoteURL = c.Scheme() + "://" + c.Request().Host + "/v1/quotes/{id}"
	}
	if p.Name == "" {
		p.Name = "Verbatim"
	}
	return p
}
