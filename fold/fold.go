// Package fold normalises text for comparison: the same words typed on a plain keyboard
// or set by a typesetter compare equal. Stored text is never folded; only keys are.
package fold

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// replacements maps typographic characters to the plain ones a keyboard types.
var replacements = map[rune]string{
	'\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2032': "'", '\u02BC': "'", '`': "'", '\u00B4': "'",
	'\u201C': "\"", '\u201D': "\"", '\u201E': "\"", '\u201F': "\"", '\u2033': "\"", '\u00AB': "\"", '\u00BB': "\"",
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-", '\u2015': "-", '\u2212': "-",
	'\u2026': "...",
	'\u00DF': "ss", '\u00E6': "ae", '\u00C6': "ae", '\u0153': "oe", '\u0152': "oe", '\u00F8': "o", '\u00D8': "o",
	'\u0142': "l", '\u0141': "l", '\u0111': "d", '\u0110': "d", '\u00F0': "d", '\u00FE': "th", '\u0131': "i",
}

// String folds s: case, diacritics, typographic quotes, apostrophes and dashes, and runs of
// white space (non-breaking spaces included) become one plain space; leading and trailing
// space is dropped.
func String(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining mark: the diacritic NFKD split off
		case unicode.IsSpace(r) || r == '\u200B':
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || r == '\uFEFF':
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if rep, ok := replacements[r]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
