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

// A request body the server refuses for a rule it keeps is refused by the document too,
// so a generated client learns the rule from the document.
func TestDocumentStatesTheServersRules(t *testing.T) {
	t.Parallel()
	create := load(t).Components.Schemas["QuoteCreate"].Value
	base := func() map[string]any {
		return map[string]any{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg"}
	}
	if err := create.VisitJSON(base(), openapi3.EnableJSONSchema2020()); err != nil {
		t.Fatalf("a good quote is refused: %v", err)
	}
	for name, edit := range map[string]func(map[string]any){
		"both speaker_id and speaker_name": func(m map[string]any) { m["speaker_id"] = "spk_01JS8X2W5Q7K3M9N4P6R8T0V2X" },
		"neither":                          func(m map[string]any) { delete(m, "speaker_name") },
		"a QID without a name": func(m map[string]any) {
			delete(m, "speaker_name")
			m["speaker_qid"] = "Q6385264"
		},
		"a QID beside speaker_id": func(m map[string]any) {
			delete(m, "speaker_name")
			m["speaker_id"], m["speaker_qid"] = "spk_01JS8X2W5Q7K3M9N4P6R8T0V2X", "Q6385264"
		},
		"lang not BCP 47":    func(m map[string]any) { m["lang"] = "not a bcp47 tag!!" },
		"text over 20,000":   func(m map[string]any) { m["text"] = strings.Repeat("a", 20001) },
		"an unknown setting": func(m map[string]any) { m["setting"] = "podcast" },
		"51 tags": func(m map[string]any) {
			tags := make([]any, 51)
			for i := range tags {
				tags[i] = "t"
			}
			m["tags"] = tags
		},
	} {
		m := base()
		edit(m)
		if err := create.VisitJSON(m, openapi3.EnableJSONSchema2020()); err == nil {
			t.Errorf("%s: the document accepts what the server refuses", name)
		}
	}
}

// Every 401 the document lists says it carries the WWW-Authenticate challenge, and every
// create documents Idempotency-Key.
func TestDocumentedHeaders(t *testing.T) {
	t.Parallel()
	doc := load(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if r := op.Responses.Value("401"); r != nil && (r.Value.Headers["WWW-Authenticate"] == nil || !r.Value.Headers["WWW-Authenticate"].Value.Required) {
				t.Errorf("%s %s: a 401 without WWW-Authenticate", method, path)
			}
			if method != "POST" {
				continue
			}
			found := false
			for _, p := range op.Parameters {
				found = found || (p.Value.In == "header" && p.Value.Name == "Idempotency-Key")
			}
			if !found {
				t.Errorf("POST %s: no Idempotency-Key", path)
			}
		}
	}
}

// The nulls a client sends to clear a field are ones the document accepts.
func TestPatchNullsValidate(t *testing.T) {
	t.Parallel()
	doc := load(t)
	for schema, fields := range map[string][]string{
		"QuotePatch":    {"speaker_role", "said_on", "date_precision", "outlet_id", "context", "setting", "lang", "source_url"},
		"CitationPatch": {"title", "publisher", "published_at", "archive_url", "excerpt"},
		"SpeakerPatch":  {"wikidata_qid"},
		"OutletPatch":   {"url"},
	} {
		s := doc.Components.Schemas[schema].Value
		for _, f := range fields {
			if err := s.VisitJSON(map[string]any{f: nil}, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("%s: clearing %s with null is refused: %v", schema, f, err)
			}
		}
	}
	patch := doc.Components.Schemas["QuotePatch"].Value
	if err := patch.VisitJSON(map[string]any{"setting": "podcast"}, openapi3.EnableJSONSchema2020()); err == nil {
		t.Error("QuotePatch accepts an unknown setting")
	}
	if err := patch.VisitJSON(map[string]any{"text": nil}, openapi3.EnableJSONSchema2020()); err == nil {
		t.Error("QuotePatch accepts a null text, which the server refuses")
	}
}
