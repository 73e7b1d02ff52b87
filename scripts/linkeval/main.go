// Command linkeval measures linking — whether the same quote printed by two outlets ends
// as one quote, and different quotes stay apart — on a corpus in PolNeAR's layout
// (direct_quote_pairs.<split>.jsonl beside <split>/text/*.txt). Every article of the
// split is extracted and saved, oldest first, into one fresh archive, as a newsroom would
// record them; each gold quote is then found among the saved quotes by its span.
//
// Two gold quotes from different articles are the same quote when their speakers share
// a name word and the folded words of one (five or more) stand, as a run, in the other's
// — a re-report printing all or part of the words. The linking is scored on the pairs of
// gold quotes the extractor found both of: precision and recall of "landed on the same
// quote" against that truth; pairs left apart but with a suggested link between them are
// counted apart, as what a fact-checker would be asked to confirm.
//
//	go run -tags sqlite_fts5 ./scripts/linkeval -corpus ../shared/data/polnear -split dev
//	go run -tags sqlite_fts5 ./scripts/linkeval -split dev -sweep
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/extract"
	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/search"
)

type gold struct {
	Article          string  `json:"article"`
	Compartment      string  `json:"compartment"`
	Publisher        string  `json:"publisher"`
	Quote            string  `json:"quote"`
	QuoteSpans       [][]int `json:"quote_spans"`
	Speaker          string  `json:"speaker"`
	SpeakerIsPronoun bool    `json:"speaker_is_pronoun"`
	PublicationDate  string  `json:"publication_date"`

	landed string // the quote the extracted words landed on; "" when not extracted
}

func main() {
	corpus := flag.String("corpus", "../shared/data/polnear", "corpus directory")
	split := flag.String("split", "dev", "train, dev, or both as train,dev (one archive)")
	confirm := flag.Float64("confirm", db.DefaultLinkPolicy.ConfirmMin, "LinkPolicy.ConfirmMin")
	suggest := flag.Float64("suggest", db.DefaultLinkPolicy.SuggestMin, "LinkPolicy.SuggestMin")
	words := flag.Int("min-words", db.DefaultLinkPolicy.MinWords, "LinkPolicy.MinWords")
	sweep := flag.Bool("sweep", false, "score a grid of policies instead of one")
	show := flag.Bool("show", false, "print the wrong links and the same-quote pairs left apart")
	flag.Parse()
	golds, articles := read(*corpus, *split)
	fmt.Printf("%s: %d articles, %d gold quotes\n", *split, len(articles), len(golds))
	policies := []db.LinkPolicy{{ConfirmMin: *confirm, SuggestMin: *suggest, MinWords: *words}}
	if *sweep {
		policies = nil
		for _, c := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} {
			for _, w := range []int{5, 8, 12} {
				policies = append(policies, db.LinkPolicy{ConfirmMin: c, SuggestMin: min(c, *suggest), MinWords: w})
			}
		}
	}
	fmt.Println("confirm  suggest  words | pairs  same  linked  right | precision  recall  | suggested-apart  end-to-end recall (of all same pairs)")
	for _, p := range policies {
		score(*corpus, p, golds, articles, *show)
	}
}

func read(corpus, splits string) ([]*gold, []string) {
	var golds []*gold
	seen := map[string]bool{}
	var articles []string
	for _, split := range strings.Split(splits, ",") {
		f, err := os.Open(filepath.Join(corpus, "direct_quote_pairs."+split+".jsonl"))
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var g gold
			if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
				log.Fatal(err)
			}
			if g.SpeakerIsPronoun {
				continue
			}
			g.Compartment = split
			golds = append(golds, &g)
			if !seen[g.Article] {
				seen[g.Article] = true
				articles = append(articles, g.Article)
			}
		}
		f.Close()
	}
	// Oldest first, as a newsroom records them.
	date := map[string]string{}
	for _, g := range golds {
		date[g.Article] = g.PublicationDate
	}
	sort.Slice(articles, func(i, j int) bool {
		return date[articles[i]]+articles[i] < date[articles[j]]+articles[j]
	})
	return golds, articles
}

func score(corpus string, p db.LinkPolicy, golds []*gold, articles []string, show bool) {
	ctx := db.WithActor(context.Background(), db.System)
	dir, err := os.MkdirTemp("", "linkeval")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	d, err := engines.Open(ctx, filepath.Join(dir, "eval.db"), engines.Options{Options: db.Options{Link: p}})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	byArticle := map[string][]*gold{}
	for _, g := range golds {
		byArticle[g.Article] = append(byArticle[g.Article], g)
		g.landed = ""
	}
	for _, name := range articles {
		gs := byArticle[name]
		text, err := os.ReadFile(filepath.Join(corpus, gs[0].Compartment, "text", name+".txt"))
		if err != nil {
			log.Fatal(err)
		}
		outlet, date := gs[0].Publisher, gs[0].PublicationDate
		// Control characters (stray form feeds in a few files) become spaces: the API refuses
		// them, and a space keeps the gold spans' offsets.
		clean := strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\n' && r != '\t' && r != '\r' {
				return ' '
			}
			return r
		}, string(text))
		a := db.Article{Text: clean, OutletName: &outlet, PublishedOn: &date}
		read, err := d.Propose(ctx, a)
		cands := read.Candidates
		if err != nil {
			log.Fatal(err)
		}
		for _, c := range cands {
			if c.Confidence < extract.Threshold || strings.TrimSpace(c.SpeakerName) == "" {
				continue
			}
			ids, err := d.SaveExtracted(ctx, a, []db.Pick{db.PickOf(c, a)})
			if err != nil {
				continue // a pick the core refuses (an ambiguous name): not linking's to score
			}
			for _, g := range gs {
				if g.landed == "" && overlaps(c.Start, c.End, g.QuoteSpans) {
					g.landed = ids[0]
				}
			}
		}
	}
	suggested := map[[2]string]bool{}
	page, err := d.ListAppearancesAll(ctx, db.AppearanceFilter{State: ptr("suggested"), Limit: db.MaxLimit})
	for err == nil {
		for _, a := range page.Data {
			if a.LinkedQuoteID != nil {
				suggested[pairKey(a.QuoteID, *a.LinkedQuoteID)] = true
			}
		}
		if page.NextCursor == nil {
			break
		}
		page, err = d.ListAppearancesAll(ctx, db.AppearanceFilter{State: ptr("suggested"), Limit: db.MaxLimit, Cursor: page.NextCursor})
	}
	if err != nil {
		log.Fatal(err)
	}
	var pairs, same, linked, right, apartSuggested, sameAll, sameFound int
	for i, a := range golds {
		for _, b := range golds[i+1:] {
			if a.Article == b.Article {
				continue
			}
			truth := sameQuote(a, b)
			if truth {
				sameAll++
			}
			if a.landed == "" || b.landed == "" {
				continue
			}
			pairs++
			got := a.landed == b.landed
			if truth {
				same++
			}
			if got {
				linked++
			}
			if got && truth {
				right++
				sameFound++
			}
			if !got && truth && suggested[pairKey(a.landed, b.landed)] {
				apartSuggested++
			}
			if show && got != truth {
				what := "linked, not one quote"
				if truth {
					what = "one quote, left apart"
				}
				fmt.Printf("  %s:\n    %s (%s): %q\n    %s (%s): %q\n", what, a.Article, a.Speaker, a.Quote, b.Article, b.Speaker, b.Quote)
			}
		}
	}
	prec := float64(right) / float64(max(1, linked))
	rec := float64(right) / float64(max(1, same))
	fmt.Printf("%5.2f    %5.2f    %3d   | %6d %4d  %5d  %5d | %8.3f  %6.3f  | %8d          %6.3f (%d)\n",
		p.ConfirmMin, p.SuggestMin, p.MinWords, pairs, same, linked, right, prec, rec, apartSuggested,
		float64(sameFound)/float64(max(1, sameAll)), sameAll)
}

// sameQuote is the truth: speakers sharing a name word, and the folded words of one
// quote (five or more) standing as a run in the other's.
func sameQuote(a, b *gold) bool {
	if !shareWord(a.Speaker, b.Speaker) {
		return false
	}
	x, y := words(a.Quote), words(b.Quote)
	if len(x) > len(y) {
		x, y = y, x
	}
	if len(x) < 5 {
		return false
	}
	return strings.Contains(" "+strings.Join(y, " ")+" ", " "+strings.Join(x, " ")+" ")
}

func words(s string) []string { return search.Tokens(fold.String(s)) }

func shareWord(a, b string) bool {
	in := map[string]bool{}
	for _, w := range words(a) {
		in[w] = true
	}
	for _, w := range words(b) {
		if in[w] && len(w) > 1 {
			return true
		}
	}
	return false
}

func overlaps(start, end int, spans [][]int) bool {
	for _, s := range spans {
		if start < s[1] && s[0] < end {
			return true
		}
	}
	return false
}

func pairKey(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

func ptr[T any](v T) *T { return &v }
