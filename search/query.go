// Package search reads the small query language researchers type into Verbatim's search
// box and writes it out as an SQLite FTS5 expression in which every user word is quoted,
// so nothing a user types is ever FTS5 syntax.
//
// The language: words (all must match), "exact phrases", prefix* (two letters or more),
// -excluded words or "-phrases", and OR between two terms. Anything else — stray quotes,
// AND, NEAR(, colons, brackets — is text.
package search

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a query, so that no search is expensive by construction.
const (
	MaxQueryBytes = 1000
	MaxTerms      = 32
	MinPrefix     = 2
)

// ErrQuery is wrapped by every error Parse returns: the query cannot be run, and the
// message says why in words a researcher understands.
var ErrQuery = errors.New("bad query")

// Term is one word, phrase or prefix of a query, as the tokens FTS5 will match.
type Term struct {
	Tokens  []string // the words, as SQLite's unicode61 tokenizer splits them
	Prefix  bool     // the last token is a prefix
	Exclude bool
}

// Query is a parsed query: groups that must all match, each group matching when any of
// its terms does (OR), and terms that must not match.
type Query struct {
	Groups   [][]Term
	Excluded []Term
}

// Parse reads a query. An empty query, or one with nothing left to look for, is an error
// wrapping ErrQuery, as is one over the limits.
func Parse(s string) (*Query, error) {
	if len(s) > MaxQueryBytes {
		return nil, fmt.Errorf("%w: the query is over %d bytes", ErrQuery, MaxQueryBytes)
	}
	raw := lex(s)
	q := &Query{}
	pendingOr := false
	terms := 0
	for _, r := range raw {
		if r.or {
			pendingOr = len(q.Groups) > 0
			continue
		}
		t := r.term
		if len(t.Tokens) == 0 {
			continue // punctuation or symbols only: nothing FTS5 could match
		}
		if last := []rune(t.Tokens[len(t.Tokens)-1]); t.Prefix && len(last) == 1 && isCJK(last[0]) {
			// A Chinese character or kana is a word of its own: 日本* is the phrase 日本,
			// which every text holding a word that begins with it holds.
			t.Prefix = false
		}
		if t.Prefix && len([]rune(t.Tokens[len(t.Tokens)-1])) < MinPrefix {
			return nil, fmt.Errorf("%w: a prefix needs at least %d letters before the *", ErrQuery, MinPrefix)
		}
		if terms++; terms > MaxTerms {
			return nil, fmt.Errorf("%w: the query has more than %d terms", ErrQuery, MaxTerms)
		}
		if t.Exclude {
			q.Excluded = append(q.Excluded, t)
			pendingOr = false
			continue
		}
		if pendingOr {
			last := len(q.Groups) - 1
			q.Groups[last] = append(q.Groups[last], t)
		} else {
			q.Groups = append(q.Groups, []Term{t})
		}
		pendingOr = false
	}
	if len(q.Groups) == 0 {
		if len(q.Excluded) > 0 {
			return nil, fmt.Errorf("%w: the query only excludes; add a word to look for", ErrQuery)
		}
		return nil, fmt.Errorf("%w: the query has no words to look for", ErrQuery)
	}
	return q, nil
}

type lexeme struct {
	or   bool
	term Term
}

// lex splits a query into terms and OR operators. A quote mark opens a phrase that the
// next quote mark (or the end) closes; typographic quote marks count.
func lex(s string) []lexeme {
	var out []lexeme
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		if unicode.IsSpace(r) {
			i++
			continue
		}
		exclude := false
		if r == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			exclude = true
			i++
			r = rs[i]
		}
		if isQuote(r) {
			j := i + 1
			for j < len(rs) && !isQuote(rs[j]) {
				j++
			}
			phrase := string(rs[i+1 : min(j, len(rs))])
			i = j + 1
			prefix := false
			if i < len(rs) && rs[i] == '*' {
				prefix = true
				i++
			}
			out = append(out, lexeme{term: Term{Tokens: Tokens(phrase), Prefix: prefix, Exclude: exclude}})
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) && !isQuote(rs[j]) {
			j++
		}
		word := string(rs[i:j])
		i = j
		if word == "OR" && !exclude {
			out = append(out, lexeme{or: true})
			continue
		}
		prefix := strings.HasSuffix(word, "*") && strings.TrimRight(word, "*") != ""
		out = append(out, lexeme{term: Term{Tokens: Tokens(strings.TrimRight(word, "*")), Prefix: prefix, Exclude: exclude}})
	}
	return out
}

func isQuote(r rune) bool {
	return r == '"' || r == '\u201C' || r == '\u201D' || r == '\u201E' || r == '\u00AB' || r == '\u00BB'
}

// Tokens splits text into words as the index does: letters, digits and private-use
// characters make words, everything else separates them — "isn't" is isn + t, on both
// sides of the index, which is what makes isn't find isn’t — and each Chinese character
// or Japanese kana is a word of its own (isCJK).
func Tokens(s string) []string {
	if isASCII(s) {
		return asciiTokens(s, false)
	}
	return unicodeTokens(s)
}

func unicodeTokens(s string) []string {
	spans := tokenSpans(s)
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = s[sp.start:sp.end]
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiTokens is Tokens for ASCII text, where the words are the runs of letters and
// digits — without the Unicode tables an import's every word went through — lowercased
// when lower is set.
func asciiTokens(s string, lower bool) []string {
	out := make([]string, 0, len(s)/5+1)
	start, upper := -1, false
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := s[i]
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' {
				if start < 0 {
					start, upper = i, false
				}
				upper = upper || c <= 'Z' && c >= 'A'
				continue
			}
		}
		if start >= 0 {
			tok := s[start:i]
			if lower && upper {
				tok = strings.ToLower(tok)
			}
			out = append(out, tok)
			start = -1
		}
	}
	return out
}

// FTS writes the query as an FTS5 MATCH expression. Every token is inside a quoted FTS5
// string, so operators, column filters and NEAR groups cannot be smuggled in.
func (q *Query) FTS() string { return q.expr(false) }

// Loose writes an FTS5 expression that matches every quote the query matches, and maybe
// more, without checking word positions: each phrase becomes its words anywhere in the
// quote, and excluded phrases are dropped (excluding any one of their words would exclude
// too much). A phrase of common words costs mostly its position checks, so the loose form
// is the cheap way to bound how much a search will have to look at.
func (q *Query) Loose() string { return q.expr(true) }

func (q *Query) expr(loose bool) string {
	var b strings.Builder
	for i, g := range q.Groups {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if len(g) > 1 {
			b.WriteByte('(')
		}
		for j, t := range g {
			if j > 0 {
				b.WriteString(" OR ")
			}
			if loose {
				b.WriteString(t.words())
			} else {
				b.WriteString(t.fts())
			}
		}
		if len(g) > 1 {
			b.WriteByte(')')
		}
	}
	for _, t := range q.Excluded {
		if loose && len(t.Tokens) > 1 {
			continue
		}
		b.WriteString(" NOT ")
		b.WriteString(t.fts())
	}
	return b.String()
}

// words writes a term as all of its words, in any order and place.
func (t Term) words() string {
	if len(t.Tokens) == 1 {
		return t.fts()
	}
	parts := make([]string, len(t.Tokens))
	for i, tok := range t.Tokens {
		parts[i] = Term{Tokens: []string{tok}, Prefix: t.Prefix && i == len(t.Tokens)-1}.fts()
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

func (t Term) fts() string {
	// The index holds words as IndexTokens folds them; the query's words are folded
	// alike (a word that folds to nothing is left out, as it was left out of the index).
	toks := make([]string, 0, len(t.Tokens))
	for _, tok := range t.Tokens {
		if f := foldToken(tok); f != "" {
			toks = append(toks, f)
		}
	}
	s := `"` + strings.ReplaceAll(strings.Join(toks, " "), `"`, `""`) + `"`
	if t.Prefix {
		s += "*"
	}
	return s
}

// IndexTokens splits text into words as Tokens does and folds each as an index keeps it
// (case and diacritics): the words an engine without its own tokenizer indexes, and
// what TSQuery looks for. Words that fold to nothing are left out.
func IndexTokens(s string) []string {
	if isASCII(s) {
		return asciiTokens(s, true)
	}
	raw := unicodeTokens(s)
	out := raw[:0]
	for _, t := range raw {
		if f := foldToken(t); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// TSQuery writes the query as a PostgreSQL tsquery over the words IndexTokens gives:
// phrases as words followed by one another (<->), prefixes as :*, OR as |, exclusions as
// !. Every word is a quoted lexeme, so nothing a user types is tsquery syntax.
func (q *Query) TSQuery() string { return q.tsquery(false) }

// LooseTSQuery is Loose for PostgreSQL: every phrase's words anywhere, excluded phrases
// dropped.
func (q *Query) LooseTSQuery() string { return q.tsquery(true) }

// tsNever is a lexeme no index holds (an index word has no space in it): a group whose
// every term folded away matches nothing, as it matches nothing in FTS5.
const tsNever = `' '`

func (q *Query) tsquery(loose bool) string {
	var parts []string
	for _, g := range q.Groups {
		var alts []string
		for _, t := range g {
			if s := t.ts(loose); s != "" {
				alts = append(alts, s)
			}
		}
		if len(alts) == 0 {
			return tsNever
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	for _, t := range q.Excluded {
		if loose && len(t.Tokens) > 1 {
			continue
		}
		if s := t.ts(false); s != "" {
			parts = append(parts, "!("+s+")")
		}
	}
	return strings.Join(parts, " & ")
}

// ts writes a term as a tsquery: its words in a row, or with loose anywhere.
func (t Term) ts(loose bool) string {
	var words []string
	for i, tok := range t.Tokens {
		f := foldToken(tok)
		if f == "" {
			continue
		}
		w := "'" + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(f) + "'"
		if t.Prefix && i == len(t.Tokens)-1 {
			w += ":*"
		}
		words = append(words, w)
	}
	if loose {
		return strings.Join(words, " & ")
	}
	return strings.Join(words, " <-> ")
}
