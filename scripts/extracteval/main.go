// Command extracteval scores the quote extractor on a corpus of articles with gold
// (quote, speaker) pairs in PolNeAR's layout (direct_quote_pairs.<split>.jsonl beside
// <split>/text/*.txt): precision, recall and F1 of (quote, speaker) pairs, quote spans
// matched by overlap and speakers by name, for quotes whose gold speaker is a name; then
// the worst misses.
//
//	go run ./scripts/extracteval -corpus ../shared/data/polnear -split dev
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/extract"
	"github.com/verbatimhq/verbatim/fold"
)

type gold struct {
	Article          string  `json:"article"`
	Quote            string  `json:"quote"`
	QuoteSpans       [][]int `json:"quote_spans"`
	Speaker          string  `json:"speaker"`
	SpeakerIsPronoun bool    `json:"speaker_is_pronoun"`
	PublicationDate  string  `json:"publication_date"`
	TextFile         string  `json:"text_file"`
}

func main() {
	corpus := flag.String("corpus", "../shared/data/polnear", "corpus directory")
	split := flag.String("split", "dev", "train or dev")
	worst := flag.Int("worst", 15, "how many misses to print")
	threshold := flag.Float64("min-confidence", extract.Threshold, "score only candidates at least this confident")
	flag.Parse()

	f, err := os.Open(filepath.Join(*corpus, "direct_quote_pairs."+*split+".jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	byArticle := map[string][]gold{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var g gold
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			log.Fatal(err)
		}
		byArticle[g.Article] = append(byArticle[g.Article], g)
	}
	var tp, fp, goldNamed, found int
	var misses, wrongs []string
	articles := make([]string, 0, len(byArticle))
	for a := range byArticle {
		articles = append(articles, a)
	}
	sort.Strings(articles)
	for _, a := range articles {
		gs := byArticle[a]
		text, err := os.ReadFile(filepath.Join(*corpus, *split, "text", a+".txt"))
		if err != nil {
			log.Fatal(err)
		}
		pub, _ := time.Parse("2006-01-02", gs[0].PublicationDate)
		cands := extract.Extract(string(text), extract.Options{PublishedOn: pub})
		matched := make([]bool, len(gs))
		for _, c := range cands {
			if c.Confidence < *threshold {
				continue
			}
			gi := -1
			for i, g := range gs {
				if overlaps(c.Start, c.End, g.QuoteSpans) {
					gi = i
					break
				}
			}
			switch {
			case gi < 0:
				fp++ // a quoted phrase the annotators did not attribute: a title, scare quotes
				wrongs = append(wrongs, fmt.Sprintf("%s: extra %q → %s", a, trim(c.Text), c.SpeakerName))
			case gs[gi].SpeakerIsPronoun:
				// the gold speaker is a pronoun: outside this score
			case sameSpeaker(c.SpeakerName, gs[gi].Speaker):
				tp++
				matched[gi] = true
			default:
				fp++
				wrongs = append(wrongs, fmt.Sprintf("%s: %q → %q, gold %q", a, trim(c.Text), c.SpeakerName, gs[gi].Speaker))
			}
		}
		for i, g := range gs {
			if g.SpeakerIsPronoun {
				continue
			}
			goldNamed++
			if matched[i] {
				found++
			} else {
				misses = append(misses, fmt.Sprintf("%s: missed %q by %q", a, trim(g.Quote), g.Speaker))
			}
		}
	}
	p := float64(tp) / float64(max(1, tp+fp))
	r := float64(found) / float64(max(1, goldNamed))
	fmt.Printf("%s: %d articles, %d gold pairs with a named speaker, candidates of confidence ≥ %.2f\n", *split, len(articles), goldNamed, *threshold)
	fmt.Printf("precision %.3f  recall %.3f  F1 %.3f  (tp %d, fp %d, found %d)\n", p, r, 2*p*r/max(1e-9, p+r), tp, fp, found)
	fmt.Println("worst misses:")
	for _, m := range misses[:min(*worst, len(misses))] {
		fmt.Println("  " + m)
	}
	fmt.Println("wrong or extra:")
	for _, m := range wrongs[:min(*worst, len(wrongs))] {
		fmt.Println("  " + m)
	}
}

func overlaps(start, end int, spans [][]int) bool {
	for _, s := range spans {
		if start < s[1] && s[0] < end {
			return true
		}
	}
	return false
}

// sameSpeaker matches names by their words: "Keith Kellogg" matches "Kellogg".
func sameSpeaker(got, want string) bool {
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
var function = map[string]bool{"the": true, "and": true, "for": true, "who": true, "his": true, "her": true, "its": true}

func trim(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > 70 {
		return string([]rune(s)[:70]) + "…"
	}
	return s
}
