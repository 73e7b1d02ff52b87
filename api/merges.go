package api

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
)

// MergeList is one page of merges, newest first.
type MergeList struct {
	Data       []*db.Merge `json:"data"`
	NextCursor *string     `json:"next_cursor" extensions:"x-nullable"`
} //@name MergeList

// handleSpeakerMerge godoc
//
//	@Summary		Merge a speaker into another
//	@ID				mergeSpeaker
//	@Description	Folds this speaker into the survivor named by into, in one transaction: every quote moves to the survivor (search finds them under its names), this speaker's name and aliases become the survivor's aliases, its Wikidata QID the survivor's when it has none, and webhook endpoints watching it watch the survivor too. From then on this speaker's ID answers 308 Permanent Redirect to the survivor on every read, and the quote filter speaker_id follows it; the ID is never reused. Speakers merged into this one earlier redirect to the survivor in one hop. Refused (409) while fact-checkers hold claims on its quotes, when both have Wikidata QIDs, or when it or the survivor was merged already. An admin can undo the merge (POST /v1/merges/{id}/undo) while the survivor is unchanged.
//	@Tags			speakers
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string			true	"the speaker merged away"
//	@Param			If-Match	header		string			false	"the ETag of the speaker merged away; 412 when it has changed since"
//	@Param			merge		body		db.MergeInput	true	"the survivor"
//	@Success		201			{object}	db.Merge
//	@Header			201			{string}	Location	"the merge's URL"
//	@Failure		400			{object}	Problem		"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem		"no such speaker"
//	@Failure		409			{object}	Problem		"merged already, into a merged speaker, two Wikidata QIDs, or quotes under a claim"
//	@Failure		412			{object}	Problem		"the speaker has changed since your ETag"
//	@Failure		413			{object}	Problem		"body over 1 MiB"
//	@Failure		415			{object}	Problem		"body is not JSON"
//	@Failure		422			{object}	Problem		"into is missing, this speaker itself, not a speaker ID or no speaker's"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/speakers/{id}/merge [post]
func (s *Server) handleSpeakerMerge(c echo.Context) error {
	return s.merge(c, s.store.MergeSpeaker)
}

// handleOutletMerge godoc
//
//	@Summary		Merge an outlet into another
//	@ID				mergeOutlet
//	@Description	Folds this outlet into the survivor named by into, as speakers merge: its quotes move, its name and aliases become the survivor's aliases (a quote naming "WSJ" finds "The Wall Street Journal" from then on), its URL and country the survivor's when it has none. Its ID answers 308 Permanent Redirect to the survivor on every read, and the quote filter outlet_id follows it.
//	@Tags			outlets
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string			true	"the outlet merged away"
//	@Param			If-Match	header		string			false	"the ETag of the outlet merged away; 412 when it has changed since"
//	@Param			merge		body		db.MergeInput	true	"the survivor"
//	@Success		201			{object}	db.Merge
//	@Header			201			{string}	Location	"the merge's URL"
//	@Failure		400			{object}	Problem		"malformed JSON, unknown field or wrong type"
//	@Failure		404			{object}	Problem		"no such outlet"
//	@Failure		409			{object}	Problem		"merged already, into a merged outlet, or quotes under a claim"
//	@Failure		412			{object}	Problem		"the outlet has changed since your ETag"
//	@Failure		413			{object}	Problem		"body over 1 MiB"
//	@Failure		415			{object}	Problem		"body is not JSON"
//	@Failure		422			{object}	Problem		"into is missing, this outlet itself, not an outlet ID or no outlet's"
//	@Security		BearerAuth
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/outlets/{id}/merge [post]
func (s *Server) handleOutletMerge(c echo.Context) error {
	return s.merge(c, s.store.MergeOutlet)
}

func (s *Server) merge(c echo.Context, merge func(ctx context.Context, id string, ifMatch []int64, in db.MergeInput) (*db.Merge, error)) error {
	var in db.MergeInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	m, err := merge(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/merges/"+m.ID)
	return c.JSON(http.StatusCreated, m)
}

// handleMergeList godoc
//
//	@Summary		Merges
//	@ID				listMerges
//	@Description	Merges of speakers and outlets, newest first, undone ones included: who merged what into what, when and why, how many quotes moved, and both records as they were.
//	@Tags			merges
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		query		string	false	"only merges of this speaker or outlet, merged away or surviving"
//	@Param			limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	MergeList
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure		401		{object}	Problem	"no valid API key"
//	@Failure		429		{object}	Problem	"the client's budget is spent"
//	@Router			/v1/merges [get]
func (s *Server) handleMergeList(c echo.Context) error {
	q, err := readQuery(c, "id", "limit", "cursor")
	if err != nil {
		return err
	}
	f := db.MergeFilter{ID: q.str("id"), Cursor: q.str("cursor")}
	if f.Limit, err = q.limit(); err != nil {
		return err
	}
	page, err := s.store.ListMerges(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, MergeList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleMergeGet godoc
//
//	@Summary		Get a merge
//	@ID				getMerge
//	@Description	One merge, with both records as they were before it.
//	@Tags			merges
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"merge ID"
//	@Success		200	{object}	db.Merge
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		404	{object}	Problem	"no such merge"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Router			/v1/merges/{id} [get]
func (s *Server) handleMergeGet(c echo.Context) error {
	m, err := s.store.Merge(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// handleMergeUndo godoc
//
//	@Summary		Undo a merge
//	@ID				undoMerge
//	@Description	Brings back the merged speaker or outlet as it was, under its own ID, with the quotes the merge moved, and gives the survivor back its names as they were; the redirect goes. Only while the survivor is as the merge left it: an edit, or a merge of it, since would be lost (409). Admins only.
//	@Tags			merges
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"merge ID"
//	@Success		200	{object}	db.Merge
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such merge"
//	@Failure		409	{object}	Problem	"undone already, or the survivor changed since"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/merges/{id}/undo [post]
func (s *Server) handleMergeUndo(c echo.Context) error {
	m, err := s.store.UndoMerge(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// DuplicateList is one page of suggested duplicates, strongest first.
type DuplicateList struct {
	Data       []*db.Duplicate `json:"data"`
	NextCursor *string         `json:"next_cursor" extensions:"x-nullable"`
} //@name DuplicateList

// handleSpeakerDuplicates godoc
//
//	@Summary		Likely duplicate speakers
//	@ID				listSpeakerDuplicates
//	@Description	Pairs of speakers that are likely one person, strongest first, for a fact-checker to merge or dismiss: a name of one that is a name or alias of the other once folded (same_name, 0.9); the same surname with given names or initials that agree — "K. Kellogg" and "Keith Kellogg" (initials, 0.7), or a surname with a title alone, "Gen. Kellogg" (0.5). Dismissed pairs are left out.
//	@Tags			speakers
//	@Produce		json
//	@Security		BearerAuth
//	@Param			min_score	query		number	false	"only pairs scoring at least this (0 to 1)"	minimum(0)	maximum(1)
//	@Param			limit		query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor		query		string	false	"next_cursor of the previous page"
//	@Success		200			{object}	DuplicateList
//	@Failure		400			{object}	Problem	"an unknown or malformed parameter"
//	@Failure		401			{object}	Problem	"no valid API key"
//	@Failure		403			{object}	Problem	"the key's role may not do this"
//	@Failure		429			{object}	Problem	"the client's budget is spent"
//	@Router			/v1/speakers/duplicates [get]
func (s *Server) handleSpeakerDuplicates(c echo.Context) error {
	return s.duplicates(c, "speaker")
}

// handleOutletDuplicates godoc
//
//	@Summary		Likely duplicate outlets
//	@ID				listOutletDuplicates
//	@Description	Pairs of outlets that are likely one, strongest first: the same web host, "www." aside (same_host, 0.9), or the same name but for a leading "The" (same_name, 0.9). Dismissed pairs are left out.
//	@Tags			outlets
//	@Produce		json
//	@Security		BearerAuth
//	@Param			min_score	query		number	false	"only pairs scoring at least this (0 to 1)"	minimum(0)	maximum(1)
//	@Param			limit		query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor		query		string	false	"next_cursor of the previous page"
//	@Success		200			{object}	DuplicateList
//	@Failure		400			{object}	Problem	"an unknown or malformed parameter"
//	@Failure		401			{object}	Problem	"no valid API key"
//	@Failure		403			{object}	Problem	"the key's role may not do this"
//	@Failure		429			{object}	Problem	"the client's budget is spent"
//	@Router			/v1/outlets/duplicates [get]
func (s *Server) handleOutletDuplicates(c echo.Context) error {
	return s.duplicates(c, "outlet")
}

func (s *Server) duplicates(c echo.Context, kind string) error {
	q, err := readQuery(c, "min_score", "limit", "cursor")
	if err != nil {
		return err
	}
	f := db.DuplicateFilter{Kind: kind, Cursor: q.str("cursor")}
	if f.Limit, err = q.limit(); err != nil {
		return err
	}
	if v := q.str("min_score"); v != nil {
		score, err := strconv.ParseFloat(*v, 64)
		if err != nil || score < 0 || score > 1 {
			return web.BadRequest("min_score", "must be a number from 0 to 1")
		}
		f.MinScore = score
	}
	page, err := s.store.Duplicates(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DuplicateList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleDismissalCreate godoc
//
//	@Summary		Dismiss a suggested duplicate
//	@ID				dismissDuplicate
//	@Description	Records that two speakers (or two outlets) are not one: the pair is not suggested again. Audited.
//	@Tags			merges
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			dismissal	body		db.DismissalInput	true	"the two IDs"
//	@Success		201			{object}	db.Dismissal
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		401			{object}	Problem	"no valid API key"
//	@Failure		403			{object}	Problem	"the key's role may not do this"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"not two speakers or two outlets, or one is unknown"
//	@Failure		429			{object}	Problem	"the client's budget is spent"
//	@Failure		507			{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/duplicates/dismissals [post]
func (s *Server) handleDismissalCreate(c echo.Context) error {
	var in db.DismissalInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	out, err := s.store.Dismiss(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// maxQIDRedirects is how many redirects one request applies; a whole Wikidata dump goes
// through the command line (verbatim speakers qid-redirects).
const maxQIDRedirects = 50000

// handleQIDRedirects godoc
//
//	@Summary		Apply Wikidata's redirects
//	@ID				applyQIDRedirects
//	@Description	Wikidata merges items too: the merged item's QID redirects to the survivor's. The body lists such redirects, one per line — old and new QID separated by a tab, a comma or spaces, or the N-Triples of Wikidata's RDF dumps (<http://www.wikidata.org/entity/Q1> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q2> .); blank lines and # comments are skipped. Where one speaker holds the old QID and another the new, the first is merged into the second; where only the old is held, its speaker takes the new QID. Chains are followed to their end; cycles, lines that cannot be read and refused merges are reported by line, and each other line stands. At most 50,000 redirects a request: a whole dump goes through `verbatim speakers qid-redirects`.
//	@Tags			speakers
//	@Accept			plain
//	@Produce		json
//	@Security		BearerAuth
//	@Param			redirects	body		string	true	"one redirect per line"
//	@Success		200			{object}	db.QIDReport
//	@Failure		400			{object}	Problem	"a line too long to be a redirect, or an unknown query parameter"
//	@Failure		401			{object}	Problem	"no valid API key"
//	@Failure		403			{object}	Problem	"the key's role may not do this"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not text/plain"
//	@Failure		422			{object}	Problem	"more than 50,000 redirects"
//	@Failure		429			{object}	Problem	"the client's budget is spent"
//	@Failure		507			{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/speakers/qid-redirects [post]
func (s *Server) handleQIDRedirects(c echo.Context) error {
	req := c.Request()
	if mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); err != nil || !strings.HasPrefix(mt, "text/") &&
		mt != "application/n-triples" {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("send the redirects as text/plain, not %q", req.Header.Get(echo.HeaderContentType)))
	}
	rep, err := s.store.ApplyQIDRedirects(req.Context(), http.MaxBytesReader(c.Response(), req.Body, maxBodyBytes), maxQIDRedirects)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge()
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}
