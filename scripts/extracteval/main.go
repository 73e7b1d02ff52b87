// Command extracteval scores the quote extractor on a corpus of articles with gold
// (quote, speaker) pairs: precision, recall and F1 of (quote, speaker) pairs, quote spans
// matched by overlap and speakers by a shared word of the name, for quotes whose gold
// speaker is a name; then the worst misses. On PolNeAR precision is given twice: judged by
// the derived pairs (a candidate outside them is extra), and against every attribution
// the annotators marked (a quote the pairs leave out — in two pieces, or a quoted clause
// of reported speech — judged by its attribution's source). Corpora: PolNeAR's derived pairs (English
// news; -split train or dev) and REDEWIEDERGABE's German press samples.
//
//	go run ./scripts/extracteval -corpus ../shared/data/polnear -split dev
//	go run ./scripts/extracteval -format redewiedergabe -corpus ../shared/data/redewiedergabe-press
package main

import (
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/verbatimhq/verbatim/extract"
	"github.com/verbatimhq/verbatim/scripts/internal/quotegold"
)

func main() {
	corpus := flag.String("corpus", "../shared/data/polnear", "corpus directory")
	format := flag.String("format", "polnear", "polnear or redewiedergabe")
	split := flag.String("split", "dev", "PolNeAR's train or dev")
	lang := flag.String("lang", "", "the articles' language; empty to detect each")
	worst := flag.Int("worst", 15, "how many misses to print")
	threshold := flag.Float64("min-confidence", extract.Threshold, "score only candidates at least this confident")
	flag.Parse()

	var articles []quotegold.Article
	var err error
	switch *format {
	case "polnear":
		articles, err = quotegold.PolNeAR(*corpus, *split)
	case "redewiedergabe":
		articles, err = quotegold.Redewiedergabe(*corpus)
		*split = "German press"
	default:
		err = fmt.Errorf("unknown format %q", *format)
	}
	if err != nil {
		log.Fatal(err)
	}
	var s, full quotegold.Score // judged by the derived pairs; and by every annotated attribution
	others := false
	named, proposed := 0, 0 // gold quotes with a named speaker, and those some reading gets right
	langs := map[string]int{}
	var took time.Duration
	for i := range articles {
		a := &articles[i]
		start := time.Now()
		res := extract.Read(a.Text, extract.Options{PublishedOn: a.Published, Lang: *lang})
		took += time.Since(start)
		langs[res.Lang]++
		var cands []quotegold.Cand
		for _, c := range res.Candidates {
			if c.Confidence >= *threshold {
				cands = append(cands, quotegold.Cand{Start: c.Start, End: c.End, Text: c.Text, Speaker: c.SpeakerName})
			}
		}
		full.Add(a, cands)
		others = others || len(a.Others) > 0
		pairs := *a
		pairs.Others = nil
		s.Add(&pairs, cands)
		right := make([]bool, len(a.Gold))
		for _, p := range extract.Proposals(a.Text, extract.Options{PublishedOn: a.Published, Lang: res.Lang}) {
			for _, o := range p.Options {
				if i, v := a.Judge(o.Start, o.End, o.SpeakerName); v == quotegold.Right && i >= 0 {
					right[i] = true
				}
			}
		}
		for i, g := range a.Gold {
			if !g.Pronoun {
				named++
				if right[i] {
					proposed++
				}
			}
		}
	}
	fmt.Printf("%s: %d articles (read as %v, %v in all), %d gold pairs with a named speaker, candidates of confidence ≥ %.2f\n",
		*split, len(articles), langs, took.Round(time.Millisecond), s.Named, *threshold)
	fmt.Printf("precision %.3f  recall %.3f  F1 %.3f  (tp %d, fp %d, found %d)\n", s.Precision(), s.Recall(), s.F1(), s.TP, s.FP, s.Found)
	if others {
		fmt.Printf("judged against every attribution the annotators marked: precision %.3f  recall %.3f  F1 %.3f  (tp %d, fp %d)\n",
			full.Precision(), full.Recall(), full.F1(), full.TP, full.FP)
	}
	fmt.Printf("the rules' ceiling: a right reading proposed for %.3f of the gold pairs\n", float64(proposed)/float64(max(1, named)))
	fmt.Println("worst misses:")
	for _, m := range s.Misses[:min(*worst, len(s.Misses))] {
		fmt.Println("  " + m)
	}
	fmt.Println("wrong or extra:")
	for _, m := range full.Wrongs[:min(*worst, len(full.Wrongs))] { // the pairs' extras an attribution covers are not
		fmt.Println("  " + m)
	}
}
