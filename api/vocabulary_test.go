package api_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/verbatimhq/verbatim/archive"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/ingest"
)

// Every enum in the document is one of the vocabularies the core declares (or a format
// its packages declare): swag's enum tags cannot take them from the code, so this holds
// them to it. And every field and parameter named for a vocabulary has its enum.
func TestDocumentEnumsAreTheCoresVocabularies(t *testing.T) {
	contract(t)
	known := map[string][]string{"import formats": ingest.Formats, "export formats": slices.Sorted(maps.Keys(archive.Formats)),
		"a speaker's quote sorts": slices.DeleteFunc(slices.Clone(db.QuoteSorts), func(s string) bool { return s == "relevance" }),
		"Idempotent-Replayed":     {"true"}}
	for name, v := range db.Vocabularies {
		known[name] = v
	}
	same := func(a []string, b []string) bool {
		return slices.Equal(a, b) || slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
	}
	check := func(where string, s *openapi3.Schema) {
		if s == nil || len(s.Enum) == 0 {
			return
		}
		var values []string
		for _, v := range s.Enum {
			if v != nil {
				values = append(values, fmt.Sprint(v))
			}
		}
		for _, v := range known {
			if same(values, v) {
				return
			}
		}
		t.Errorf("%s: enum %v is no vocabulary of the core", where, values)
	}
	// The fields named for a vocabulary must carry it.
	named := map[string]string{"attribution": "attribution", "rating": "rating", "setting": "setting",
		"date_precision": "date_precision", "relation": "relation", "role": "role"}
	var walk func(where string, ref *openapi3.SchemaRef, depth int)
	walk = func(where string, ref *openapi3.SchemaRef, depth int) {
		if ref == nil || ref.Value == nil || depth > 6 {
			return
		}
		s := ref.Value
		check(where, s)
		for name, p := range s.Properties {
			if vocab, ok := named[name]; ok && p.Value != nil && len(p.Value.Enum) == 0 && !strings.Contains(where, "ClaimReview") {
				t.Errorf("%s.%s has no enum; the core's vocabulary is %v", where, name, db.Vocabularies[vocab])
			}
			if name == "event_types" && p.Value != nil && (p.Value.Items == nil || len(p.Value.Items.Value.Enum) == 0) {
				t.Errorf("%s.event_types has no enum for its items", where)
			}
			walk(where+"."+name, p, depth+1)
		}
		walk(where+"[]", s.Items, depth+1)
		for _, sub := range append(append(s.AllOf, s.OneOf...), s.AnyOf...) {
			walk(where, sub, depth+1)
		}
	}
	for name, s := range contractSpec.Components.Schemas {
		walk(name, s, 0)
	}
	for path, item := range contractSpec.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				check(method+" "+path+" ?"+p.Value.Name, p.Value.Schema.Value)
				if vocab, ok := map[string]string{"attribution": "attribution", "rating": "rating", "sort": "sort"}[p.Value.Name]; ok &&
					len(p.Value.Schema.Value.Enum) == 0 {
					t.Errorf("%s %s ?%s has no enum; the core's vocabulary is %v", method, path, p.Value.Name, db.Vocabularies[vocab])
				}
			}
			for code, r := range op.Responses.Map() {
				for h, hv := range r.Value.Headers {
					check(method+" "+path+" "+code+" "+h, hv.Value.Schema.Value)
				}
			}
		}
	}
}
