// Command chainbench measures what linking costs — matching recorded words against the
// archive's quotes before storing them (the re-reporting chain) — against recording the
// same words with "separate": true, side by side in one run:
//
//   - import: the same generated records loaded into two empty archives, linked and
//     separate, records per second (median of -rounds);
//   - create: POST /v1/quotes through the real router against an archive of -quotes
//     quotes, linked and separate requests interleaved, p50 and p99 per round.
//
// Records are drawn like a news corpus: Zipf-distributed words, thousands of speakers;
// -rereport of them repeat an earlier record's words (a word or two changed, or a run of
// them) by the same speaker, as outlets re-report.
//
//	go run -tags sqlite_fts5 ./scripts/chainbench -quotes 1000000 -rounds 3
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/web"
)

func main() {
	n := flag.Int("quotes", 1000000, "records to import, and the archive's size for the create run")
	rounds := flag.Int("rounds", 3, "rounds of each measure")
	posts := flag.Int("posts", 2000, "POSTs per mode per round")
	postRounds := flag.Int("post-rounds", 3, "rounds of POSTs")
	rereport := flag.Float64("rereport", 0.05, "share of records that re-report an earlier one")
	dsn := flag.String("db", "", "a postgres:// URL of an empty database to use instead of SQLite files (each archive in its own schema is not supported: the database is emptied between runs)")
	dir := flag.String("dir", "", "where the SQLite archives go (default: a temporary directory)")
	profile := flag.String("cpuprofile", "", "write CPU profiles of the last round's imports to this path with .linked and .separate added")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "chainbench")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	ctx := db.WithActor(context.Background(), db.System)
	g := newGen(1)
	recs := make([]db.ImportRecord, *n)
	for i := range recs {
		recs[i] = g.record(i, *rereport)
	}
	fmt.Printf("%d records, %.0f%% re-reports; %d rounds\n", *n, 100**rereport, *rounds)
	var linked, separate []float64
	var lastLinked *db.DB
	for r := range *rounds {
		for _, mode := range []string{"linked", "separate"} {
			path := filepath.Join(*dir, fmt.Sprintf("%s-%d.db", mode, r))
			if *dsn != "" {
				path = *dsn
			}
			d, err := engines.Open(ctx, path, engines.Options{})
			if err != nil {
				log.Fatal(err)
			}
			batch := slices.Clone(recs)
			for i := range batch {
				batch[i].Quote.Separate = mode == "separate"
			}
			profiling := *profile != "" && r == *rounds-1
			if profiling {
				f, err := os.Create(*profile + "." + mode)
				if err != nil {
					log.Fatal(err)
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					log.Fatal(err)
				}
			}
			rate, res := load(ctx, d, batch)
			if profiling {
				pprof.StopCPUProfile()
			}
			fmt.Printf("round %d %-8s %8.0f records/s  (created %d, linked %d, suggested %d)\n", r+1, mode, rate, res.Created, res.Linked, res.Suggested)
			if mode == "linked" {
				linked = append(linked, rate)
			} else {
				separate = append(separate, rate)
			}
			if mode == "linked" && r == *rounds-1 && *dsn == "" {
				lastLinked = d
				continue
			}
			d.Close()
			if *dsn == "" {
				os.Remove(path)
			}
		}
	}
	ml, ms := median(linked), median(separate)
	fmt.Printf("import, median: linked %.0f/s, separate %.0f/s, ratio %.2f\n", ml, ms, ml/ms)
	if lastLinked == nil || *postRounds == 0 {
		return
	}
	defer lastLinked.Close()
	createLatency(ctx, lastLinked, g, *postRounds, *posts, *rereport)
}

// load imports recs in the command line's batches of 25,000 and returns the rate.
func load(ctx context.Context, d *db.DB, recs []db.ImportRecord) (float64, db.ImportResult) {
	finish, err := d.BeginLoad(ctx)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	var total db.ImportResult
	for i := 0; i < len(recs); i += 25000 {
		res, err := d.Import(ctx, recs[i:min(i+25000, len(recs))])
		if err != nil {
			log.Fatal(err)
		}
		total.Add(res)
	}
	if err := finish(ctx); err != nil {
		log.Fatal(err)
	}
	return float64(len(recs)) / time.Since(start).Seconds(), total
}

// createLatency times POST /v1/quotes through the real router, linked and separate
// requests interleaved one by one so that both see the same archive and the same noise.
func createLatency(ctx context.Context, d *db.DB, g *gen, rounds, posts int, rereport float64) {
	_, secret, err := d.CreateKey(ctx, db.KeyInput{Name: "bench", Role: "admin"})
	if err != nil {
		log.Fatal(err)
	}
	handler := api.NewHandler(d, api.Config{Publisher: claimreview.Publisher{Name: "bench"}}, web.Options{})
	var p50s, p99s [2][]float64
	for r := range rounds {
		var lat [2][]time.Duration
		for i := range 2 * posts {
			mode := i % 2
			rec := g.record(g.n+i, rereport)
			body := fmt.Sprintf(`{"text": %q, "speaker_name": %q, "separate": %v}`, rec.Quote.Text, *rec.Quote.SpeakerName, mode == 1)
			req := httptest.NewRequest(http.MethodPost, "/v1/quotes", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			start := time.Now()
			handler.ServeHTTP(w, req)
			lat[mode] = append(lat[mode], time.Since(start))
			if w.Code != 201 && w.Code != 200 {
				log.Fatalf("POST: %d %s", w.Code, w.Body)
			}
		}
		g.n += 2 * posts
		for m := range 2 {
			slices.Sort(lat[m])
			p50s[m] = append(p50s[m], ms(lat[m][len(lat[m])/2]))
			p99s[m] = append(p99s[m], ms(lat[m][len(lat[m])*99/100]))
		}
		fmt.Printf("round %d POST /v1/quotes  linked p50 %.2f ms p99 %.2f ms | separate p50 %.2f ms p99 %.2f ms\n",
			r+1, p50s[0][r], p99s[0][r], p50s[1][r], p99s[1][r])
	}
	fmt.Printf("POST /v1/quotes, median: linked p50 %.2f p99 %.2f ms; separate p50 %.2f p99 %.2f ms; p99 ratio %.2f\n",
		median(p50s[0]), median(p99s[0]), median(p50s[1]), median(p99s[1]), median(p99s[0])/median(p99s[1]))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// gen draws records like a news corpus.
type gen struct {
	rng   *rand.Rand
	words *rand.Zipf
	texts []string // every record's words, for re-reports to repeat
	spk   []string
	n     int
}

func newGen(seed uint64) *gen {
	rng := rand.New(rand.NewPCG(seed, seed))
	return &gen{rng: rng, words: rand.NewZipf(rng, 1.1, 2, 200000)}
}

func (g *gen) record(i int, rereport float64) db.ImportRecord {
	var text, speaker string
	if len(g.texts) > 0 && g.rng.Float64() < rereport {
		j := g.rng.IntN(len(g.texts))
		ws := strings.Fields(g.texts[j])
		switch g.rng.IntN(3) {
		case 0: // a word changed
			ws[g.rng.IntN(len(ws))] = g.word()
		case 1: // a run of them
			from := g.rng.IntN(len(ws) / 2)
			ws = ws[from : from+len(ws)/2+1]
		}
		text, speaker = strings.Join(ws, " "), g.spk[j]
	} else {
		ws := make([]string, 8+g.rng.IntN(30))
		for k := range ws {
			ws[k] = g.word()
		}
		text, speaker = strings.Join(ws, " "), fmt.Sprint("Speaker ", g.rng.IntN(5000))
	}
	g.texts, g.spk = append(g.texts, text), append(g.spk, speaker)
	return db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("r", i), Quote: db.QuoteInput{Text: text, SpeakerName: &speaker}}
}

func (g *gen) word() string { return fmt.Sprintf("w%d", g.words.Uint64()) }
