package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// KeyList is every API key, revoked ones included.
type KeyList struct {
	Data []*db.APIKey `json:"data"`
} //@name KeyList

// KeyCreated is a new key with its secret: the only time the secret is shown.
type KeyCreated struct {
	Key    *db.APIKey `json:"key"`
	Secret string     `json:"secret" example:"vbt_k7q2…"`
} //@name KeyCreated

// AuditList is one page of the audit trail, newest first.
type AuditList struct {
	Data       []*db.AuditEntry `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} //@name AuditList

// handleKeyList godoc
//
//	@Summary	List API keys
//	@ID			listKeys
//	@Description	Every API key, revoked ones included, oldest first: name, role, the first characters of the key (hint), when it was made and revoked. Secrets are never shown again after creation.
//	@Tags		keys
//	@Produce	json
//	@Security	BearerAuth
//	@Success	200	{object}	KeyList
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	403	{object}	Problem	"the key's role may not do this"
//	@Failure	429	{object}	Problem	"the client's budget is spent"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/v1/keys [get]
func (s *Server) handleKeyList(c echo.Context) error {
	keys, err := s.store.Keys(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, KeyList{Data: keys})
}

// handleKeyCreate godoc
//
//	@Summary		Create an API key
//	@ID				createKey
//	@Description	The secret is in this answer and nowhere else: Verbatim stores only its hash. The key's name is what created_by, reviewed_by and the audit trail record.
//	@Tags			keys
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			key	body		db.KeyInput	true	"the key"
//	@Success		201	{object}	KeyCreated
//	@Failure		400	{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		413	{object}	Problem	"body over 1 MiB"
//	@Failure		415	{object}	Problem	"body is not JSON"
//	@Failure		422	{object}	Problem	"fields break the rules"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Failure		409	{object}	Problem	"an active key has this name already (or a request with this Idempotency-Key is still running)"
//	@Router			/v1/keys [post]
func (s *Server) handleKeyCreate(c echo.Context) error {
	var in db.KeyInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	k, secret, err := s.store.CreateKey(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, KeyCreated{Key: k, Secret: secret})
}

// handleKeyRevoke godoc
//
//	@Summary		Revoke an API key
//	@ID				revokeKey
//	@Description	The key stops working at once. Revoking a revoked key changes nothing.
//	@Tags			keys
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"key ID"
//	@Success		200	{object}	db.APIKey
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such key"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Router			/v1/keys/{id} [delete]
func (s *Server) handleKeyRevoke(c echo.Context) error {
	k, err := s.store.RevokeKey(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, k)
}

// handleAuditList godoc
//
//	@Summary		The audit trail
//	@ID				listAudit
//	@Description	Every write — create, update, delete, verdict, key change — with who made it, when, and each changed field before and after; newest first. Append-only. A bulk load (import) writes one entry a batch (action and resource `load`, the load's ID, the lines it covered); the quotes and appearances a batch created have no entry of their own, but a list by `resource_id` (and a quote's history) begins with their creation, under the batch's ID and time.
//	@Tags			keys
//	@Produce		json
//	@Security		BearerAuth
//	@Param			resource	query		string	false	"only this kind of resource"	Enums(quote, speaker, outlet, citation, appearance, verdict, key, webhook, load)
//	@Param			resource_id	query		string	false	"only this resource"
//	@Param			actor		query		string	false	"only writes by this key name"
//	@Param			since		query		string	false	"at or after this RFC 3339 time"					format(date-time)
//	@Param			until		query		string	false	"at or before this RFC 3339 time"					format(date-time)
//	@Param			limit		query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor		query		string	false	"next_cursor of the previous page"
//	@Success		200			{object}	AuditList
//	@Failure		400			{object}	Problem	"an unknown or malformed parameter"
//	@Failure		401			{object}	Problem	"no valid API key"
//	@Failure		403			{object}	Problem	"the key's role may not do this"
//	@Failure		429			{object}	Problem	"the client's budget is spent"
//	@Router			/v1/audit [get]
func (s *Server) handleAuditList(c echo.Context) error {
	q, err := readQuery(c, "resource", "resource_id", "actor", "since", "until", "limit", "cursor")
	if err != nil {
		return err
	}
	f := db.AuditFilter{ResourceID: q.str("resource_id"), Actor: q.str("actor"), Cursor: q.str("cursor")}
	if f.Resource, err = q.oneOf("resource", db.AuditResources); err != nil {
		return err
	}
	if f.Limit, err = q.limit(); err != nil {
		return err
	}
	if f.Since, err = q.time("since"); err != nil {
		return err
	}
	if f.Until, err = q.time("until"); err != nil {
		return err
	}
	page, err := s.store.Audit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, AuditList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleQuoteHistory godoc
//
//	@Summary		A quote's change history
//	@ID				quoteHistory
//	@Description	The audit entries of the quote, its citations, its appearances and its verdicts, newest first: who changed what, when, before and after. A quote a load created begins with its creation (and its appearances') under the entry of the load's batch: its ID and time, and the load's ID.
//	@Tags			quotes
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"quote ID"
//	@Param			limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	AuditList
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure		401		{object}	Problem	"no valid API key"
//	@Failure		404		{object}	Problem	"no such quote"
//	@Failure		429		{object}	Problem	"the client's budget is spent"
//	@Router			/v1/quotes/{id}/history [get]
func (s *Server) handleQuoteHistory(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	page, err := s.store.QuoteHistory(c.Request().Context(), c.Param("id"), limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, AuditList{Data: page.Data, NextCursor: page.NextCursor})
}

// time reads an RFC 3339 time parameter.
func (q *query) time(name string) (*time.Time, error) {
	v := q.str(name)
	if v == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return nil, badRequest(name, "must be an RFC 3339 time such as 2025-04-22T00:00:00Z")
	}
	return &t, nil
}
