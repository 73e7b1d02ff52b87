// Package fold normalises text for comparison: the same words typed on a plain keyboard
// or set by a typesetter compare equal. Stored text is never folded; only keys are.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

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
	// Beyond Latin: the capital sharp s (ß's capital, which lowercases to ß, not ss);
	// Greek final sigma, a form of σ; and what Arabic search folds as Lucene's
	// ArabicNormalizer does — alef maksura as yeh, teh marbuta as heh, the tatweel (a
	// stretch of the line, not a letter) dropped. Arabic and Hebrew vowel marks, Greek
	// tonos and Cyrillic ё's diaeresis are combining marks, dropped with the rest.
	'\u1E9E': "ss", '\u03C2': "\u03C3", '\u0649': "\u064A", '\u0629': "\u0647", '\u0640': "",
}

// String folds s: case, diacritics, typographic quotes, apostrophes and dashes, and runs of
// white space (non-breaking spaces included) become one plain space; leading and trailing
// space is dropped.
//
// Plain ASCII — most names, keys and words — folds without Unicode normalisation or the
// replacement table (an import folds every word of every quote: the table's look-up per
// character was half of folding), and text already folded comes back as it is.
func String(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return unicodeString(s)
		}
	}
	if foldedASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case asciiSpace(c):
			space = b.Len() > 0
			continue
		case c < 0x20 || c == 0x7f:
			continue // a control character
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch {
		case c == '`':
			b.WriteByte('\'')
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// foldedASCII reports whether ASCII s is its own fold: no capitals, backquotes or controls,
// single spaces only between words.
func foldedASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', c == '`', c < 0x20 && c != ' ', c == 0x7f:
			return false
		case c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' '):
			return false
		}
	}
	return true
}

// unicodeString is String for text beyond ASCII.
func unicodeString(s string) string {
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

// Map folds s as String does, and says where each byte of the fold came from: offsets[i]
// is the byte offset in s of the character that byte of the fold was made from. It lets
// a match found in folded text be shown in the text as it was written.
func Map(s string) (folded string, offsets []int) {
	var b strings.Builder
	b.Grow(len(s))
	offsets = make([]int, 0, len(s))
	space, spaceAt := false, 0
	emit := func(str string, at int) {
		if space {
			b.WriteByte(' ')
			offsets = append(offsets, spaceAt)
			space = false
		}
		b.WriteString(str)
		for range len(str) {
			offsets = append(offsets, at)
		}
	}
	var one [utf8.UTFMax]byte
	for i, r := range s {
		parts := string(r)
		if r >= utf8.RuneSelf {
			parts = norm.NFKD.String(parts)
		}
		for _, p := range parts {
			switch {
			case unicode.Is(unicode.Mn, p):
				continue
			case unicode.IsSpace(p) || p == '\u200B':
				if b.Len() > 0 && !space {
					space, spaceAt = true, i
				}
				continue
			case unicode.IsControl(p) || p == '\uFEFF':
				continue
			}
			if rep, ok := replacements[p]; ok {
				emit(rep, i)
				continue
			}
			n := utf8.EncodeRune(one[:], unicode.ToLower(p))
			emit(string(one[:n]), i)
		}
	}
	return b.String(), offsets
}

// Quote is what of a quote's words must stand in a source for it to be the same words:
// folded, without the quotation marks and end punctuation a reporter may set differently.
// The excerpt check, the page check and the drift of a re-report all compare by it.
func Quote(s string) string { return strings.Trim(String(s), ` "'.,;:!?`) }
