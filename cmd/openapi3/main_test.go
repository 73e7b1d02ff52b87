package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join("..", "..", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// The published document dereferences fully: no schema reaches itself through its
// references (Portman and other tools that inline references stop on a cycle).
func TestDocumentHasNoReferenceCycle(t *testing.T) {
	t.Parallel()
	doc := load(t)
	var walk func(name string, s *openapi3.Schema, path []string)
	walk = func(name string, s *openapi3.Schema, path []string) {
		if s == nil {
			return
		}
		visitRef := func(r *openapi3.SchemaRef) {
			if r == nil {
				return
			}
			if r.Ref != "" {
				target := strings.TrimPrefix(r.Ref, "#/components/schemas/")
				for _, p := range path {
					if p == target {
						t.Fatalf("reference cycle: %s → %s", strings.Join(path, " → "), target)
					}
				}
				walk(target, doc.Components.Schemas[target].Value, append(append([]string(nil), path...), target))
				return
			}
			walk(name, r.Value, path)
		}
		for _, p := range s.Properties {
			visitRef(p)
		}
		visitRef(s.Items)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range list {
				visitRef(r)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s.Value, []string{name})
	}
}

// Nullable members admit null under JSON Schema, the way strict validators read the
// document, and still refuse what is neither null nor allowed.
func TestNullsValidateStrictly(t *testing.T) {
	t.Parallel()
	doc := load(t)
	quote := doc.Components.Schemas["Quote"].Value
	for _, tc := range []struct {
		field string
		ok    []any
		bad   []any
	}{
		{"rating", []any{nil, "false"}, []any{"totally", 3}},
		{"setting", []any{nil, "interview"}, []any{"podcast"}},
		{"date_precision", []any{nil, "day"}, []any{"hour"}},
		{"current_verdict", []any{nil}, []any{"verified", 7}},
		{"outlet", []any{nil, map[string]any{"id": "out_1", "name": "Fox News"}}, []any{"Fox News"}},
		{"speaker_role", []any{nil, "Mayor"}, []any{42}},
	} {
		s := quote.Properties[tc.field]
		if s == nil {
			t.Fatalf("Quote has no %s", tc.field)
		}
		for _, v := range tc.ok {
			if err := s.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("%s = %#v refused: %v", tc.field, v, err)
			}
		}
		for _, v := range tc.bad {
			if err := s.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err == nil {
				t.Errorf("%s = %#v accepted", tc.field, v)
			}
		}
	}
}
