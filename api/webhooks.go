package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/webhook"
)

// WebhookList is every webhook endpoint.
type WebhookList struct {
	Data []*db.Webhook `json:"data"`
} //@name WebhookList

// WebhookCreated is an endpoint with its signing secret: the only time it is shown.
type WebhookCreated struct {
	Webhook *db.Webhook `json:"webhook"`
	// Secret signs every message (Standard Webhooks): give it to the receiver's
	// verification library as it is.
	Secret string `json:"secret" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"`
} //@name WebhookCreated

// DeliveryList is one page of an endpoint's deliveries, newest first.
type DeliveryList struct {
	Data       []*db.Delivery `json:"data"`
	NextCursor *string        `json:"next_cursor" extensions:"x-nullable"`
} //@name WebhookDeliveryList

// DeliveryDetail is a delivery with the body it sends and every attempt made.
type DeliveryDetail struct {
	Delivery *db.Delivery `json:"delivery"`
	// Payload is the body every attempt sends, signed.
	Payload  webhook.Message `json:"payload"`
	Attempts []db.Attempt    `json:"attempts"`
} //@name WebhookDeliveryDetail

// checkWebhookURL refuses, before it is stored, a URL no delivery could reach: one the
// outbound guard refuses whatever its name resolves to. (What a name resolves to is
// checked at every delivery.)
func (s *Server) checkWebhookURL(url *string) error {
	if url == nil || s.cfg.CheckWebhookURL == nil {
		return nil
	}
	if err := s.cfg.CheckWebhookURL(*url); err != nil {
		return newProblem(http.StatusUnprocessableEntity, db.Invalid, "url: "+err.Error(),
			db.FieldError{Field: "url", Message: err.Error()})
	}
	return nil
}

// handleWebhookCreate godoc
//
//	@Summary		Register a webhook endpoint
//	@ID				createWebhook
//	@Description	Verbatim POSTs a signed message (Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature headers) to the URL each time a change of a type the endpoint wants is committed, narrowed by its watches to changes touching some speakers, quotes, outlets or tags. The secret is in this answer and nowhere else. Deliveries are at least once, with the same webhook-id on every retry; see WebhookPayload for the body.
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			webhook	body		db.WebhookInput	true	"the endpoint"
//	@Success		201		{object}	WebhookCreated
//	@Header			201		{string}	ETag		"the endpoint's version"
//	@Header			201		{string}	Location	"the endpoint's URL"
//	@Failure		400		{object}	Problem		"malformed JSON, unknown field or wrong type"
//	@Failure		401		{object}	Problem		"no valid API key"
//	@Failure		403		{object}	Problem		"the key's role may not do this"
//	@Failure		413		{object}	Problem		"body over 1 MiB"
//	@Failure		415		{object}	Problem		"body is not JSON"
//	@Failure		422		{object}	Problem		"fields break the rules, or the URL is one deliveries may not reach"
//	@Failure		429		{object}	Problem		"the client's budget is spent"
//	@Failure		507		{object}	Problem		"the database is full: nothing was written"
//	@Failure		409	{object}	Problem	"an endpoint for this URL exists already (or a request with this Idempotency-Key is still running)"
//	@Router			/v1/webhooks [post]
func (s *Server) handleWebhookCreate(c echo.Context) error {
	var in db.WebhookInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	if err := s.checkWebhookURL(&in.URL); err != nil {
		return err
	}
	w, secret, err := s.store.CreateWebhook(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderLocation, "/v1/webhooks/"+w.ID)
	return sendVersioned(c, http.StatusCreated, w.Version, WebhookCreated{Webhook: w, Secret: secret})
}

// handleWebhookList godoc
//
//	@Summary	List webhook endpoints
//	@ID			listWebhooks
//	@Description	Every webhook endpoint, oldest first, with its event types, watches and health (enabled, disabled_reason, failing_since); secrets are never shown, only their hint.
//	@Tags		webhooks
//	@Produce	json
//	@Security	BearerAuth
//	@Success	200	{object}	WebhookList
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Failure	401	{object}	Problem	"no valid API key"
//	@Failure	403	{object}	Problem	"the key's role may not do this"
//	@Failure	429	{object}	Problem	"the client's budget is spent"
//	@Router		/v1/webhooks [get]
func (s *Server) handleWebhookList(c echo.Context) error {
	ws, err := s.store.Webhooks(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, WebhookList{Data: ws})
}

// handleWebhookGet godoc
//
//	@Summary		Get a webhook endpoint
//	@ID				getWebhook
//	@Description	enabled is false once the endpoint answered 410 Gone or failed every delivery for five days; disabled_reason says which.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"webhook ID"
//	@Success		200	{object}	db.Webhook
//	@Header			200	{string}	ETag	"the endpoint's version"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such webhook"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Router			/v1/webhooks/{id} [get]
func (s *Server) handleWebhookGet(c echo.Context) error {
	w, err := s.store.Webhook(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, w.Version, w)
}

// handleWebhookUpdate godoc
//
//	@Summary		Update a webhook endpoint
//	@ID				updateWebhook
//	@Description	Changes only the fields given; watches, when given, replace the endpoint's. enabled true turns an endpoint that was turned off on again (ping it first).
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"webhook ID"
//	@Param			If-Match	header		string			false	"the ETag you edited; 412 when the endpoint has changed since"
//	@Param			patch		body		db.WebhookPatch	true	"the fields to change"
//	@Success		200			{object}	db.Webhook
//	@Header			200			{string}	ETag	"the endpoint's new version"
//	@Failure		400			{object}	Problem	"malformed JSON, unknown field, wrong type or null"
//	@Failure		401			{object}	Problem	"no valid API key"
//	@Failure		403			{object}	Problem	"the key's role may not do this"
//	@Failure		404			{object}	Problem	"no such webhook"
//	@Failure		412			{object}	Problem	"the endpoint has changed since your ETag"
//	@Failure		413			{object}	Problem	"body over 1 MiB"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"fields break the rules, or the URL is one deliveries may not reach"
//	@Failure		429			{object}	Problem	"the client's budget is spent"
//	@Failure		507			{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/webhooks/{id} [patch]
func (s *Server) handleWebhookUpdate(c echo.Context) error {
	var p db.WebhookPatch
	if err := s.decode(c, &p); err != nil {
		return err
	}
	if p.URL.Set && !p.URL.Null {
		if err := s.checkWebhookURL(&p.URL.Value); err != nil {
			return err
		}
	}
	w, err := s.store.UpdateWebhook(c.Request().Context(), c.Param("id"), ifMatch(c.Request()), p)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, w.Version, w)
}

// handleWebhookDelete godoc
//
//	@Summary		Delete a webhook endpoint
//	@ID				deleteWebhook
//	@Description	Its pending deliveries are dropped with its delivery log.
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Param			id			path	string	true	"webhook ID"
//	@Param			If-Match	header	string	false	"the ETag you read; 412 when the endpoint has changed since"
//	@Success		204
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such webhook"
//	@Failure		412	{object}	Problem	"the endpoint has changed since your ETag"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/webhooks/{id} [delete]
func (s *Server) handleWebhookDelete(c echo.Context) error {
	if err := s.store.DeleteWebhook(c.Request().Context(), c.Param("id"), ifMatch(c.Request())); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleWebhookRotate godoc
//
//	@Summary		Rotate a webhook endpoint's secret
//	@ID				rotateWebhookSecret
//	@Description	A new secret, in this answer only. For 24 hours every message carries two signatures, one under each secret, so the receiver can switch without losing a message; then only the new one.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"webhook ID"
//	@Success		200	{object}	WebhookCreated
//	@Header			200	{string}	ETag	"the endpoint's new version"
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such webhook"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/webhooks/{id}/secret [post]
func (s *Server) handleWebhookRotate(c echo.Context) error {
	w, secret, err := s.store.RotateWebhookSecret(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return sendVersioned(c, http.StatusOK, w.Version, WebhookCreated{Webhook: w, Secret: secret})
}

// handleWebhookPing godoc
//
//	@Summary		Send a webhook endpoint a test message
//	@ID				pingWebhook
//	@Description	Queues a webhook.ping message, signed like any other — also to an endpoint that was turned off, to try it before turning it on. Its delivery is in the log.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"webhook ID"
//	@Success		202	{object}	db.Delivery
//	@Header			202	{string}	Location	"the delivery's URL"
//	@Failure		400	{object}	Problem		"an unknown query parameter"
//	@Failure		401	{object}	Problem		"no valid API key"
//	@Failure		403	{object}	Problem		"the key's role may not do this"
//	@Failure		404	{object}	Problem		"no such webhook"
//	@Failure		429	{object}	Problem		"the client's budget is spent"
//	@Failure		507	{object}	Problem		"the database is full: nothing was written"
//	@Router			/v1/webhooks/{id}/ping [post]
func (s *Server) handleWebhookPing(c echo.Context) error {
	dl, err := s.store.PingWebhook(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/webhooks/"+dl.WebhookID+"/deliveries/"+dl.ID)
	return c.JSON(http.StatusAccepted, dl)
}

// handleDeliveryList godoc
//
//	@Summary		List a webhook endpoint's deliveries
//	@ID				listWebhookDeliveries
//	@Description	Newest first, kept for 30 days once settled.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"webhook ID"
//	@Param			state	query		string	false	"only deliveries in this state"						Enums(pending, succeeded, failed)
//	@Param			limit	query		int		false	"page size, 1 to 100 (larger values are capped)"	minimum(1)	default(20)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	DeliveryList
//	@Failure		400		{object}	Problem	"an unknown or malformed parameter"
//	@Failure		401		{object}	Problem	"no valid API key"
//	@Failure		403		{object}	Problem	"the key's role may not do this"
//	@Failure		404		{object}	Problem	"no such webhook"
//	@Failure		429		{object}	Problem	"the client's budget is spent"
//	@Router			/v1/webhooks/{id}/deliveries [get]
func (s *Server) handleDeliveryList(c echo.Context) error {
	q, err := readQuery(c, "state", "limit", "cursor")
	if err != nil {
		return err
	}
	f := db.DeliveryFilter{Cursor: q.str("cursor")}
	if f.State, err = q.oneOf("state", []string{"pending", "succeeded", "failed"}); err != nil {
		return err
	}
	if f.Limit, err = q.limit(); err != nil {
		return err
	}
	page, err := s.store.ListDeliveries(c.Request().Context(), c.Param("id"), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DeliveryList{Data: page.Data, NextCursor: page.NextCursor})
}

// handleDeliveryGet godoc
//
//	@Summary		Get a delivery with its attempts
//	@ID				getWebhookDelivery
//	@Description	The message it sends and every attempt: when, how long, the status code and the start of the answer.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"webhook ID"
//	@Param			did	path		string	true	"delivery ID"
//	@Success		200	{object}	DeliveryDetail
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such webhook or delivery"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Router			/v1/webhooks/{id}/deliveries/{did} [get]
func (s *Server) handleDeliveryGet(c echo.Context) error {
	dl, attempts, err := s.store.Delivery(c.Request().Context(), c.Param("id"), c.Param("did"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DeliveryDetail{Delivery: dl, Payload: webhook.NewMessage(dl.Event, s.publicURL(c)),
		Attempts: attempts})
}

// handleRedeliver godoc
//
//	@Summary		Send a delivery again
//	@ID				redeliverWebhookDelivery
//	@Description	One more attempt, now, with the same webhook-id — whatever became of the delivery — so a receiver that deduplicates by webhook-id ignores it if it had it.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"webhook ID"
//	@Param			did	path		string	true	"delivery ID"
//	@Success		202	{object}	db.Delivery
//	@Failure		400	{object}	Problem	"an unknown query parameter"
//	@Failure		401	{object}	Problem	"no valid API key"
//	@Failure		403	{object}	Problem	"the key's role may not do this"
//	@Failure		404	{object}	Problem	"no such webhook or delivery"
//	@Failure		429	{object}	Problem	"the client's budget is spent"
//	@Failure		507	{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/webhooks/{id}/deliveries/{did}/redeliver [post]
func (s *Server) handleRedeliver(c echo.Context) error {
	dl, err := s.store.Redeliver(c.Request().Context(), c.Param("id"), c.Param("did"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, dl)
}

// handleWebhookRecover godoc
//
//	@Summary		Send an endpoint's failed deliveries again
//	@ID				recoverWebhookDeliveries
//	@Description	Every delivery of the endpoint made at or after since that failed — unsent because the endpoint was turned off, or with its retries spent — is sent again, with the same webhook-id, as Svix's recover does. An endpoint that is turned off keeps no backlog: its pending deliveries fail at once, saying so, and none is made while it is off; after turning it on, recover what it missed from the moment it went down. The log keeps deliveries 30 days. The endpoint must be on.
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string				true	"webhook ID"
//	@Param			recover	body		db.RecoverInput		true	"from when"
//	@Success		202		{object}	db.Recovered
//	@Failure		400		{object}	Problem	"malformed JSON, unknown field or wrong type"
//	@Failure		401		{object}	Problem	"no valid API key"
//	@Failure		403		{object}	Problem	"the key's role may not do this"
//	@Failure		404		{object}	Problem	"no such webhook"
//	@Failure		409		{object}	Problem	"the endpoint is turned off"
//	@Failure		413		{object}	Problem	"body over 1 MiB"
//	@Failure		415		{object}	Problem	"body is not JSON"
//	@Failure		422		{object}	Problem	"since is missing or not an RFC 3339 date and time"
//	@Failure		429		{object}	Problem	"the client's budget is spent"
//	@Failure		507		{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/webhooks/{id}/recover [post]
func (s *Server) handleWebhookRecover(c echo.Context) error {
	var in db.RecoverInput
	if err := s.decode(c, &in); err != nil {
		return err
	}
	n, err := s.store.RecoverDeliveries(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, n)
}

// publicURL is the API's URL as the world reaches it: the configured one, else this
// request's scheme and host.
func (s *Server) publicURL(c echo.Context) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return c.Scheme() + "://" + c.Request().Host
}
