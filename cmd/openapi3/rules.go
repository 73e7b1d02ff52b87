package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/outbound"
)

// The document states exactly what the server accepts. swag carries a field's type, its
// length and its enum, but not the rest of its rules; these are read here from where the
// server keeps them — the validate tags of the types the server reads bodies into, and
// the core's patterns — so that the document cannot drift from them.

// requestSchemas are the schemas of request bodies and the Go types the server reads each
// into. Every schema a request body refers to must be here: rules stays an error until
// it is.
var requestSchemas = map[string]reflect.Type{
	"QuoteCreate":              reflect.TypeFor[db.QuoteInput](),
	"QuotePatch":               reflect.TypeFor[db.QuotePatch](),
	"SpeakerCreate":            reflect.TypeFor[db.SpeakerInput](),
	"SpeakerPatch":             reflect.TypeFor[db.SpeakerPatch](),
	"OutletCreate":             reflect.TypeFor[db.OutletInput](),
	"OutletPatch":              reflect.TypeFor[db.OutletPatch](),
	"CitationCreate":           reflect.TypeFor[db.CitationInput](),
	"CitationPatch":            reflect.TypeFor[db.CitationPatch](),
	"VerdictCreate":            reflect.TypeFor[db.VerdictInput](),
	"KeyCreate":                reflect.TypeFor[db.KeyInput](),
	"WebhookCreate":            reflect.TypeFor[db.WebhookInput](),
	"WebhookPatch":             reflect.TypeFor[db.WebhookPatch](),
	"MergeCreate":              reflect.TypeFor[db.MergeInput](),
	"DismissalCreate":          reflect.TypeFor[db.DismissalInput](),
	"AppearanceCreate":         reflect.TypeFor[db.AppearanceInput](),
	"AppearanceReview":         reflect.TypeFor[db.AppearanceReview](),
	"AppearanceRejection":      reflect.TypeFor[db.AppearanceRejection](),
	"FirstAppearancePinCreate": reflect.TypeFor[db.PinInput](),
	// Position is a member's schema of its own, in requests (a speaker's positions) and
	// answers alike: its rules are true of both.
	"Position":       reflect.TypeFor[db.Position](),
	"WebhookWatches": reflect.TypeFor[db.Watches](),
	"WebhookRecover": reflect.TypeFor[db.RecoverInput](),
	"ExtractRequest": reflect.TypeFor[api.ExtractRequest](),
}

// overrides are the members whose form is another's than their tags say: a receiver's
// URL is held by the outbound guard too.
var overrides = map[string]string{"WebhookCreate.url": outbound.URLPattern, "WebhookPatch.url": outbound.URLPattern}

// datesSaid are the members the core reads as a date said (db.NormalizeDate), not by a
// validate tag: a day, a month or a year.
var datesSaid = map[string]bool{"QuoteCreate.said_on": true, "QuotePatch.said_on": true, "AppearanceCreate.published_on": true}

// idPrefixes are the ID members of bodies and the prefix of the IDs they name.
var idPrefixes = map[string]string{"speaker_id": "spk", "outlet_id": "out", "citation_ids": "cit",
	"speakers": "spk", "quotes": "q", "outlets": "out", "appearance_id": "app"}

// idPattern is the form of the server's IDs with prefix.
func idPattern(prefix string) string { return "^" + prefix + "_[0-9A-HJKMNP-TV-Z]{26}$" }

// rules states the validate tags of each request body type in its schema, and checks
// that every request body's schema is one of requestSchemas.
func rules(doc *openapi3.T) error {
	for name, t := range requestSchemas {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			return fmt.Errorf("rules: no schema %s in the document", name)
		}
		if err := fieldRules(name, s.Value, t); err != nil {
			return err
		}
		// The server reads bodies strictly: a member it does not know is refused (400).
		s.Value.AdditionalProperties = openapi3.AdditionalProperties{Has: new(bool)}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				if ref := mt.Schema; ref != nil && strings.HasPrefix(ref.Ref, "#/components/schemas/") {
					if _, ok := requestSchemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]; !ok {
						return fmt.Errorf("rules: %s %s reads %s, which requestSchemas does not name", method, path, ref.Ref)
					}
				}
			}
		}
	}
	return nil
}

// fieldRules applies the rules of t's fields to the schema's properties.
func fieldRules(name string, s *openapi3.Schema, t reflect.Type) error {
	for i := range t.NumField() {
		f := t.Field(i)
		json, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && json == "" {
			if err := fieldRules(name, s, f.Type); err != nil {
				return err
			}
			continue
		}
		if json == "" || json == "-" {
			continue
		}
		p := s.Properties[json]
		if p == nil || p.Value == nil {
			return fmt.Errorf("rules: %s.%s is not in the document", name, json)
		}
		if p.Ref != "" {
			continue // a schema of its own, with its own rules
		}
		field, items, _ := strings.Cut(f.Tag.Get("validate"), "dive")
		stringRules(p.Value, strings.Split(field, ","), name+"."+json)
		if pattern, ok := overrides[name+"."+json]; ok {
			p.Value.Pattern = pattern
		}
		if p.Value.Items != nil && p.Value.Items.Value != nil {
			stringRules(p.Value.Items.Value, strings.Split(items, ","), name+"."+json)
		}
	}
	return nil
}

// stringRules states a string schema's rules: its pattern (the one pattern it keeps, the
// most specific of its rules; every other string at least refuses the control characters
// no text may hold) and a minimum length where the value is required to be something.
//
// member is the schema's name and the member's, "QuoteCreate.said_on".
func stringRules(s *openapi3.Schema, tags []string, member string) {
	if s.Type == nil || !s.Type.Includes("string") || len(s.Enum) > 0 {
		return
	}
	if datesSaid[member] {
		s.Pattern, s.Format = db.DatePattern, "" // a day, a month or a year: not format: date
		return
	}
	if s.Format == "date" || s.Format == "date-time" {
		return // the format says it all
	}
	pattern := db.TextPattern
	for _, tag := range tags {
		tag, param, _ := strings.Cut(strings.TrimSpace(tag), "=")
		switch tag {
		case "required", "notblank":
			pattern = db.NotBlankPattern
			s.MinLength = 1
		case "web_url":
			pattern = db.WebURLPattern
		case "wikidata_qid":
			pattern = db.QIDPattern
		case "partial_date":
			pattern = db.DatePattern
		case "country":
			pattern = db.CountryPattern
		case "lang":
			pattern = db.LangPattern
		case "max":
			if n, err := strconv.ParseUint(param, 10, 64); err == nil {
				s.MaxLength = &n
			}
		}
	}
	_, bare, _ := strings.Cut(member, ".")
	if prefix, ok := idPrefixes[bare]; ok {
		pattern = idPattern(prefix)
	}
	s.Pattern = pattern
}

// paramPatterns are the query and header parameters the server reads by a pattern.
var paramPatterns = map[string]string{
	"said_from": db.DatePattern, "said_to": db.DatePattern, "facets": db.FacetsPattern(),
	"If-Match": api.ETagsPattern, "If-None-Match": api.ETagsPattern,
}

// parameterRules gives the parameters their patterns.
func parameterRules(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value == nil || p.Value.Schema == nil || p.Value.Schema.Value == nil {
					continue
				}
				if pattern, ok := paramPatterns[p.Value.Name]; ok {
					p.Value.Schema.Value.Pattern = pattern
				}
			}
		}
	}
}

// datePrecision states the rules between said_on and date_precision: a precision needs a
// date said (on a create; a patch may give one to the date already stored), and may be no
// finer than the date is written (2025 is a year, 2025-04 a month or a year).
func datePrecision(doc *openapi3.T) {
	finer := []struct{ pattern, precisions string }{
		{`^[0-9]{4}$`, "year"}, {`^[0-9]{4}-[0-9]{2}$`, "month,year"},
	}
	// The date each schema's precision is of.
	dated := []struct{ schema, date string }{{"QuoteCreate", "said_on"}, {"QuotePatch", "said_on"}, {"AppearanceCreate", "published_on"}}
	for _, d := range dated {
		name, date := d.schema, d.date
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			continue
		}
		if name != "QuotePatch" {
			s.Value.DependentRequired = map[string][]string{"date_precision": {date}}
		} else {
			// A patch that clears the date clears its precision: a precision needs a date.
			null := func() *openapi3.SchemaRef {
				return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"null"}}}
			}
			s.Value.AllOf = append(s.Value.AllOf, &openapi3.SchemaRef{Value: &openapi3.Schema{
				If:   &openapi3.SchemaRef{Value: &openapi3.Schema{Required: []string{"said_on"}, Properties: openapi3.Schemas{"said_on": null()}}},
				Then: &openapi3.SchemaRef{Value: &openapi3.Schema{Properties: openapi3.Schemas{"date_precision": null()}}},
			}})
		}
		for _, f := range finer {
			var enum []any
			for _, p := range strings.Split(f.precisions, ",") {
				enum = append(enum, p)
			}
			str := func(pattern string) *openapi3.SchemaRef {
				return openapi3.NewStringSchema().WithPattern(pattern).NewRef()
			}
			s.Value.AllOf = append(s.Value.AllOf, &openapi3.SchemaRef{Value: &openapi3.Schema{
				If: &openapi3.SchemaRef{Value: &openapi3.Schema{Required: []string{date, "date_precision"},
					Properties: openapi3.Schemas{date: str(f.pattern), "date_precision": openapi3.NewStringSchema().NewRef()}}},
				Then: &openapi3.SchemaRef{Value: &openapi3.Schema{Properties: openapi3.Schemas{
					"date_precision": &openapi3.SchemaRef{Value: &openapi3.Schema{Enum: enum}}}}},
			}})
		}
	}
}

// notBoth are the members of a body the server takes one of at most (a speaker or an
// outlet named by ID or by name): the create's validate tags (excluded_with) and the
// core's UpdateQuote keep the rule; a patch's null counts as given.
var notBoth = map[string][][2]string{
	"QuoteCreate": {{"outlet_id", "outlet_name"}, {"speaker_id", "speaker_qid"}},
	"QuotePatch":  {{"speaker_id", "speaker_name"}, {"outlet_id", "outlet_name"}},
	// An appearance's outlet, likewise.
	"AppearanceCreate": {{"outlet_id", "outlet_name"}},
}

// exclusive states notBoth in the schemas.
func exclusive(doc *openapi3.T) {
	for name, pairs := range notBoth {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			continue
		}
		for _, p := range pairs {
			s.Value.AllOf = append(s.Value.AllOf, &openapi3.SchemaRef{Value: &openapi3.Schema{
				Not: &openapi3.SchemaRef{Value: &openapi3.Schema{Required: []string{p[0], p[1]}}}}})
		}
	}
}

// quoteExample gives the create-quote operation an example body: tools that generate
// requests from the schema (Postman, Portman) cannot make one from a oneOf of required
// lists, and send an empty body without it.
func quoteExample(doc *openapi3.T) {
	item := doc.Paths.Value("/v1/quotes")
	if item == nil || item.Post == nil || item.Post.RequestBody == nil || item.Post.RequestBody.Value == nil {
		return
	}
	for _, mt := range item.Post.RequestBody.Value.Content {
		mt.Example = map[string]any{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg",
			"speaker_role": "US Special Envoy to Ukraine", "said_on": "2025-04-20", "outlet_name": "Fox News",
			"context": "interview with Fox News", "setting": "interview", "lang": "en", "tags": []any{"ukraine", "nato"}}
	}
}
