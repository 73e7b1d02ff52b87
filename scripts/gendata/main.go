// Command gendata fills a Verbatim database with N synthetic but realistically shaped
// quotes, for benchmarks: words drawn from a Zipf distribution (English function words at
// the head, invented content words in the tail), thousands of speakers and hundreds of
// outlets of Zipf popularity, dates over 26 years, tags and languages. It also writes the
// two query lists the load runs use: rare words, and queries drawn like the corpus itself
// (so some match a large share of all quotes).
//
//	go run -tags sqlite_fts5 ./scripts/gendata -db bench/1m.db -n 1000000 -queries bench
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/scripts/internal/querylist"
)

var head = strings.Fields(`the of and to a in is that it was for on are as with he they be at one have this from or
	had by not but what some we can were all there when your said use an each which she do how their if will up
	other about out many then them these so would make like him into time has look more go see no way could people
	my than first been call who its now find long down day did get come made may part over new sound take only
	little work know place year live me back give most very after thing our just name good sentence man think say
	great where help through much before line right too mean old any same tell boy follow came want show also
	around form three small set put end does another well large must big even such because turn here why ask went
	men read need land different home us move try kind hand picture again change off play spell air away animal
	house point page letter mother answer found study still learn should world high every near add food between
	own below country plant last school father keep tree never start city earth eye light thought head under story
	saw left few while along might close something seem next hard open example begin life always those both paper
	together got group often run important until children side feet car mile night walk white sea began grow took
	river four carry state once book hear stop without second later miss idea enough eat face watch far really
	almost let above girl sometimes mountain cut young talk soon list song being leave family nato ukraine russia
	peace war table sanctions election economy tax border police court vote budget climate energy health jobs`)

const syllables = "ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu " +
	"pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo zu"

func main() {
	path := flag.String("db", "bench/verbatim.db", "database to fill (created if missing)")
	n := flag.Int("n", 100000, "how many quotes to add")
	seed := flag.Uint64("seed", 1, "random seed: the same seed makes the same archive")
	queries := flag.String("queries", "", "directory to write rare.txt, corpus.txt and researcher.txt into (none if empty)")
	batch := flag.Int("batch", 2000, "quotes per transaction")
	ndjson := flag.String("ndjson", "", "write the quotes to this NDJSON file (the import's create shape) instead of a database")
	idPrefix := flag.String("id-prefix", "gen-", "external_id of the NDJSON records: this prefix and the record's number (another prefix makes records new to a database already loaded from a file)")
	flag.Parse()

	g := newGen(*seed)
	if *queries != "" {
		if err := g.writeQueries(*queries); err != nil {
			log.Fatal(err)
		}
	}
	if *ndjson != "" {
		if err := g.writeNDJSON(*ndjson, *n, *idPrefix); err != nil {
			log.Fatal(err)
		}
		return
	}
	ctx := db.WithActor(context.Background(), db.System) // the operator at the machine, as the command line is
	if err := os.MkdirAll(filepath.Dir(*path), 0o755); err != nil {
		log.Fatal(err)
	}
	store, err := engines.Open(ctx, *path, engines.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	start := time.Now()
	ins := make([]db.QuoteInput, 0, *batch)
	for done := 0; done < *n; {
		ins = ins[:0]
		for len(ins) < *batch && done+len(ins) < *n {
			ins = append(ins, g.quote())
		}
		if err := store.CreateQuotes(ctx, ins); err != nil {
			log.Fatal(err)
		}
		done += len(ins)
		if done%100000 < *batch || done == *n {
			el := time.Since(start)
			fmt.Fprintf(os.Stderr, "%d quotes in %s (%.0f/s)\n", done, el.Round(time.Second), float64(done)/el.Seconds())
		}
	}
}

type gen struct {
	r                 *rand.Rand
	vocab             []string
	word, spk, outlet *rand.Zipf
	speakers, outlets []string
	topics            []string
}

func newGen(seed uint64) *gen {
	r := rand.New(rand.NewPCG(seed, seed^0x5EED))
	g := &gen{r: r}
	syl := strings.Fields(syllables)
	seen := map[string]bool{}
	for _, w := range head {
		if !seen[w] {
			seen[w] = true
			g.vocab = append(g.vocab, w)
		}
	}
	for len(g.vocab) < 60000 {
		w := ""
		for range 2 + r.IntN(3) {
			w += syl[r.IntN(len(syl))]
		}
		if !seen[w] {
			seen[w] = true
			g.vocab = append(g.vocab, w)
		}
	}
	cap1 := func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
	for range 5000 {
		g.speakers = append(g.speakers, cap1(g.vocab[400+r.IntN(20000)])+" "+cap1(g.vocab[400+r.IntN(20000)]))
	}
	for i := range 150 {
		g.outlets = append(g.outlets, fmt.Sprintf("The %s %s", cap1(g.vocab[1000+i]), []string{"Times", "Post", "News", "Daily", "Herald"}[i%5]))
	}
	for i := range 200 {
		g.topics = append(g.topics, g.vocab[2000+i])
	}
	g.word = rand.NewZipf(r, 1.07, 2, uint64(len(g.vocab)-1))
	g.spk = rand.NewZipf(r, 1.1, 5, uint64(len(g.speakers)-1))
	g.outlet = rand.NewZipf(r, 1.2, 2, uint64(len(g.outlets)-1))
	return g
}

func (g *gen) sentence(words int) string {
	ws := make([]string, words)
	for i := range ws {
		ws[i] = g.vocab[g.word.Uint64()]
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ")
}

func (g *gen) quote() db.QuoteInput {
	r := g.r
	text := g.sentence(6 + r.IntN(30))
	if r.IntN(4) == 0 {
		text += ", " + g.sentence(3+r.IntN(10))
	}
	text += "."
	speaker := g.speakers[g.spk.Uint64()]
	said := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(26*365)).Format("2006-01-02")
	in := db.QuoteInput{Text: text, SpeakerName: &speaker, SaidOn: &said}
	if r.IntN(5) > 0 {
		o := g.outlets[g.outlet.Uint64()]
		in.OutletName = &o
	}
	lang := []string{"en", "en", "en", "en", "en", "en", "en", "en", "es", "fr"}[r.IntN(10)]
	in.Lang = &lang
	setting := db.Settings[r.IntN(len(db.Settings))]
	in.Setting = &setting
	for range r.IntN(4) {
		in.Tags = append(in.Tags, g.topics[r.IntN(len(g.topics))])
	}
	if r.IntN(3) == 0 {
		c := "remarks at " + g.sentence(2+r.IntN(3))
		in.Context = &c
	}
	return in
}

// writeQueries writes the search benchmarks' query lists (querylist.Write) drawn from
// this corpus' words.
func (g *gen) writeQueries(dir string) error {
	return querylist.Write(dir, g.r, querylist.Vocabulary{Word: func(i int) string { return g.vocab[i] }, Size: len(g.vocab),
		Draw: func() int { return int(g.word.Uint64()) }})
}

// writeNDJSON writes n quotes as import records, each with an external key.
func (g *gen) writeNDJSON(path string, n int, prefix string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range n {
		rec := struct {
			db.QuoteInput
			ExternalID string `json:"external_id"`
		}{g.quote(), fmt.Sprintf("%s%d", prefix, i)}
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
