package main

import (
	"fmt"
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// gen makes values from the document's schemas: what a client that reads only the
// document may send.
type gen struct {
	r   *rand.Rand
	ids func(prefix string) (string, bool) // a stored resource's ID of the kind a pattern names
}

// value is a value the schema allows (most of the time: the caller checks with the
// validator and asks again when it is not).
func (g *gen) value(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil {
		return nil
	}
	s := ref.Value
	if len(s.Enum) > 0 {
		return s.Enum[g.r.IntN(len(s.Enum))]
	}
	if s.Type != nil && s.Type.Includes("null") && g.r.IntN(5) == 0 {
		return nil
	}
	if len(s.AnyOf) > 0 {
		return g.value(s.AnyOf[g.r.IntN(len(s.AnyOf))], depth)
	}
	if len(s.OneOf) > 0 && len(s.Properties) == 0 {
		return g.value(s.OneOf[g.r.IntN(len(s.OneOf))], depth)
	}
	switch {
	case s.Type.Includes("object") || len(s.Properties) > 0:
		out := map[string]any{}
		if depth > 4 {
			return out
		}
		names := make([]string, 0, len(s.Properties))
		for name := range s.Properties {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			p := s.Properties[name]
			if p.Value != nil && p.Value.ReadOnly {
				continue
			}
			if slices.Contains(s.Required, name) || g.r.IntN(2) == 0 {
				out[name] = g.value(p, depth+1)
			}
		}
		return out
	case s.Type.Includes("array"):
		n := int(s.MinItems) + g.r.IntN(3)
		if s.MaxItems != nil {
			n = min(n, int(*s.MaxItems))
		}
		out := make([]any, 0, n)
		for range n {
			out = append(out, g.value(s.Items, depth+1))
		}
		return out
	case s.Type.Includes("integer"):
		lo, hi := 0.0, 100.0
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		return int(lo) + g.r.IntN(int(hi-lo)+1)
	case s.Type.Includes("number"):
		return g.r.Float64()
	case s.Type.Includes("boolean"):
		return g.r.IntN(2) == 0
	case s.Type.Includes("string"):
		return g.str(s)
	}
	return nil
}

// str is a string the schema allows: of its format, or its pattern, or plain text, within
// its lengths. An ID pattern names a stored resource of its kind.
func (g *gen) str(s *openapi3.Schema) string {
	if prefix, ok := idPrefix(s.Pattern); ok {
		if id, ok := g.ids(prefix); ok {
			return id
		}
	}
	for range 50 {
		var v string
		switch {
		case s.Format == "date":
			v = time.Date(1990+g.r.IntN(40), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		case s.Format == "date-time":
			v = time.Now().UTC().Add(-time.Duration(g.r.IntN(1e6)) * time.Second).Format(time.RFC3339)
		case s.Pattern != "":
			v = g.fromPattern(s.Pattern)
		default:
			v = g.text(1 + g.r.IntN(30))
		}
		n := uint64(utf8.RuneCountInString(v))
		if n >= s.MinLength && (s.MaxLength == nil || n <= *s.MaxLength) {
			return v
		}
	}
	return strings.Repeat("a", int(s.MinLength))
}

// idPrefix reads the kind of resource an ID pattern names (^spk_…$ → spk).
func idPrefix(pattern string) (string, bool) {
	p, rest, ok := strings.Cut(strings.TrimPrefix(pattern, "^"), "_[0-9A-HJKMNP-TV-Z]{26}$")
	return p, ok && rest == "" && p != "" && !strings.ContainsAny(p, "[(\\")
}

// words are what generated text is made of: the newsroom's, and some that are not ASCII.
var words = []string{"NATO", "isn’t", "on", "the", "table", "grain", "exports", "Ukraine", "peace", "talks", "Kellogg",
	"said", "—", "“quoted”", "Zürich", "naïve", "São", "Paulo", "日本", "Москва", "a", "of", "2025", "ceasefire", "O’Brien"}

func (g *gen) text(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[g.r.IntN(len(words))])
	}
	return b.String()
}

// query is a search in the query language the q parameter describes: words, phrases,
// prefixes, exclusions and OR, with at least one word to look for.
func (g *gen) query() string {
	var parts []string
	for i := range 1 + g.r.IntN(4) {
		w := strings.ToLower(words[g.r.IntN(len(words))])
		if len([]rune(w)) < 2 || w == "—" {
			w = "nato"
		}
		switch g.r.IntN(6) {
		case 0:
			w = `"` + w + " " + strings.ToLower(words[g.r.IntN(len(words))]) + `"`
		case 1:
			if letters := []rune(strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) {
					return r
				}
				return -1
			}, w)); len(letters) >= 2 {
				w = string(letters[:2]) + "*" // a prefix is two letters or more
			}
		case 2:
			if i > 0 {
				w = "-" + w
			}
		case 3:
			if i > 0 {
				parts = append(parts, "OR")
			}
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, " ")
}

// fromPattern is a string the regular expression matches.
func (g *gen) fromPattern(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(fmt.Sprintf("pattern %q: %v", pattern, err))
	}
	var b strings.Builder
	g.walk(&b, re.Simplify())
	return b.String()
}

func (g *gen) walk(b *strings.Builder, re *syntax.Regexp) {
	reps := func(lo, hi int) int {
		if hi < 0 || hi > lo+3 {
			hi = lo + 3
		}
		return lo + g.r.IntN(hi-lo+1)
	}
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(g.fromClass(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte("abcxyz019 .-"[g.r.IntN(12)])
	case syntax.OpCapture:
		g.walk(b, re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			g.walk(b, sub)
		}
	case syntax.OpAlternate:
		g.walk(b, re.Sub[g.r.IntN(len(re.Sub))])
	case syntax.OpStar:
		for range reps(0, 3) {
			g.walk(b, re.Sub[0])
		}
	case syntax.OpPlus:
		for range reps(1, 3) {
			g.walk(b, re.Sub[0])
		}
	case syntax.OpQuest:
		if g.r.IntN(2) == 0 {
			g.walk(b, re.Sub[0])
		}
	case syntax.OpRepeat:
		for range reps(re.Min, re.Max) {
			g.walk(b, re.Sub[0])
		}
	}
}

// fromClass picks a character of a class: printable ASCII or a few letters beyond when
// the class has them (as people type), else anything of it but surrogates.
func (g *gen) fromClass(ranges []rune) rune {
	in := func(r rune) bool {
		for i := 0; i < len(ranges); i += 2 {
			if r >= ranges[i] && r <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	const common = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-_'’“”é—:;!?/()ü日"
	var ok []rune
	for _, r := range common {
		if in(r) {
			ok = append(ok, r)
		}
	}
	if len(ok) > 0 && g.r.IntN(10) > 0 {
		return ok[g.r.IntN(len(ok))]
	}
	for range 100 {
		i := 2 * g.r.IntN(len(ranges)/2)
		lo, hi := ranges[i], ranges[i+1]
		if hi > lo+0x1000 {
			hi = lo + 0x1000 // stay near the start of huge ranges: real characters
		}
		r := lo + rune(g.r.IntN(int(hi-lo)+1))
		if (r < 0xd800 || r > 0xdfff) && r != 0xfffe && r != 0xffff {
			return r
		}
	}
	return ranges[0]
}
