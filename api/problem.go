package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// Problem is an RFC 9457 problem details body, sent as application/problem+json for
// every error, 500 included.
type Problem struct {
	Type      string       `json:"type" example:"urn:verbatim:problem:invalid"`
	Title     string       `json:"title" example:"Invalid input"`
	Status    int          `json:"status" example:"422"`
	Detail    string       `json:"detail,omitempty" example:"1 field is invalid"`
	RequestID string       `json:"request_id,omitempty" example:"3f1b8c9e0a7d4e2b"`
	Errors    []FieldError `json:"errors,omitempty"`
	// Import, on an import that stopped part way, is what it committed before it stopped.
	Import *db.ImportResult `json:"import,omitempty"`
} //@name Problem

// FieldError names one JSON field (or query parameter) that is wrong, and why.
type FieldError struct {
	Field   string `json:"field" example:"speaker_id"`
	Message string `json:"message" example:"is required"`
} //@name FieldError

// problem is an error that already knows the response it becomes.
type problem struct {
	status int
	code   string
	detail string
	fields []FieldError
	header http.Header
	// importResult is what an import that stopped part way committed.
	importResult *db.ImportResult
}

func (p *problem) Error() string {
	return fmt.Sprintf("%d %s: %s %v", p.status, p.code, p.detail, p.fields)
}

func newProblem(status int, code, detail string, fields ...FieldError) *problem {
	return &problem{status: status, code: code, detail: detail, fields: fields}
}

// badRequest is a 400 about input that cannot be read, naming the field when known.
func badRequest(field, message string) *problem {
	p := newProblem(http.StatusBadRequest, db.Malformed, message)
	if field != "" {
		p.fields = []FieldError{{Field: field, Message: message}}
		p.detail = field + ": " + message
	}
	return p
}

// statusClientClosed is logged for requests the client abandoned.
const statusClientClosed = 499

// statusOf maps storage error codes to HTTP statuses: the one place that does.
var statusOf = map[string]int{
	db.Malformed:          http.StatusBadRequest,
	db.Invalid:            http.StatusUnprocessableEntity,
	db.NotFound:           http.StatusNotFound,
	db.Conflict:           http.StatusConflict,
	db.PreconditionFailed: http.StatusPreconditionFailed,
	db.Unavailable:        http.StatusServiceUnavailable,
	db.Full:               http.StatusInsufficientStorage,
	db.Timeout:            http.StatusServiceUnavailable,
	db.Unauthorized:       http.StatusUnauthorized,
	db.Forbidden:          http.StatusForbidden,
	db.Internal:           http.StatusInternalServerError,
}

// codeOfStatus names the problem type of errors that come from HTTP itself.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            db.Malformed,
	http.StatusNotFound:              db.NotFound,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusServiceUnavailable:    db.Unavailable,
	http.StatusTooManyRequests:       "rate_limited",
}

// handleError is Echo's error handler: every error a handler returns, or a middleware
// raises, becomes problem+json here. Unknown errors are 500s, logged with the request ID
// and never described to the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.toProblem(err, c)
	body := Problem{
		Type:      "urn:verbatim:problem:" + p.code,
		Title:     http.StatusText(p.status),
		Status:    p.status,
		Detail:    p.detail,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		Errors:    p.fields,
		Import:    p.importResult,
	}
	for k, vs := range p.header {
		for _, v := range vs {
			c.Response().Header().Add(k, v)
		}
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.status)
	if c.Request().Method == http.MethodHead {
		return
	}
	if err := encodeJSON(c.Response(), body); err != nil {
		s.log.Warn("write problem", "error", err, "request_id", body.RequestID)
	}
}

func (s *Server) toProblem(err error, c echo.Context) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	var de *db.Error
	if errors.As(err, &de) && de.Code != db.Internal {
		p := newProblem(statusOf[de.Code], de.Code, de.Message)
		switch {
		case len(de.Fields) > 0:
			return fieldsProblem(de.Fields)
		case de.Field != "":
			p.fields = []FieldError{{Field: de.Field, Message: de.Message}}
			p.detail = de.Field + ": " + de.Message
		}
		if de.Code == db.Full {
			s.log.Error("storage full", "error", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		if de.Code == db.Unavailable {
			p.header = http.Header{"Retry-After": {"1"}}
			s.log.Warn("storage unavailable", "error", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		return p
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away mid-request: not a server failure, and nobody reads the
		// answer. 499 (as nginx logs it) keeps it out of the 5xx counts.
		return newProblem(statusClientClosed, "client_closed", "the client closed the request")
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code < 500 {
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = "http_" + fmt.Sprint(he.Code)
		}
		detail := http.StatusText(he.Code)
		if msg, ok := he.Message.(string); ok && msg != "" {
			detail = msg
		}
		p := newProblem(he.Code, code, detail)
		if he.Code == http.StatusMethodNotAllowed {
			detail = c.Request().Method + " is not allowed on " + c.Request().URL.Path
			p.detail = detail
		}
		return p
	}
	s.log.Error("internal error", "error", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
		"method", c.Request().Method, "path", c.Request().URL.Path, slog.String("kind", fmt.Sprintf("%T", err)))
	return newProblem(http.StatusInternalServerError, db.Internal, "an internal error occurred; it has been logged with the request ID")
}
