package search

import (
	"cmp"
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/verbatimhq/verbatim/fold"
)

// Snippet returns the part of text that best shows why it matched — at most maxTokens
// words, "…" where text was cut — HTML-escaped, with every occurrence of the query's
// words and phrases in <mark>. It chooses the window as SQLite's FTS5 snippet() does (the
// most distinct terms, then the most occurrences, centred on them, or from the start of
// their sentence when that shows as much), so a hit reads the same as before; doing it
// here costs microseconds where asking FTS5 cost a statement per hit, which was more than
// half of a rare-word search. A text that matched only through its speaker or context
// gets its first maxTokens words.
func (q *Query) Snippet(text string, maxTokens int) string {
	words := tokenSpans(text)
	hits := q.occurrences(text, words)
	n := len(words)
	start := 0
	if n > maxTokens {
		start = bestWindow(text, words, hits, maxTokens)
	}
	end := min(start+maxTokens, n) // exclusive

	var b strings.Builder
	b.Grow(len(text) + 32)
	from := 0 // byte offset the output has reached
	if start > 0 {
		b.WriteString("…")
		from = words[start].start
	}
	for _, h := range coalesce(hits) {
		if h.first < start { // begins before the window: FTS5 does not mark it either
			continue
		}
		if h.first >= end {
			break
		}
		last := min(h.last, end-1)
		b.WriteString(html.EscapeString(text[from:words[h.first].start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[words[h.first].start:words[last].end]))
		b.WriteString("</mark>")
		from = words[last].end
	}
	if end == n {
		b.WriteString(html.EscapeString(text[from:]))
	} else {
		b.WriteString(html.EscapeString(text[from:words[end-1].end]))
		b.WriteString("…")
	}
	return b.String()
}

// span is a word of a text, as byte offsets.
type span struct{ start, end int }

// tokenSpans splits text into words exactly as Tokens does, keeping where each is.
func tokenSpans(text string) []span {
	out := make([]span, 0, len(text)/6+1) // about a word in six bytes of English
	start := -1
	for i, r := range text {
		switch {
		case isCJK(r):
			if start >= 0 {
				out = append(out, span{start, i})
				start = -1
			}
			out = append(out, span{i, i + utf8.RuneLen(r)})
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		case start >= 0:
			out = append(out, span{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(text)})
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Mn, r)
}

// isCJK reports whether r is a Chinese character or Japanese kana: scripts written without
// spaces between words, which no word list here can split. Each such character is a word
// of its own, and a word typed in them is the phrase of its characters — what search
// engines without a dictionary do (unigrams), so that 外交部 finds 中国外交部发言人 and
// 首相 finds 日本の首相は.
func isCJK(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// foldToken folds a word as the index does: case and diacritics.
func foldToken(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return fold.String(s)
		}
	}
	return strings.ToLower(s)
}

// hit is one occurrence of a term: the words first..last (inclusive), term being the
// term's index among the query's terms to look for.
type hit struct{ term, first, last int }

// occurrences finds every occurrence in text of the terms the query looks for (excluded
// terms are never marked), in order of position.
func (q *Query) occurrences(text string, words []span) []hit {
	folded := make([]string, len(words))
	for i, w := range words {
		folded[i] = foldToken(text[w.start:w.end])
	}
	var hits []hit
	term := 0
	for _, g := range q.Groups {
		for _, t := range g {
			toks := make([]string, len(t.Tokens))
			for i, tok := range t.Tokens {
				toks[i] = foldToken(tok)
			}
		positions:
			for p := 0; p+len(toks) <= len(folded); p++ {
				for i, tok := range toks {
					w := folded[p+i]
					if t.Prefix && i == len(toks)-1 {
						if !strings.HasPrefix(w, tok) {
							continue positions
						}
					} else if w != tok {
						continue positions
					}
				}
				hits = append(hits, hit{term, p, p + len(toks) - 1})
			}
			term++
		}
	}
	// In order of position, then of term, as FTS5 reports instances.
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.term, b.term)) })
	return hits
}

// coalesce merges overlapping occurrences into one marked run, as FTS5 does; occurrences
// that only touch stay apart.
func coalesce(hits []hit) []hit {
	var out []hit
	for _, h := range hits {
		if len(out) > 0 && h.first <= out[len(out)-1].last {
			out[len(out)-1].last = max(out[len(out)-1].last, h.last)
			continue
		}
		out = append(out, h)
	}
	return out
}

// maxWindowStarts bounds the occurrences bestWindow tries as a window's start. A quote
// rarely holds a query's words more than a few dozen times; past that (one word repeated
// thousands of times, say) a later window can only tie the earlier ones on distinct terms,
// and a tie keeps the first, so the bound changes no snippet a person would tell apart.
const maxWindowStarts = 256

// bestWindow picks the first word of a maxTokens-word window of a longer text, scoring as
// FTS5's snippet() does: for each occurrence, the window from it (centred on the
// occurrences it holds) and the window from the start of its sentence (with a bonus of
// 100, 120 for the text's first sentence); 1000 a distinct term, 1 a repeat.
func bestWindow(text string, words []span, hits []hit, maxTokens int) int {
	n := len(words)
	sentences := sentenceStarts(text, words)
	// Hits are in order of position, so the hits inside a window are found by binary
	// search and counted up to its end: a score costs the window's hits, not the text's.
	// (Scanning every hit for every hit was quadratic: a 20,000-character "a a a …" took
	// a sixth of a second.)
	var seen []int                       // the terms seen in the window being scored
	score := func(from int) (int, int) { // score, and the start that centres the hits
		seen = seen[:0]
		s, first, last := 0, -1, 0
		i, _ := slices.BinarySearchFunc(hits, from, func(h hit, from int) int { return cmp.Compare(h.first, from) })
		for ; i < len(hits) && hits[i].first < from+maxTokens; i++ {
			h := hits[i]
			if slices.Contains(seen, h.term) {
				s++
			} else {
				s += 1000
				seen = append(seen, h.term)
			}
			if first < 0 {
				first = h.first
			}
			last = h.last + 1
		}
		adj := first - (maxTokens-(last-first))/2
		adj = max(min(adj, n-maxTokens), 0)
		return s, adj
	}
	best, bestStart := 0, 0
	for _, h := range hits[:min(len(hits), maxWindowStarts)] {
		if s, adj := score(h.first); s > best {
			best, bestStart = s, adj
		}
		// The sentence the occurrence is in: the last sentence start at or before it.
		j, found := slices.BinarySearch(sentences, h.first)
		if !found {
			j--
		}
		if sentences[j] < h.first {
			s, _ := score(sentences[j])
			if sentences[j] == 0 {
				s += 120
			} else {
				s += 100
			}
			if s > best {
				best, bestStart = s, sentences[j]
			}
		}
	}
	return bestStart
}

// sentenceStarts lists the words that begin a sentence: the first, and any that follows
// white space after a full stop or colon.
func sentenceStarts(text string, words []span) []int {
	out := []int{0}
	for i := 1; i < len(words); i++ {
		gap := text[words[i-1].end:words[i].start]
		trimmed := strings.TrimRight(gap, " \t\n\r")
		if len(trimmed) < len(gap) && (strings.HasSuffix(trimmed, ".") || strings.HasSuffix(trimmed, ":")) {
			out = append(out, i)
		}
	}
	return out
}
