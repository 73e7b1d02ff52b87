// Command quotebankgen writes Quotebank-shaped JSON lines — the real files (Zenodo record
// 4277311) cannot be fetched here — for tests and load benchmarks of
// `verbatim import --format quotebank`:
//
//   - quotation-centric lines (quotes-YYYY) on standard output or -quotes FILE;
//   - with -articles FILE, the article-centric lines (quotebank-YYYY) of the same
//     quotations: one line per URL, each quotation in that article's wording (now and
//     then a word changed, as outlets do).
//
// Drawn like the corpus: quotations of 5 to 80 words from a Zipf vocabulary, a quarter
// attributed to "None", speakers Zipf-distributed over -speakers with one QID, several
// (common names) or none, one to four weighed speakers with probabilities, most
// quotations printed once and a long tail printed hundreds of times across -sites
// outlets, dates over -from to -to, the phase of their period. Deterministic for a -seed.
// Quotebank ships bzip2: pipe through it for the same shape of file —
//
//	go run ./scripts/quotebankgen -n 1000000 | bzip2 > quotes-2016.json.bz2
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/scripts/internal/querylist"
)

func main() {
	n := flag.Int("n", 100000, "quotations")
	speakers := flag.Int("speakers", 50000, "distinct speakers")
	sites := flag.Int("sites", 3000, "distinct outlets")
	from := flag.String("from", "2015-01-01", "earliest date")
	to := flag.String("to", "2020-04-16", "latest date")
	quotes := flag.String("quotes", "", "write the quotation-centric lines here (default: standard output)")
	articles := flag.String("articles", "", "also write the article-centric lines of the same quotations here")
	seed := flag.Uint64("seed", 1, "random seed")
	queries := flag.String("queries", "", "also write the search benchmarks' query lists (rare.txt, corpus.txt, researcher.txt) of these words into this directory")
	flag.Parse()
	start, err := time.Parse(time.DateOnly, *from)
	if err != nil {
		log.Fatal(err)
	}
	end, err := time.Parse(time.DateOnly, *to)
	if err != nil {
		log.Fatal(err)
	}
	out := os.Stdout
	if *quotes != "" {
		if out, err = os.Create(*quotes); err != nil {
			log.Fatal(err)
		}
	}
	w := bufio.NewWriterSize(out, 1<<20)
	g := newGen(*seed, *speakers, *sites, start, end)
	if *queries != "" {
		// From a generator of their own, so that the quotations are the same with or without.
		q := newGen(*seed+1, 1, 1, start, end)
		if err := querylist.Write(*queries, q.rng, querylist.Vocabulary{Word: word, Size: 60001,
			Draw: func() int { return int(q.words.Uint64()) }}); err != nil {
			log.Fatal(err)
		}
	}
	var art *articleWriter
	if *articles != "" {
		f, err := os.Create(*articles)
		if err != nil {
			log.Fatal(err)
		}
		art = &articleWriter{w: bufio.NewWriterSize(f, 1<<20), f: f, g: g}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for range *n {
		q := g.quotation()
		if err := enc.Encode(q); err != nil {
			log.Fatal(err)
		}
		if art != nil {
			art.write(q)
		}
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	if art != nil {
		art.close()
	}
}

// quotation is a quotes-YYYY line.
type quotation struct {
	QuoteID        string      `json:"quoteID"`
	Quotation      string      `json:"quotation"`
	Speaker        string      `json:"speaker"`
	QIDs           []string    `json:"qids"`
	Date           string      `json:"date"`
	NumOccurrences int         `json:"numOccurrences"`
	Probas         [][2]string `json:"probas"`
	URLs           []string    `json:"urls"`
	Phase          string      `json:"phase"`
}

type person struct {
	name string
	qids []string
}

type gen struct {
	rng        *rand.Rand
	words      *rand.Zipf
	people     []person
	who        *rand.Zipf
	sites      []string
	site       *rand.Zipf
	start      time.Time
	days       int
	perDay     map[string]int
	articleSeq int
}

func newGen(seed uint64, speakers, sites int, start, end time.Time) *gen {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &gen{rng: rng, words: rand.NewZipf(rng, 1.07, 2, 60000), start: start,
		days: int(end.Sub(start).Hours()/24) + 1, perDay: map[string]int{}}
	first := []string{"John", "Mary", "David", "Sarah", "Michael", "Anna", "James", "Laura", "Robert", "Emma", "Ahmed", "Olga", "Wei", "Priya"}
	for i := range speakers {
		p := person{name: fmt.Sprintf("%s %s", first[i%len(first)], capital(word(i/len(first)+7)))}
		switch r := rng.Float64(); {
		case r < 0.80:
			p.qids = []string{fmt.Sprintf("Q%d", 1000+i)}
		case r < 0.95: // a common name: everyone Wikidata knows by it
			for k := range 2 + rng.IntN(6) {
				p.qids = append(p.qids, fmt.Sprintf("Q%d", 5000000+i*8+k))
			}
		default:
			p.qids = []string{}
		}
		g.people = append(g.people, p)
	}
	g.who = rand.NewZipf(rng, 1.2, 4, uint64(speakers-1))
	for i := range sites {
		tld := []string{"com", "co.uk", "org", "net", "com.au", "ca", "ie"}[i%7]
		g.sites = append(g.sites, fmt.Sprintf("https://www.%s%s.%s", word(i+300), word(i*7+11), tld))
	}
	g.site = rand.NewZipf(rng, 1.1, 3, uint64(sites-1))
	return g
}

func (g *gen) quotation() quotation {
	day := g.start.AddDate(0, 0, g.rng.IntN(g.days))
	d := day.Format(time.DateOnly)
	g.perDay[d]++
	q := quotation{QuoteID: fmt.Sprintf("%s-%06d", d, g.perDay[d]),
		Date:  day.Add(time.Duration(g.rng.IntN(86400)) * time.Second).Format(time.DateTime),
		Phase: phase(day), QIDs: []string{}}
	n := 5 + int(math.Min(75, g.rng.ExpFloat64()*14))
	ws := make([]string, n)
	for i := range ws {
		ws[i] = word(int(g.words.Uint64()))
	}
	ws[0] = capital(ws[0])
	q.Quotation = strings.Join(ws, " ")
	if g.rng.Float64() < 0.1 {
		q.Quotation += "."
	}
	top := 0.3 + 0.7*g.rng.Float64()
	if g.rng.Float64() < 0.25 {
		q.Speaker = "None"
	} else {
		p := g.people[g.who.Uint64()]
		q.Speaker, q.QIDs = p.name, p.qids
	}
	q.Probas = [][2]string{{q.Speaker, fmt.Sprintf("%.4f", top)}}
	left := 1 - top
	for k := range g.rng.IntN(4) {
		other := "None"
		if q.Speaker == "None" || k > 0 {
			other = g.people[g.who.Uint64()].name
		}
		p := left * g.rng.Float64()
		left -= p
		q.Probas = append(q.Probas, [2]string{other, fmt.Sprintf("%.4f", p)})
	}
	// Most quotations are printed once; a long tail is printed hundreds of times.
	occ := 1
	if g.rng.Float64() < 0.3 {
		occ = 2 + int(math.Min(400, math.Floor(g.rng.ExpFloat64()*g.rng.ExpFloat64()*6)))
	}
	q.NumOccurrences = occ
	seen := map[string]bool{}
	for range occ {
		u := fmt.Sprintf("%s/%s/%s-%d", g.sites[g.site.Uint64()], day.Format("2006/01/02"), word(g.rng.IntN(60000)), g.rng.IntN(1000000))
		if !seen[u] {
			seen[u] = true
			q.URLs = append(q.URLs, u)
		}
	}
	return q
}

// phase is Quotebank's extraction phase of a date's period.
func phase(t time.Time) string {
	switch {
	case t.Before(time.Date(2010, 6, 1, 0, 0, 0, 0, time.UTC)):
		return "A"
	case t.Before(time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)):
		return "B"
	case t.Before(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)):
		return "C"
	case t.Before(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)):
		return "D"
	}
	return "E"
}

// word is the i-th word of a made-up language: syllables, so that texts read as words
// and fold, tokenise and rank as words do.
func word(i int) string {
	syl := []string{"ka", "lo", "mer", "tin", "sa", "ve", "ro", "dun", "pi", "qua", "len", "tor", "bi", "gu", "wen", "zo"}
	var b strings.Builder
	for {
		b.WriteString(syl[i%len(syl)])
		i /= len(syl)
		if i == 0 {
			return b.String()
		}
		i--
	}
}

func capital(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// articleWriter writes the article-centric line of each URL of each quotation.
type articleWriter struct {
	w *bufio.Writer
	f *os.File
	g *gen
}

type article struct {
	ArticleID     string    `json:"articleID"`
	ArticleLength int       `json:"articleLength"`
	Date          string    `json:"date"`
	Phase         string    `json:"phase"`
	Title         string    `json:"title"`
	URL           string    `json:"url"`
	Names         []name    `json:"names"`
	Quotations    []inQuote `json:"quotations"`
}

type name struct {
	Name    string   `json:"name"`
	IDs     []string `json:"ids"`
	Offsets [][2]int `json:"offsets"`
}

type inQuote struct {
	QuoteID          string  `json:"quoteID"`
	Quotation        string  `json:"quotation"`
	QuotationOffset  int     `json:"quotationOffset"`
	LeftContext      string  `json:"leftContext"`
	RightContext     string  `json:"rightContext"`
	GlobalTopSpeaker string  `json:"globalTopSpeaker"`
	GlobalProbas     []proba `json:"globalProbas"`
	LocalTopSpeaker  string  `json:"localTopSpeaker"`
	LocalProbas      []proba `json:"localProbas"`
}

type proba struct {
	Speaker string   `json:"speaker"`
	Proba   float64  `json:"proba"`
	QIDs    []string `json:"qids"`
}

func (a *articleWriter) write(q quotation) {
	var probas []proba
	for _, p := range q.Probas {
		var f float64
		fmt.Sscan(p[1], &f)
		qids := []string{}
		if p[0] == q.Speaker {
			qids = q.QIDs
		}
		probas = append(probas, proba{Speaker: p[0], Proba: f, QIDs: qids})
	}
	for i, u := range q.URLs {
		a.g.articleSeq++
		words := q.Quotation
		if i > 0 && a.g.rng.Float64() < 0.2 { // an outlet's own wording
			ws := strings.Fields(words)
			ws[a.g.rng.IntN(len(ws))] = word(a.g.rng.IntN(60000))
			words = strings.Join(ws, " ")
		}
		art := article{ArticleID: fmt.Sprintf("%s%07d", strings.ReplaceAll(q.Date[:10], "-", ""), a.g.articleSeq),
			ArticleLength: 300 + a.g.rng.IntN(1500), Date: q.Date, Phase: q.Phase, Title: capital(word(a.g.rng.IntN(60000))) + " " + word(a.g.rng.IntN(60000)),
			URL: u, Names: []name{}, Quotations: []inQuote{{QuoteID: q.QuoteID, Quotation: words, QuotationOffset: a.g.rng.IntN(800),
				LeftContext: "the " + word(a.g.rng.IntN(60000)) + " said", RightContext: word(a.g.rng.IntN(60000)) + ".",
				GlobalTopSpeaker: q.Speaker, GlobalProbas: probas, LocalTopSpeaker: q.Speaker, LocalProbas: probas[:1]}}}
		if q.Speaker != "None" {
			art.Names = append(art.Names, name{Name: q.Speaker, IDs: q.QIDs, Offsets: [][2]int{{0, len(q.Speaker)}}})
		}
		b, err := json.Marshal(art)
		if err != nil {
			log.Fatal(err)
		}
		a.w.Write(append(b, '\n'))
	}
}

func (a *articleWriter) close() {
	if err := a.w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := a.f.Close(); err != nil {
		log.Fatal(err)
	}
}
