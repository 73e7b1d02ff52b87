// Command chainbench measures what linking costs — matching recorded words against the
// archive's quotes before storing them (the re-reporting chain) — against recording the
// same words with "separate": true, side by side in one run:
//
//   - import: the same generated records loaded into two empty archives, linked and
//     separate, their batches alternating (so that both see the same moments of a noisy
//     machine), records per second and their ratio (median of -rounds);
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
	"errors"
	"flag"
	"fmt"
	"io/fs"
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
	dir := flag.String("dir", "", "where the SQLite archives go (default: a temporary directory)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the last round's imports to this file; each mode's work is labelled (go tool pprof -tagfocus mode=linked)")
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
	fmt.Printf("%d records, %.0f%% re-reports; %d rounds\n", *n, 100**rereport, *rounds)
	var linked, separate []float64
	var lastLinked *db.DB
	var g *gen
	for r := range *rounds {
		var ds [2]*db.DB
		for m, mode := range modes {
			path := filepath.Join(*dir, fmt.Sprintf("%s-%d.db", mode, r))
			removeArchive(path) // an archive left by an earlier run is not empty
			d, err := engines.Open(ctx, path, engines.Options{})
			if err != nil {
				log.Fatal(err)
			}
			ds[m] = d
		}
		if *profile != "" && r == *rounds-1 {
			f, err := os.Create(*profile)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
		}
		g = newGen(1) // every round the same records
		elapsed, res := load(ctx, ds, g, *n, *rereport)
		if *profile != "" && r == *rounds-1 {
			pprof.StopCPUProfile()
		}
		for m, mode := range modes {
			rate := float64(*n) / elapsed[m].Seconds()
			fmt.Printf("round %d %-8s %8.0f records/s  (created %d, linked %d, suggested %d)\n", r+1, mode, rate,
				res[m].Created, res[m].Linked, res[m].Suggested)
			if mode == "linked" {
				linked = append(linked, rate)
			} else {
				separate = append(separate, rate)
			}
		}
		fmt.Printf("round %d ratio %.2f\n", r+1, linked[r]/separate[r])
		for m, d := range ds {
			if m == 0 && r == *rounds-1 {
				lastLinked = d // the create run's archive
				continue
			}
			d.Close()
			removeArchive(filepath.Join(*dir, fmt.Sprintf("%s-%d.db", modes[m], r)))
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

// removeArchive removes a SQLite archive and its write-ahead log.
func removeArchive(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Fatal(err)
		}
	}
}

// modes are the two ways the same records are imported: linked, and "separate": true.
var modes = [2]string{"linked", "separate"}

// load imports n records drawn by g into each mode's archive in batches of 25,000, as the
// import command does — each batch drawn as it is needed, as the command reads a file
// (a million records held at once would be a heap the collector scans, on the core
// linking works on) — the two archives' batches alternating so that both see the same
// moments of a noisy machine. It returns each mode's time (its batches and the load's
// finish, not the drawing) and result. Each mode's work carries the profiler label
// mode=linked or mode=separate.
func load(ctx context.Context, ds [2]*db.DB, g *gen, n int, rereport float64) ([2]time.Duration, [2]db.ImportResult) {
	var elapsed [2]time.Duration
	var total [2]db.ImportResult
	var finish [2]func(context.Context) error
	for m, d := range ds {
		f, err := d.BeginLoad(ctx)
		if err != nil {
			log.Fatal(err)
		}
		finish[m] = f
	}
	timed := func(m int, f func() error) {
		start := time.Now()
		var err error
		pprof.Do(ctx, pprof.Labels("mode", modes[m]), func(context.Context) { err = f() })
		if err != nil {
			log.Fatal(err)
		}
		elapsed[m] += time.Since(start)
	}
	for i := 0; i < n; i += 25000 {
		var batch [2][]db.ImportRecord
		for j := i; j < min(i+25000, n); j++ {
			r := g.record(j, rereport)
			batch[0] = append(batch[0], r)
			r.Quote.Separate = true
			batch[1] = append(batch[1], r)
		}
		for m, d := range ds {
			timed(m, func() error {
				res, err := d.Import(ctx, batch[m])
				total[m].Add(res)
				return err
			})
		}
	}
	for m := range ds {
		timed(m, func() error { return finish[m](ctx) })
	}
	return elapsed, total
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
