package db

import (
	"errors"
	"strings"
)

// Error codes. The HTTP layer maps each to one status; storage never speaks HTTP.
const (
	Malformed          = "malformed"           // the input cannot be read (a bad cursor, a bad date)
	Invalid            = "invalid"             // the input breaks a rule of the domain
	NotFound           = "not_found"           // no such resource
	Conflict           = "conflict"            // the change collides with what is stored
	PreconditionFailed = "precondition_failed" // the client's version is stale
	Busy               = "busy"                // too many expensive reads are running; try again in a moment
	Unavailable        = "unavailable"         // the database cannot take the write now (busy)
	Full               = "storage_full"        // the disk, or the configured size cap, is full
	Timeout            = "timeout"             // the work ran out of its time budget
	Unauthorized       = "unauthorized"        // no valid API key
	Forbidden          = "forbidden"           // the key's role does not allow this
	Moved              = "moved"               // the speaker or outlet was merged into another, which answers for it now
	Internal           = "internal"            // a bug or an unexpected failure
)

// Error is a storage error a client can act on. Field, when set, names the JSON field
// the error is about; Fields, when set, lists every failing field of an input (the first
// of them is Field and Message).
type Error struct {
	Code    string
	Field   string
	Message string
	Fields  []FieldError
	// From and To, for Moved: the ID asked for, and the one it was merged into, which
	// answers for it now.
	From, To string
	err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Field != "" {
		b.WriteString(" (" + e.Field + ")")
	}
	b.WriteString(": " + e.Message)
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.err }

// ErrorCode returns the code of err, Internal when err carries none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

func errorf(code, field, msg string) *Error {
	return &Error{Code: code, Field: field, Message: msg}
}

// NewError is an error of code with msg, wrapping err: how an engine reports what a
// client can act on (the disk full, the database busy) without speaking HTTP either.
func NewError(code, msg string, err error) *Error {
	return &Error{Code: code, Message: msg, err: err}
}
