package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
)

// maxBodyBytes caps every request body. A quote is at most 20,000 characters; 1 MiB is
// room for any honest request and cheap to refuse for a hostile one.
const maxBodyBytes = 1 << 20

// decode reads the request body strictly into dst (a pointer to a struct) and validates
// it. Unreadable input is a 400 naming the field where one can be named: an empty body,
// invalid UTF-8 (encoding/json would silently replace it, and Verbatim never alters the
// words), malformed JSON, anything but an object, unknown fields, wrong types, trailing
// data. A body that reads but breaks the rules is a 422 listing every failing field.
func (s *Server) decode(c echo.Context, dst any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
				fmt.Sprintf("send the body as application/json, not %q", ct))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge()
		}
		return badRequest("", "could not read the request body: "+err.Error())
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return badRequest("", "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		off := db.InvalidUTF8Offset(body)
		return badRequest(db.JSONFieldAt(body, off), fmt.Sprintf("invalid UTF-8 at byte %d; text must be UTF-8", off))
	}
	if off := db.LoneSurrogateOffset(body); off >= 0 {
		field := db.JSONFieldAt(body, off)
		return web.Invalid([]db.FieldError{{Field: field, Message: db.LoneSurrogateMessage}})
	}
	if trimmed[0] != '{' {
		return badRequest("", "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("", "unexpected data after the JSON object")
	}
	return s.validateStruct(dst)
}

var unknownField = regexp.MustCompile(`^json: unknown field "(.*)"$`)

// jsonProblem explains a decoding error. encoding/json reports unknown fields only in its
// message text, so that one case is read from the text.
func jsonProblem(err error) *web.Problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badRequest("", fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: ")))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return badRequest("", "the request body must be a JSON object")
		}
		return badRequest(field, "must be "+describeType(typ.Type)+", not "+typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "the JSON ends before it is complete")
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		return badRequest(m[1], "is not a field of this request")
	}
	return badRequest("", "could not decode the JSON body: "+err.Error())
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return "a " + t.Kind().String()
}

// validateStruct runs storage's rules on a request body, so that one 422 lists every
// failing field (storage applies the same rules again when it writes).
func (s *Server) validateStruct(dst any) error {
	if fields := db.FieldErrors(dst); len(fields) > 0 {
		return web.Invalid(fields)
	}
	return nil
}
