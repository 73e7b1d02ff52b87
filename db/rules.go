package db

// The validation rules every way into Verbatim shares. They live beside the inputs they
// check, and storage applies them itself on every write — the API's handlers, the bulk
// import through the API and the command line — so no way in can skip them. The API also
// runs them before storage, only to list every failing field of a request at once.

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// FieldError names a JSON field that breaks a rule, and why.
type FieldError struct {
	Field   string
	Message string
}

// FieldErrors lists every field of v (a pointer to an input struct) that breaks a rule,
// by its JSON name; nil when v keeps every rule.
func FieldErrors(v any) []FieldError { return checkRules(theValidator(), v) }

// validateInput is FieldErrors as a storage error: Invalid, naming every failing field.
func validateInput(v any) error {
	if e := invalid(FieldErrors(v)); e != nil {
		return e
	}
	return nil // not a nil *Error: an interface holding one is not nil
}

// theValidator is built once: validator caches what it learns of each struct type.
var theValidator = sync.OnceValue(newValidator)

// embedded stands, in a field's path, for a struct embedded without a JSON name: JSON
// makes its fields the outer object's, and so do the paths.
const embedded = "\x00embedded"

// newValidator builds the one validator: JSON names in field paths, PATCH members
// validated by their value, and the rules the domain adds.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" && f.Anonymous {
			return embedded // its fields are the outer object's, as JSON has them
		}
		return name
	})
	v.RegisterCustomTypeFunc(func(f reflect.Value) any { return f.Interface().(Field[string]).Validatable() }, Field[string]{})
	v.RegisterCustomTypeFunc(func(f reflect.Value) any { return f.Interface().(Field[[]string]).Validatable() }, Field[[]string]{})
	v.RegisterCustomTypeFunc(func(f reflect.Value) any { return f.Interface().(Field[bool]).Validatable() }, Field[bool]{})
	v.RegisterCustomTypeFunc(func(f reflect.Value) any { return f.Interface().(Field[[]Position]).Validatable() }, Field[[]Position]{})
	_ = v.RegisterValidation("wikidata_qid", func(fl validator.FieldLevel) bool { return qidRE.MatchString(fl.Field().String()) })
	_ = v.RegisterValidation("partial_date", func(fl validator.FieldLevel) bool {
		_, _, err := NormalizeDate(fl.Field().String(), nil)
		return err == nil
	})
	_ = v.RegisterValidation("lang", func(fl validator.FieldLevel) bool { return langRE.MatchString(fl.Field().String()) })
	_ = v.RegisterValidation("country", func(fl validator.FieldLevel) bool { return countryRE.MatchString(fl.Field().String()) })
	_ = v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return fl.Field().Kind() != reflect.String || strings.TrimSpace(fl.Field().String()) != ""
	})
	_ = v.RegisterValidation("web_url", func(fl validator.FieldLevel) bool { return IsWebURL(fl.Field().String()) })
	for name, vocab := range Vocabularies {
		_ = v.RegisterValidation(name, func(fl validator.FieldLevel) bool { return slices.Contains(vocab, fl.Field().String()) })
	}
	return v
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
	case "lang":
		return "must be a BCP 47 language tag such as en or pt-BR"
	case "web_url":
		return "must be an absolute http or https URL"
	case "wikidata_qid":
		return "must be a Wikidata item ID such as Q42"
	case "partial_date":
		return "must be a date as precise as known: YYYY-MM-DD, YYYY-MM or YYYY"
	case "country":
		return "must be a country as ISO 3166-1 alpha-2 writes it, such as US or GB"
	case "datetime":
		return "must be a date and time as RFC 3339 writes it, such as 2026-12-01T00:00:00Z"
	}
	if vocab, ok := Vocabularies[fe.Tag()]; ok {
		return "must be one of: " + strings.Join(vocab, ", ")
	}
	return "fails the " + fe.Tag() + " rule"
}

// checkRules validates dst (a pointer to a struct) and lists every failing field by its
// JSON name. A value the validator cannot check at all is one field-less error.
func checkRules(v *validator.Validate, dst any) []FieldError {
	out := textErrors(reflect.ValueOf(dst), "")
	err := v.Struct(dst)
	if err == nil {
		return out
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return append(out, FieldError{Message: err.Error()})
	}
	for _, fe := range verrs {
		_, field, _ := strings.Cut(fe.Namespace(), ".") // drop the struct's own name
		field = strings.ReplaceAll(field, embedded+".", "")
		out = append(out, FieldError{Field: field, Message: ruleMessage(fe)})
	}
	return out
}

// textErrors checks every string in v, however deep, for what no field may hold: bytes
// that are not UTF-8 (a CSV or TSV cell arrives raw, and the words are refused rather
// than altered; the JSON readers check the bytes before decoding, which would replace
// them with U+FFFD) and C0 control characters other than tab and line breaks, which are
// never part of what anyone said and would collide with the snippet marks. C1 controls
// are left alone: they turn up in mis-decoded archives (LIAR has U+0090) and the words are
// kept as they came.
//
// Every imported record goes through here, and nearly all are clean: textClean says so
// without building a path or an error, and only a record that is not is walked again to
// name its fields.
func textErrors(v reflect.Value, path string) []FieldError {
	if textClean(v) {
		return nil
	}
	return textFieldErrors(v, path)
}

// textClean reports whether every string in v is valid UTF-8 without forbidden controls.
func textClean(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || textClean(v.Elem())
	case reflect.String:
		return cleanText(v.String())
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if !textClean(v.Index(i)) {
				return false
			}
		}
	case reflect.Struct:
		for _, i := range textFields(v.Type()) {
			if !textClean(v.Field(i)) {
				return false
			}
		}
	}
	return true
}

// cleanText is the check on one string: printable ASCII passes at a glance.
func cleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return utf8.ValidString(s) && !strings.ContainsFunc(s, forbiddenControl)
		}
	}
	return true
}

func forbiddenControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}

// textFieldsOf caches, per struct type, the fields textFieldErrors walks.
var textFieldsOf sync.Map // reflect.Type → []int

func textFields(t reflect.Type) []int {
	if f, ok := textFieldsOf.Load(t); ok {
		return f.([]int)
	}
	var out []int
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); f.IsExported() && name != "-" &&
			(name != "" || f.Anonymous || strings.HasPrefix(t.Name(), "Field[")) {
			out = append(out, i)
		}
	}
	textFieldsOf.Store(t, out)
	return out
}

// textFieldErrors is textErrors naming each field at fault.
func textFieldErrors(v reflect.Value, path string) []FieldError {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return textFieldErrors(v.Elem(), path)
	case reflect.String:
		s := v.String()
		if !utf8.ValidString(s) {
			return []FieldError{{Field: path, Message: "must be valid UTF-8"}}
		}
		if strings.ContainsFunc(s, forbiddenControl) {
			return []FieldError{{Field: path, Message: "must not contain control characters"}}
		}
	case reflect.Slice, reflect.Array:
		var out []FieldError
		for i := range v.Len() {
			out = append(out, textFieldErrors(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case reflect.Struct:
		var out []FieldError
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			sub := path
			switch {
			case f.Anonymous:
			case name == "" && t.Name() != "" && strings.HasPrefix(t.Name(), "Field["):
				// a PATCH member's Value stands for the member itself
			case name == "":
				continue
			default:
				if sub != "" {
					sub += "."
				}
				sub += name
			}
			out = append(out, textFieldErrors(v.Field(i), sub)...)
		}
		return out
	}
	return nil
}

// IsWebURL accepts absolute http and https URLs with a host, in WebURLPattern's form.
func IsWebURL(s string) bool {
	if !webURLRE.MatchString(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https")
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
