package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// Problem is a refusal as the door knows it, before a front end shows it: the status, a
// code naming the kind of problem (the core's error codes, and a few of HTTP's own), what
// to tell the client, the fields at fault and headers to send. A handler may return one;
// any other error becomes one here.
type Problem struct {
	Status int
	Code   string
	Detail string
	Fields []db.FieldError
	Header http.Header
	// Err is the error the problem was made from, for a front end that shows more of
	// some kinds (the API shows what a cut-short import committed).
	Err error
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%d %s: %s %v", p.Status, p.Code, p.Detail, p.Fields)
}

// NewProblem is a problem of status and code.
func NewProblem(status int, code, detail string, fields ...db.FieldError) *Problem {
	return &Problem{Status: status, Code: code, Detail: detail, Fields: fields}
}

// BadRequest is a 400 about input that cannot be read, naming the field when known.
func BadRequest(field, message string) *Problem {
	p := NewProblem(http.StatusBadRequest, db.Malformed, message)
	if field != "" {
		p.Fields = []db.FieldError{{Field: field, Message: message}}
		p.Detail = field + ": " + message
	}
	return p
}

// Invalid is the 422 listing every field that breaks a rule.
func Invalid(fields []db.FieldError) *Problem {
	detail := "1 field is invalid"
	if len(fields) > 1 {
		detail = strconv.Itoa(len(fields)) + " fields are invalid"
	}
	return NewProblem(http.StatusUnprocessableEntity, db.Invalid, detail, fields...)
}

// Unauthorized is a 401 that tells the client how to authenticate.
func Unauthorized(detail string) *Problem {
	p := NewProblem(http.StatusUnauthorized, db.Unauthorized, detail)
	p.Header = http.Header{"WWW-Authenticate": {`Bearer realm="verbatim"`}}
	return p
}

// StatusClientClosed is logged for requests the client abandoned, as nginx logs them.
const StatusClientClosed = 499

// statusOf maps the core's error codes to HTTP statuses: the one place that does, for
// every front end.
var statusOf = map[string]int{
	db.Malformed:          http.StatusBadRequest,
	db.Invalid:            http.StatusUnprocessableEntity,
	db.NotFound:           http.StatusNotFound,
	db.Conflict:           http.StatusConflict,
	db.PreconditionFailed: http.StatusPreconditionFailed,
	db.Busy:               http.StatusTooManyRequests,
	db.Unavailable:        http.StatusServiceUnavailable,
	db.Full:               http.StatusInsufficientStorage,
	db.Timeout:            http.StatusServiceUnavailable,
	db.Unauthorized:       http.StatusUnauthorized,
	db.Forbidden:          http.StatusForbidden,
	db.Moved:              http.StatusPermanentRedirect,
	db.Internal:           http.StatusInternalServerError,
}

// Status is the HTTP status of a core error code; 500 for a code it does not know.
func Status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Codes are the core's error codes the door maps, for tests that check every one is.
func Codes() []string {
	out := make([]string, 0, len(statusOf))
	for c := range statusOf {
		out = append(out, c)
	}
	return out
}

// codeOfStatus names the problem type of errors that come from HTTP itself.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            db.Malformed,
	http.StatusNotFound:              db.NotFound,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnauthorized:          db.Unauthorized,
	http.StatusForbidden:             db.Forbidden,
	http.StatusServiceUnavailable:    db.Unavailable,
	http.StatusTooManyRequests:       "rate_limited",
}

// problemOf turns any error into the problem shown for it. Unknown errors are 500s,
// logged with the request ID and never described to the client.
func (d *Door) problemOf(err error, c echo.Context) *Problem {
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var de *db.Error
	if errors.As(err, &de) && de.Code != db.Internal {
		p := NewProblem(Status(de.Code), de.Code, de.Message)
		p.Err = err
		switch {
		case len(de.Fields) > 0:
			q := Invalid(de.Fields)
			q.Status, q.Code, q.Err = p.Status, de.Code, err
			p = q
		case de.Field != "":
			p.Fields = []db.FieldError{{Field: de.Field, Message: de.Message}}
			p.Detail = de.Field + ": " + de.Message
		}
		switch de.Code {
		case db.Full:
			d.log.Error("storage full", "error", err, "request_id", rid)
		case db.Unavailable:
			p.Header = http.Header{"Retry-After": {"1"}}
			d.log.Warn("storage unavailable", "error", err, "request_id", rid)
		case db.Busy:
			p.Header = http.Header{"Retry-After": {"1"}}
		case db.Moved:
			p = movedProblem(c.Request(), de)
			p.Err = err
		}
		return p
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away mid-request: not a server failure, and nobody reads the
		// answer. 499 keeps it out of the 5xx counts.
		return NewProblem(StatusClientClosed, "client_closed", "the client closed the request")
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code < 500 {
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = "http_" + strconv.Itoa(he.Code)
		}
		detail := http.StatusText(he.Code)
		if msg, ok := he.Message.(string); ok && msg != "" {
			detail = msg
		}
		if he.Code == http.StatusMethodNotAllowed {
			detail = c.Request().Method + " is not allowed on " + c.Request().URL.Path
		}
		return NewProblem(he.Code, code, detail)
	}
	d.log.Error("internal error", "error", err, "request_id", rid,
		"method", c.Request().Method, "path", c.Request().URL.Path, slog.String("kind", fmt.Sprintf("%T", err)))
	return &Problem{Status: http.StatusInternalServerError, Code: db.Internal, Err: err,
		Detail: "an internal error occurred; it has been logged with the request ID"}
}

// movedProblem answers a request naming a merged speaker or outlet: a read is sent on to
// the survivor with a permanent redirect (Wikidata's REST API does the same for a merged
// item); a write is refused, with the survivor's URL, since the client wrote for a record
// that is no longer there and must look at the survivor before writing to it.
func movedProblem(r *http.Request, e *db.Error) *Problem {
	u := *r.URL
	parts := strings.Split(u.Path, "/")
	for i, part := range parts {
		if part == e.From {
			parts[i] = e.To
		}
	}
	u.Path, u.RawPath = strings.Join(parts, "/"), ""
	location := http.Header{"Location": {u.RequestURI()}}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		p := NewProblem(http.StatusPermanentRedirect, db.Moved, e.Message)
		p.Header = location
		return p
	}
	p := NewProblem(http.StatusConflict, db.Conflict, e.Message+"; write to it there")
	p.Header = location
	return p
}

// handleError is Echo's error handler: every error a handler returns, or a middleware
// raises, is shown here by the front end the request's path belongs to.
func (d *Door) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := d.problemOf(err, c)
	for k, vs := range p.Header {
		for _, v := range vs {
			c.Response().Header().Add(k, v)
		}
	}
	if f := d.frontFor(c.Request().URL.Path); f != nil {
		f.show(c, p)
		return
	}
	plainText(c, p)
}

// plainText shows a refusal on a path no front end holds.
func plainText(c echo.Context, p *Problem) {
	_ = c.String(p.Status, p.Detail)
}

// IsStatus reports whether err is a problem of status.
func IsStatus(err error, status int) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == status
}
