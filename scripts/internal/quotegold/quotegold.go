// Package quotegold reads corpora of articles with gold direct quotes and their speakers
// (PolNeAR's derived pairs, REDEWIEDERGABE's German press samples) and scores extracted
// candidates against them. The evaluator and the trainer judge a candidate by the same
// rule, here: its span overlaps a gold quote's, and its speaker shares a word of the gold
// speaker's name.
package quotegold

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/fold"
)

// Gold is one annotated quote: its spans (rune offsets, end exclusive) and its speaker.
type Gold struct {
	Quote   string
	Spans   [][2]int
	Speaker string
	Pronoun bool // the annotators marked the speaker as a pronoun ("he"), or none
}

// Article is a text with its gold quotes.
type Article struct {
	ID        string
	Text      string
	Published time.Time
	Gold      []Gold
	// Others are the article's other annotated attributions with a source (PolNeAR's
	// .ann files): speech the derived pairs leave out because its content is not wholly
	// inside quote marks — a quote in two pieces, "that" and a quoted clause. A candidate
	// no gold quote covers is judged against the innermost of these that covers it (see
	// Judge); recall counts the gold quotes only.
	Others []Gold
}

// PolNeAR reads split (train or dev) of PolNeAR's layout: direct_quote_pairs.<split>.jsonl
// beside <split>/text/*.txt. Articles come sorted by ID.
func PolNeAR(dir, split string) ([]Article, error) {
	type pair struct {
		Article          string  `json:"article"`
		Quote            string  `json:"quote"`
		QuoteSpans       [][]int `json:"quote_spans"`
		Speaker          string  `json:"speaker"`
		SpeakerIsPronoun bool    `json:"speaker_is_pronoun"`
		PublicationDate  string  `json:"publication_date"`
		Annotator        string  `json:"annotator"`
		AttributionID    string  `json:"attribution_id"`
	}
	paired := map[string]map[string]bool{} // article → its attributions among the pairs
	annotator := map[string]string{}
	byID := map[string]*Article{}
	err := eachLine(filepath.Join(dir, "direct_quote_pairs."+split+".jsonl"), func(b []byte) error {
		var p pair
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		a := byID[p.Article]
		if a == nil {
			text, err := os.ReadFile(filepath.Join(dir, split, "text", p.Article+".txt"))
			if err != nil {
				return err
			}
			pub, _ := time.Parse("2006-01-02", p.PublicationDate)
			a = &Article{ID: p.Article, Text: string(text), Published: pub}
			byID[p.Article] = a
		}
		g := Gold{Quote: p.Quote, Speaker: p.Speaker, Pronoun: p.SpeakerIsPronoun}
		for _, s := range p.QuoteSpans {
			g.Spans = append(g.Spans, [2]int{s[0], s[1]})
		}
		a.Gold = append(a.Gold, g)
		if paired[p.Article] == nil {
			paired[p.Article] = map[string]bool{}
		}
		paired[p.Article][p.AttributionID] = true
		annotator[p.Article] = p.Annotator
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id, a := range byID {
		path := filepath.Join(dir, split, "attributions", id+"_"+annotator[id]+".ann")
		if a.Others, err = brat(path, paired[id]); err != nil {
			return nil, err
		}
	}
	return sorted(byID), nil
}

// brat reads the attributions of a BRAT standoff file — relations (E lines) tying an
// Attribution to its Content and Source spans (T lines) — but those in skip, as Golds:
// the content's spans (character offsets, as the text's runes) and the source's words.
// Attributions without a source are left out.
func brat(path string, skip map[string]bool) ([]Gold, error) {
	type span struct {
		spans [][2]int
		text  string
	}
	spans := map[string]span{}
	var relations [][]string
	err := eachLine(path, func(b []byte) error {
		f := strings.SplitN(string(b), "\t", 3)
		switch {
		case strings.HasPrefix(f[0], "T") && len(f) == 3:
			typ, ranges, _ := strings.Cut(f[1], " ")
			var s span
			for _, r := range strings.Split(ranges, ";") {
				var lo, hi int
				if _, err := fmt.Sscanf(r, "%d %d", &lo, &hi); err != nil {
					return fmt.Errorf("span %q of %s: %w", r, typ, err)
				}
				s.spans = append(s.spans, [2]int{lo, hi})
			}
			s.text = f[2]
			spans[f[0]] = s
		case strings.HasPrefix(f[0], "E") && len(f) >= 2:
			relations = append(relations, append([]string{f[0]}, strings.Fields(f[1])...))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Gold
	for _, r := range relations {
		if skip[r[0]] {
			continue
		}
		var content, source string
		for _, role := range r[1:] {
			kind, t, _ := strings.Cut(role, ":")
			switch kind {
			case "Content":
				content = t
			case "Source":
				source = t
			}
		}
		c, ok := spans[content]
		src, named := spans[source]
		if !ok || !named {
			continue
		}
		speaker := strings.TrimSpace(strings.ReplaceAll(src.text, "\u00a0", " "))
		out = append(out, Gold{Quote: c.text, Spans: c.spans, Speaker: speaker, Pronoun: pronouns[strings.ToLower(speaker)]})
	}
	return out, nil
}

// pronouns are the sources the derived pairs mark as pronouns, and their kin.
var pronouns = map[string]bool{"he": true, "she": true, "it": true, "they": true, "we": true, "i": true, "you": true,
	"who": true, "that": true, "which": true, "one": true, "his": true, "her": true, "him": true, "them": true,
	"their": true, "its": true, "our": true, "us": true, "me": true, "my": true}

// Redewiedergabe reads the German press samples: articles.jsonl and gold_quotes.jsonl,
// the parts of one interrupted quote (one stwr_id) joined into one gold quote. A quote
// with no speaker annotated counts as unnamed, like a pronoun.
func Redewiedergabe(dir string) ([]Article, error) {
	byID := map[string]*Article{}
	err := eachLine(filepath.Join(dir, "articles.jsonl"), func(b []byte) error {
		var a struct {
			ID   string `json:"article_id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return err
		}
		byID[a.ID] = &Article{ID: a.ID, Text: a.Text}
		return nil
	})
	if err != nil {
		return nil, err
	}
	parts := map[string]int{} // article/stwr_id → index in its article's Gold
	err = eachLine(filepath.Join(dir, "gold_quotes.jsonl"), func(b []byte) error {
		var q struct {
			Article string `json:"article_id"`
			Quote   string `json:"quote"`
			Speaker string `json:"speaker"`
			Start   int    `json:"quote_start"`
			End     int    `json:"quote_end"`
			STWR    string `json:"stwr_id"`
			Pronoun *bool  `json:"speaker_is_pronoun"`
		}
		if err := json.Unmarshal(b, &q); err != nil {
			return err
		}
		a := byID[q.Article]
		if a == nil {
			return fmt.Errorf("gold quote of unknown article %s", q.Article)
		}
		key := q.Article + "/" + q.STWR
		if i, ok := parts[key]; ok {
			a.Gold[i].Spans = append(a.Gold[i].Spans, [2]int{q.Start, q.End})
			a.Gold[i].Quote += " " + q.Quote
			return nil
		}
		parts[key] = len(a.Gold)
		a.Gold = append(a.Gold, Gold{Quote: q.Quote, Spans: [][2]int{{q.Start, q.End}}, Speaker: q.Speaker,
			Pronoun: q.Speaker == "" || q.Pronoun != nil && *q.Pronoun})
		return nil
	})
	return sorted(byID), err
}

func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for n := 1; sc.Scan(); n++ {
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

func sorted(byID map[string]*Article) []Article {
	out := make([]Article, 0, len(byID))
	for _, a := range byID {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Article) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Verdict is what the gold says of a candidate.
type Verdict int

const (
	Extra    Verdict = iota // no gold quote there: a title, scare quotes, or a quote the gold leaves out
	Right                   // a gold quote, its speaker named
	Wrong                   // a gold quote, another speaker
	Unscored                // a gold quote whose speaker is a pronoun or unnamed: outside the score
)

// Judge finds the gold quote a candidate's span [start, end) overlaps (-1 for none) and
// says whether its speaker is the gold's. A candidate no gold quote covers is judged
// against the innermost other attribution whose content covers it (its index is then
// -1): the same verdicts, Extra only when no annotated speech covers it.
func (a *Article) Judge(start, end int, speaker string) (int, Verdict) {
	overlaps := func(g Gold) bool {
		return slices.ContainsFunc(g.Spans, func(s [2]int) bool { return start < s[1] && s[0] < end })
	}
	verdict := func(g Gold) Verdict {
		switch {
		case g.Pronoun:
			return Unscored
		case SameSpeaker(speaker, g.Speaker):
			return Right
		}
		return Wrong
	}
	for i, g := range a.Gold {
		if overlaps(g) {
			return i, verdict(g)
		}
	}
	var inner *Gold
	width := func(g *Gold) (n int) {
		for _, s := range g.Spans {
			n += s[1] - s[0]
		}
		return n
	}
	for i := range a.Others {
		if g := &a.Others[i]; overlaps(*g) && (inner == nil || width(g) < width(inner)) {
			inner = g
		}
	}
	if inner != nil {
		return -1, verdict(*inner)
	}
	return -1, Extra
}

// Score counts candidates and gold quotes: precision over the candidates scored, recall
// over the gold quotes with a named speaker.
type Score struct {
	TP, FP, Named, Found int
	Misses, Wrongs       []string
}

// Add scores one article's candidates, given as (start, end, text, speaker).
func (s *Score) Add(a *Article, cands []Cand) {
	matched := make([]bool, len(a.Gold))
	for _, c := range cands {
		gi, v := a.Judge(c.Start, c.End, c.Speaker)
		switch v {
		case Extra:
			s.FP++
			s.Wrongs = append(s.Wrongs, fmt.Sprintf("%s: extra %q → %s", a.ID, trim(c.Text), c.Speaker))
		case Right:
			s.TP++
			if gi >= 0 {
				matched[gi] = true
			}
		case Wrong:
			s.FP++
			gold := "(another attribution)"
			if gi >= 0 {
				gold = a.Gold[gi].Speaker
			}
			s.Wrongs = append(s.Wrongs, fmt.Sprintf("%s: %q → %q, gold %q", a.ID, trim(c.Text), c.Speaker, gold))
		}
	}
	for i, g := range a.Gold {
		if g.Pronoun {
			continue
		}
		s.Named++
		if matched[i] {
			s.Found++
		} else {
			s.Misses = append(s.Misses, fmt.Sprintf("%s: missed %q by %q", a.ID, trim(g.Quote), g.Speaker))
		}
	}
}

// Cand is a candidate as the score sees it.
type Cand struct {
	Start, End    int
	Text, Speaker string
}

// Sum adds another score's counts (a fold's) to s.
func (s *Score) Sum(o Score) {
	s.TP, s.FP, s.Named, s.Found = s.TP+o.TP, s.FP+o.FP, s.Named+o.Named, s.Found+o.Found
}

func (s *Score) Precision() float64 { return float64(s.TP) / float64(max(1, s.TP+s.FP)) }
func (s *Score) Recall() float64    { return float64(s.Found) / float64(max(1, s.Named)) }
func (s *Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	return 2 * p * r / max(1e-9, p+r)
}

// SameSpeaker matches names by their words: "Keith Kellogg" matches "Kellogg".
func SameSpeaker(got, want string) bool {
	// Gold speaker spans keep their punctuation ("Mr. King, 82,"): compare bare words.
	words := func(s string) []string {
		var out []string
		for _, f := range strings.Fields(fold.String(s)) {
			if f = strings.Trim(f, ".,;:()’'\""); f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	g, w := words(got), words(want)
	if len(g) == 0 || len(w) == 0 {
		return false
	}
	last := func(ws []string) string { return strings.Trim(ws[len(ws)-1], ".,’'s") }
	if last(g) == last(w) {
		return true
	}
	gs := " " + strings.Join(g, " ") + " "
	for _, x := range w {
		if len(x) >= 3 && !function[x] && strings.Contains(gs, " "+x+" ") { // three letters: IMF, CNN
			return true
		}
	}
	return false
}

// function words never identify a speaker.
var function = map[string]bool{"the": true, "and": true, "for": true, "who": true, "his": true, "her": true, "its": true,
	"der": true, "die": true, "das": true, "den": true, "dem": true, "des": true, "ein": true, "eine": true}

func trim(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > 70 {
		return string([]rune(s)[:70]) + "…"
	}
	return s
}
