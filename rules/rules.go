// Package rules holds the validation rules every way into Verbatim shares — the API's
// request bodies and the bulk import's records — so a record is held to the same rules
// whichever way it arrives.
package rules

import (
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"
	"github.com/verbatimhq/verbatim/db"
)

// FieldError names a JSON field that breaks a rule, and why.
type FieldError struct {
	Field   string
	Message string
}

// New builds the server's one validator: JSON names in field paths, PATCH
// members validated by their value, and the rules the domain adds.
func New() *validator.Validate {
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
	// C0 control characters other than tab and line breaks are never part of what anyone
	// said, and would collide with the search index's snippet marks. (C1 controls are
	// left alone: they turn up in mis-decoded archives — LIAR has U+0090 — and the words
	// are kept as they came.)
	_ = v.RegisterValidation("nocontrol", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool {
			return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
		})
	})
	_ = v.RegisterValidation("web_url", func(fl validator.FieldLevel) bool { return IsWebURL(fl.Field().String()) })
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
	case "bcp47_language_tag":
		return "must be a BCP 47 language tag such as en or pt-BR"
	case "web_url":
		return "must be an absolute http or https URL"
	case "wikidata_qid":
		return "must be a Wikidata item ID such as Q42"
	case "nocontrol":
		return "must not contain control characters"
	}
	return "fails the " + fe.Tag() + " rule"
}

// Check validates v (a pointer to a struct) and lists every failing field by its JSON
// name. A value the validator cannot check at all is reported as one field-less error.
func Check(v *validator.Validate, dst any) []FieldError {
	err := v.Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return []FieldError{{Message: err.Error()}}
	}
	out := make([]FieldError, 0, len(verrs))
	for _, fe := range verrs {
		_, field, _ := strings.Cut(fe.Namespace(), ".") // drop the struct's own name
		out = append(out, FieldError{Field: field, Message: ruleMessage(fe)})
	}
	return out
}

// IsWebURL accepts absolute http and https URLs with a host.
func IsWebURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
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
