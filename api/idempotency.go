package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// idempotent is a request sent with an Idempotency-Key, as Stripe defines it: the first
// answer is remembered for a day under the client's API key; a retry with the same
// request gets it again (Idempotent-Replayed: true), another request under the same key
// is a 422, and a retry while the first is still running is a 409.
type idempotent struct {
	s    *Server
	c    echo.Context
	key  string
	hash hash.Hash // of the method, path, query and body
	done bool
}

// claimIdempotency reads the request's Idempotency-Key. It returns nil and no error when
// there is none; an error (a 409, a 422, or nil with replayed true after the first answer
// has been sent again) when the request must not run. body is the request body, read
// whole only to compare it with the first request's when the key was used before.
func (s *Server) claimIdempotency(c echo.Context, body io.Reader) (idem *idempotent, replayed bool, err error) {
	key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	if key == "" {
		return nil, false, nil
	}
	if len(key) > 255 {
		return nil, false, badRequest("Idempotency-Key", "must be at most 255 characters")
	}
	h := sha256.New()
	req := c.Request()
	io.WriteString(h, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery+"\n")
	prev, err := s.store.ClaimIdempotencyKey(req.Context(), key)
	if err != nil {
		return nil, false, err
	}
	if prev == nil {
		return &idempotent{s: s, c: c, key: key, hash: h}, false, nil
	}
	if prev.Status == 0 {
		return nil, false, newProblem(http.StatusConflict, "conflict",
			"a request with this Idempotency-Key is still running; retry when it has answered")
	}
	if _, err := io.Copy(h, body); err != nil {
		return nil, false, err
	}
	if hex.EncodeToString(h.Sum(nil)) != prev.RequestHash {
		return nil, false, newProblem(http.StatusUnprocessableEntity, "idempotency_key_reused",
			"this Idempotency-Key was used with another request; use a new key for a new request",
			db.FieldError{Field: "Idempotency-Key", Message: "was used with another request"})
	}
	var ans answer
	if err := json.Unmarshal(prev.Response, &ans); err != nil {
		return nil, false, fmt.Errorf("api: read a remembered answer: %w", err)
	}
	if ans.Withheld != "" {
		return nil, false, newProblem(http.StatusConflict, "conflict", ans.Withheld)
	}
	out := c.Response().Header()
	for k, v := range ans.Header {
		out.Set(k, v)
	}
	out.Set("Idempotent-Replayed", "true")
	return nil, true, c.Blob(prev.Status, echo.MIMEApplicationJSON, ans.Body)
}

// answer is what is remembered of a response: its body and the headers a client acts on
// — or, for an answer that must not be kept (a new API key's secret is shown once and
// stored nowhere), why a retry cannot be answered with it.
type answer struct {
	Header   map[string]string `json:"header,omitempty"`
	Body     []byte            `json:"body,omitempty"`
	Withheld string            `json:"withheld,omitempty"`
}

// withheld are the creates whose answers are never remembered, and what a retry is told.
var withheld = map[string]string{
	"/v1/keys":                "an earlier request with this Idempotency-Key created the key; its secret was shown once and is stored nowhere, so it cannot be shown again: revoke that key and create another if the secret was lost",
	"/v1/webhooks":            "an earlier request with this Idempotency-Key created the endpoint; its signing secret was shown once and is not shown again: rotate it (POST /v1/webhooks/{id}/secret) if it was lost",
	"/v1/webhooks/:id/secret": "an earlier request with this Idempotency-Key rotated the secret; the new secret was shown once and is not shown again: rotate it once more if it was lost",
}

// rememberedHeaders are the response headers an answer is replayed with.
var rememberedHeaders = []string{"ETag", "Location"}

// body wraps the request body so that what is read is hashed.
func (i *idempotent) body(r io.Reader) io.Reader { return io.TeeReader(r, i.hash) }

// complete remembers the answer; the request body must have been read to its end.
func (i *idempotent) complete(status int, header http.Header, body []byte) error {
	ans := answer{Header: map[string]string{}, Body: body}
	if why, ok := withheld[i.c.Path()]; ok {
		ans = answer{Header: map[string]string{}, Withheld: why}
	}
	for _, k := range rememberedHeaders {
		if v := header.Get(k); v != "" {
			ans.Header[k] = v
		}
	}
	b, err := json.Marshal(ans)
	if err != nil {
		return err
	}
	i.done = true
	return i.s.store.CompleteIdempotencyKey(i.c.Request().Context(), i.key, hex.EncodeToString(i.hash.Sum(nil)), status, b)
}

// release forgets the claim when the request did not complete, so a retry runs it.
func (i *idempotent) release() {
	if i == nil || i.done {
		return
	}
	// The client may have gone: the claim is released all the same.
	if err := i.s.store.ReleaseIdempotencyKey(context.WithoutCancel(i.c.Request().Context()), i.key); err != nil {
		i.s.log.Warn("release idempotency key", "error", err)
	}
}

// idempotentCreate makes a create safe to retry with an Idempotency-Key: the body is read
// (it is small: maxBodyBytes), the key claimed, and a successful answer remembered and
// replayed to a retry of the same request. A failed request is not remembered: its retry
// runs again. Imports, whose bodies stream, claim their key in the handler instead.
func (s *Server) idempotentCreate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Header.Get("Idempotency-Key") == "" {
			return next(c)
		}
		body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return tooLarge()
			}
			return badRequest("", "could not read the request body: "+err.Error())
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		idem, replayed, err := s.claimIdempotency(c, bytes.NewReader(body))
		if err != nil || replayed {
			return err
		}
		defer idem.release()
		idem.hash.Write(body)
		rec := &recorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		if err := next(c); err != nil {
			return err
		}
		if status := c.Response().Status; status >= 200 && status < 300 {
			return idem.complete(status, c.Response().Header(), rec.body.Bytes())
		}
		return nil
	}
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection beneath.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
