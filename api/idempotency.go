package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
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
			FieldError{Field: "Idempotency-Key", Message: "was used with another request"})
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	return nil, true, c.Blob(prev.Status, echo.MIMEApplicationJSON, prev.Response)
}

// body wraps the request body so that what is read is hashed.
func (i *idempotent) body(r io.Reader) io.Reader { return io.TeeReader(r, i.hash) }

// complete remembers the answer; the request body must have been read to its end.
func (i *idempotent) complete(status int, response []byte) error {
	i.done = true
	return i.s.store.CompleteIdempotencyKey(i.c.Request().Context(), i.key, hex.EncodeToString(i.hash.Sum(nil)), status, response)
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
