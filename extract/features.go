package extract

import (
	"strconv"
	"strings"
	"unicode"
)

// features names what the model weighs in a reading of the quote at sp whose words are
// text: how the speaker was found and what kind of speaker it is, the cue, the distance
// between quote and cue, the quote's length and shape, its marks, and how often the
// article names the speaker. Names, not numbers: the weights file reads as a list of
// reasons.
func (lg *language) features(rs []rune, article string, sp span, text string, r reading) []string {
	words := lg.words(text)
	dist := bucket(r.dist, 5, 20, 40, 80)
	how, cue := r.how, r.c.Cue
	if lg.code != "en" && lg.code != "und" {
		// The model learnt from English news only. Another language's readings are weighed
		// as their English counterparts: a speech verb as "said", a source word as
		// "according to", 岸田首相は「…」と述べた (speaker before, cue after) as a speaker
		// named before the quote.
		cue = "said"
		if lg.according[r.c.Cue] {
			cue = "according to"
		}
		if how == "topic" {
			how = "before"
		}
	}
	f := []string{"how=" + how, "kind=" + r.kind, "cue=" + cue, "len=" + bucket(len(words), 1, 2, 4, 8, 16, 32),
		"dist=" + dist, "how.kind=" + how + "." + r.kind, "how.dist=" + how + "." + dist}
	if sh := shape(words, r.c.Confidence); sh != "" {
		f = append(f, "shape="+sh)
	}
	if r.antecedent != "" {
		f = append(f, "antecedent="+r.antecedent)
	}
	if r.partial {
		f = append(f, "partial")
	}
	if r.c.SpeakerRole != "" {
		f = append(f, "role")
	}
	if sp.runsOn {
		f = append(f, "runs-on")
	}
	if opensParagraph(rs, sp.before) {
		f = append(f, "opens-paragraph")
	}
	f = append(f, "first="+class(firstRune(text)), "last="+class(lastRune(strings.TrimSpace(string(rs[sp.start:sp.end])))))
	if sp.before >= -1 && sp.before+1 < len(rs) {
		f = append(f, "mark="+markClass(rs[sp.before+1]))
	}
	if !r.c.Anonymous && r.kind != "description" && r.c.SpeakerName != "" {
		f = append(f, "mentions="+bucket(strings.Count(article, lastWord(r.c.SpeakerName)), 1, 2, 4))
	}
	return f
}

// bucket names the range n falls in: "≤1", "≤2", … or ">" the last bound.
func bucket(n int, bounds ...int) string {
	for _, b := range bounds {
		if n <= b {
			return "≤" + strconv.Itoa(b)
		}
	}
	return ">" + strconv.Itoa(bounds[len(bounds)-1])
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

func lastRune(s string) rune {
	rs := []rune(s)
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1]
}

// class is a character's kind for the model: upper, lower, a sentence's end, a comma,
// other.
func class(r rune) string {
	switch {
	case unicode.IsUpper(r):
		return "upper"
	case unicode.IsLower(r):
		return "lower"
	case r == '.' || r == '!' || r == '?' || r == '…' || r == '。' || r == '！' || r == '？':
		return "stop"
	case r == ',' || r == '，' || r == '、':
		return "comma"
	}
	return "other"
}

func markClass(r rune) string {
	switch r {
	case '"':
		return "straight"
	case '“', '”':
		return "curly"
	case '`', '\'':
		return "wire"
	}
	return string(r)
}

// opensParagraph says whether the quote mark after i is the first thing in its paragraph.
func opensParagraph(rs []rune, i int) bool {
	for ; i >= 0; i-- {
		if rs[i] == '\n' {
			return true
		}
		if rs[i] != ' ' {
			return false
		}
	}
	return true
}
