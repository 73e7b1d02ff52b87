package similar

import (
	"strings"

	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/search"
)

// Drift classes: how the words printed in a re-report differ from the quote's, from
// none to much.
const (
	// Identical words are the quote's, character for character.
	Identical = "identical"
	// Typographic words are the quote's once quotes, apostrophes, dashes, case and
	// spacing are folded (the excerpt check's folding).
	Typographic = "typographic"
	// A Fragment is a run of the quote's words, as outlets often print part of a quote.
	Fragment = "fragment"
	// Minor words change, add or drop a few words: at most MinorWords, and at most a third
	// of the quote's.
	Minor = "minor"
	// Altered words changed more than that.
	Altered = "altered"
)

// DriftClasses are the classes, from least drift to most.
var DriftClasses = []string{Identical, Typographic, Fragment, Minor, Altered}

// MinorWords is the most words a minor drift changes, adds or drops.
const MinorWords = 3

// Op is one step of a word-level diff from a quote's words to a re-report's: words both
// have (equal), words the re-report added (insert) and words it dropped (delete). Text is
// the words as written — the re-report's for equal and insert, the quote's for delete.
type Op struct {
	Op   string `json:"op" enums:"equal,insert,delete" example:"delete"`
	Text string `json:"text" example:"isn’t"`
} //@name DriftOp

// Drift compares words printed in a re-report with the quote's text: the class of their
// difference, the word-level diff, and how many words changed (the larger of the words
// added and dropped).
func Drift(quote, words string) (class string, ops []Op, changed int) {
	if quote == words { // most re-reports of a corpus: the words read once, not twice
		b := wordsOf(words)
		ops, _, _ = diff(b, b)
		return Identical, ops, 0
	}
	a, b := wordsOf(quote), wordsOf(words)
	ops, added, dropped := diff(a, b)
	changed = max(added, dropped)
	switch {
	case strings.TrimSpace(quote) == strings.TrimSpace(words):
		class = Identical
	case fold.Quote(quote) == fold.Quote(words) || (changed == 0 && len(a) > 0):
		class = Typographic
	case added == 0 && dropped > 0 && len(b) > 0 && contiguous(ops):
		class = Fragment
	case changed <= MinorWords && 3*changed <= len(a):
		class = Minor
	default:
		class = Altered
	}
	return class, ops, changed
}

// word is one word as written, with the key it is compared by.
type word struct{ text, key string }

// wordsOf splits text at white space; each piece's key is its folded tokens (punctuation
// dropped), and pieces with none (a dash, a quotation mark) are not words.
func wordsOf(text string) []word {
	var out []word
	for _, f := range strings.Fields(text) {
		if k := strings.Join(search.Tokens(fold.String(f)), " "); k != "" {
			out = append(out, word{f, k})
		}
	}
	return out
}

// diffCells bounds the table of the longest common subsequence: past it the differing
// middle counts as all dropped and all added (a re-report that different is altered
// whichever words it shares).
const diffCells = 4 << 20

// diff is the word-level diff from a to b, by their longest common subsequence after the
// common head and tail, with the counts of words added and dropped.
func diff(a, b []word) (ops []Op, added, dropped int) {
	head := 0
	for head < len(a) && head < len(b) && a[head].key == b[head].key {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail].key == b[len(b)-1-tail].key {
		tail++
	}
	emit := func(op string, ws []word) {
		if len(ws) == 0 {
			return
		}
		texts := make([]string, len(ws))
		for i, w := range ws {
			texts[i] = w.text
		}
		text := strings.Join(texts, " ")
		if n := len(ops); n > 0 && ops[n-1].Op == op {
			ops[n-1].Text += " " + text
			return
		}
		ops = append(ops, Op{op, text})
	}
	emit("equal", b[:head])
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	if len(ma)*len(mb) > diffCells {
		emit("delete", ma)
		emit("insert", mb)
		dropped, added = len(ma), len(mb)
	} else {
		// lcs[i][j] is the longest common subsequence of ma[i:] and mb[j:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i].key == mb[j].key {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i].key == mb[j].key:
				emit("equal", mb[j:j+1])
				i, j = i+1, j+1
			case i < len(ma) && (j == len(mb) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
				emit("delete", ma[i:i+1])
				dropped++
				i++
			default:
				emit("insert", mb[j:j+1])
				added++
				j++
			}
		}
	}
	emit("equal", b[len(b)-tail:])
	return ops, added, dropped
}

// contiguous reports whether a diff keeps one unbroken run of the quote's words: what a
// fragment is (deletions before and after it, none inside).
func contiguous(ops []Op) bool {
	runs := 0
	for _, o := range ops {
		if o.Op == "equal" {
			runs++
		}
	}
	return runs == 1
}

// Likeness is Jaccard(words, text) and the share of the words' features the text holds
// (1 when the words are all among the text's, as a fragment's are among its quote's),
// from one pass over the two sets.
func Likeness(words, text Set) (jaccard, contained float64) {
	inter := intersection(words, text)
	if len(words) > 0 {
		contained = float64(inter) / float64(len(words))
	}
	if union := len(words) + len(text) - inter; union > 0 {
		jaccard = float64(inter) / float64(union)
	}
	return jaccard, contained
}

// negations are words that turn a claim into its opposite: drift that adds or drops one
// is never the same quote however few words changed ("NATO is on the table").
var negations = map[string]bool{"not": true, "no": true, "never": true, "nor": true, "none": true, "nobody": true,
	"nothing": true, "neither": true, "cannot": true}

// Substantive says what of a diff changes what a claim asserts, "" when nothing does: a
// number changed, added or dropped ("20,000 troops" against "30,000"), or a negation
// added or dropped. Such words are never linked as the same quote without a person.
func Substantive(ops []Op) string {
	var numbers [2]int
	var negs [2]int
	for _, o := range ops {
		side := -1
		switch o.Op {
		case "delete":
			side = 0
		case "insert":
			side = 1
		}
		if side < 0 {
			continue
		}
		for _, w := range search.Tokens(expand(fold.String(o.Text))) {
			if strings.ContainsAny(w, "0123456789") {
				numbers[side]++
			}
			if negations[w] {
				negs[side]++
			}
		}
	}
	switch {
	case numbers[0] > 0 || numbers[1] > 0:
		return "a number changed"
	case negs[0] != negs[1]:
		return "a negation was added or dropped"
	}
	return ""
}
