package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
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

// ProblemType is the type URI of a problem code.
func ProblemType(code string) string { return "urn:verbatim:problem:" + code }

// showProblem writes a refusal as problem+json: the API's way of showing what the door
// made of an error.
func showProblem(c echo.Context, p *web.Problem) {
	body := Problem{
		Type:      ProblemType(p.Code),
		Title:     http.StatusText(p.Status),
		Status:    p.Status,
		Detail:    p.Detail,
		RequestID: web.RequestIDOf(c),
	}
	for _, f := range p.Fields {
		body.Errors = append(body.Errors, FieldError{Field: f.Field, Message: f.Message})
	}
	var cut *cutImport
	if errors.As(p.Err, &cut) {
		body.Import = &cut.result
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	_ = web.WriteJSON(c.Response(), body) // the status is out: nothing else to say if this fails
}

// Shorthands for the door's problems, as the handlers use them.
var (
	newProblem = web.NewProblem
	badRequest = web.BadRequest
)

// tooLarge is the 413 of a body over maxBodyBytes.
func tooLarge() *web.Problem {
	return newProblem(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request body is over %d bytes", maxBodyBytes))
}
