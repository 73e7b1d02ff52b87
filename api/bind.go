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
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
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
		off := invalidUTF8Offset(body)
		return badRequest(fieldAtOffset(body, off), fmt.Sprintf("invalid UTF-8 at byte %d; text must be UTF-8", off))
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

func tooLarge() *problem {
	return newProblem(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request body is over %d bytes", maxBodyBytes))
}

var unknownField = regexp.MustCompile(`^json: unknown field "(.*)"$`)

// jsonProblem explains a decoding error. encoding/json reports unknown fields only in its
// message text, so that one case is read from the text.
func jsonProblem(err error) *problem {
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

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// fieldAtOffset names the JSON member whose value spans byte off, "" when none does. It
// walks the tokens once; bodies are capped, so this stays cheap.
func fieldAtOffset(body []byte, off int) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		key    string
		index  int
		expect bool // in an object: the next string token is a key
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return path()
		}
		end := int(dec.InputOffset())
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expect {
			if key, ok := tok.(string); ok {
				stack[len(stack)-1].key = key
				stack[len(stack)-1].expect = false
				if end > off {
					return path()
				}
				continue
			}
		}
		if end > off {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, expect: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{index: 0})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object waits for a key, the array moves on.
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object {
				top.expect = true
			} else if tok != json.Delim('[') {
				top.index++
			}
		}
	}
}

// newValidator builds the server's one validator: JSON names in field paths, PATCH
// members validated by their value, and the rules the domain adds.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	v.RegisterCustomTypeFunc(func(f reflect.Value) any { return f.Interface().(db.Field[string]).Validatable() }, db.Field[string]{})
	v.RegisterCustomTypeFunc(func(f reflect.Value) any { return f.Interface().(db.Field[[]string]).Validatable() }, db.Field[[]string]{})
	v.RegisterCustomTypeFunc(func(f reflect.Value) any { return f.Interface().(db.Field[bool]).Validatable() }, db.Field[bool]{})
	qid := regexp.MustCompile(`^Q[1-9][0-9]{0,11}$`)
	_ = v.RegisterValidation("wikidata_qid", func(fl validator.FieldLevel) bool { return qid.MatchString(fl.Field().String()) })
	_ = v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return fl.Field().Kind() != reflect.String || strings.TrimSpace(fl.Field().String()) != ""
	})
	_ = v.RegisterValidation("web_url", func(fl validator.FieldLevel) bool { return isWebURL(fl.Field().String()) })
	return v
}

// validateStruct runs the validator and turns its complaints into one 422.
func (s *Server) validateStruct(dst any) error {
	err := s.validate.Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("api: validate %T: %w", dst, err)
	}
	fields := make([]FieldError, 0, len(verrs))
	for _, fe := range verrs {
		_, field, _ := strings.Cut(fe.Namespace(), ".") // drop the struct's own name
		fields = append(fields, FieldError{Field: field, Message: ruleMessage(fe)})
	}
	detail := "1 field is invalid"
	if len(fields) > 1 {
		detail = strconv.Itoa(len(fields)) + " fields are invalid"
	}
	return newProblem(http.StatusUnprocessableEntity, db.Invalid, detail, fields...)
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "notblank":
		if fe.Kind() == reflect.String || fe.Tag() == "required" {
			return "is required and must not be blank"
		}
	case "required_without":
		return "is required unless " + jsonName(fe.Param()) + " is given"
	case "excluded_with":
		return "give this or " + jsonName(fe.Param()) + ", not both"
	case "max":
		if fe.Kind() == reflect.Slice {
			return "must have at most " + fe.Param() + " items"
		}
		return "must be at most " + fe.Param() + " characters"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "bcp47_language_tag":
		return "must be a BCP 47 language tag such as en or pt-BR"
	case "web_url":
		return "must be an absolute http or https URL"
	case "wikidata_qid":
		return "must be a Wikidata item ID such as Q42"
	}
	return "fails the " + fe.Tag() + " rule"
}

// jsonName turns a Go field name from a validator parameter into its JSON name.
func jsonName(goName string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range goName {
		upper := r >= 'A' && r <= 'Z'
		if upper && prevLower {
			b.WriteByte('_')
		}
		prevLower = !upper
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
