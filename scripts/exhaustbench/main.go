// Command exhaustbench measures what hostile searches do to everyone else. It builds an
// archive in a temporary directory (ordinary quotes plus the longest repetitive quotes
// the API accepts: 20,000 characters of "a a a …"), serves it with the real server and
// serve's default limits on loopback, and measures a cheap read (GET /v1/quotes?limit=1)
// idle, then while attackers send snippet-heavy searches (q=a, 40 hits) and facet counts
// over the whole archive as fast as they are answered. It prints both latency
// distributions and their ratio, and how the attackers were answered.
//
//	go run -tags sqlite_fts5 ./scripts/exhaustbench -quotes 100000 -duration 20s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/web"
)

// searchTimeout is serve's default --search-timeout.
const searchTimeout = 10 * time.Second

func main() {
	quotes := flag.Int("quotes", 100000, "ordinary quotes in the archive")
	hostile := flag.Int("hostile", 40, "20,000-character repetitive quotes in the archive")
	duration := flag.Duration("duration", 20*time.Second, "how long each phase runs")
	snippeters := flag.Int("snippet-attackers", 8, "clients sending q=a&limit=40")
	faceters := flag.Int("facet-attackers", 24, "clients sending facet counts over everything")
	keys := flag.Int("attacker-keys", 4, "reader keys the attackers share")
	maxSearches := flag.Int("max-searches", 0, "serve --max-searches (0: serve's default)")
	flag.Parse()

	ctx := db.WithActor(context.Background(), db.System)
	dir, err := os.MkdirTemp("", "exhaustbench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	slots := db.DefaultMaxSearches()
	if *maxSearches > 0 {
		slots = *maxSearches
	}
	store, err := engines.Open(ctx, filepath.Join(dir, "bench.db"), engines.Options{Options: db.Options{SearchTimeout: searchTimeout, MaxSearches: slots}})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	seed(ctx, store, *quotes, *hostile)

	_, cheapKey, err := store.CreateKey(ctx, db.KeyInput{Name: "desk", Role: "reader"})
	if err != nil {
		log.Fatal(err)
	}
	_, researcherKey, err := store.CreateKey(ctx, db.KeyInput{Name: "researcher", Role: "reader"})
	if err != nil {
		log.Fatal(err)
	}
	attackerKeys := make([]string, *keys)
	for i := range attackerKeys {
		if _, attackerKeys[i], err = store.CreateKey(ctx, db.KeyInput{Name: fmt.Sprint("attacker-", i), Role: "reader"}); err != nil {
			log.Fatal(err)
		}
	}
	// serve's defaults.
	limits := web.Limits{ReadsPerSecond: 50, WritesPerSecond: 20, ExportsPerMinute: 6, AnonymousPerSecond: 5}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: api.NewHandler(store, api.Config{}, web.Options{Limits: limits}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(path, key string) (int, time.Duration) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, time.Since(start)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, time.Since(start)
	}
	cheap := func(until time.Time) []time.Duration {
		var out []time.Duration
		for time.Now().Before(until) {
			code, d := get("/v1/quotes?limit=1", cheapKey)
			if code != http.StatusOK {
				log.Fatalf("the cheap read answered %d", code)
			}
			out = append(out, d)
			time.Sleep(20 * time.Millisecond) // a desk, not a flood: 50 reads a second at most
		}
		return out
	}
	// One hostile search alone, for scale.
	_, one := get("/v1/quotes?q=a&limit=40", attackerKeys[0])
	fmt.Printf("one snippet search alone (q=a, 40 hits of 20,000 characters): %v\n", one.Round(time.Microsecond))

	idle := cheap(time.Now().Add(*duration))

	var stop atomic.Bool
	var mu sync.Mutex
	answers := map[string]map[int]int{"snippets": {}, "facets": {}}
	var attackLatency = map[string][]time.Duration{}
	var wg sync.WaitGroup
	attack := func(kind, path string, n int) {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := attackerKeys[i%len(attackerKeys)]
				for !stop.Load() {
					code, d := get(path, key)
					mu.Lock()
					answers[kind][code]++
					if code == http.StatusOK {
						attackLatency[kind] = append(attackLatency[kind], d)
					}
					mu.Unlock()
					if code == http.StatusTooManyRequests {
						time.Sleep(50 * time.Millisecond) // a persistent attacker retries at once, almost
					}
				}
			}()
		}
	}
	// A researcher with a key of her own searches now and then while the attack runs: how
	// often is she served?
	researcher := map[int]int{}
	var researcherLatency []time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			code, d := get("/v1/quotes?q=w123+minister", researcherKey)
			mu.Lock()
			researcher[code]++
			if code == http.StatusOK {
				researcherLatency = append(researcherLatency, d)
			}
			mu.Unlock()
			time.Sleep(200 * time.Millisecond)
		}
	}()
	attack("snippets", "/v1/quotes?q=a&limit=40", *snippeters)
	attack("facets", "/v1/quotes?facets=speaker,outlet,year,tag&limit=1", *faceters)
	time.Sleep(time.Second) // let the attack reach its pace
	loaded := cheap(time.Now().Add(*duration))
	stop.Store(true)
	wg.Wait()

	fmt.Printf("archive: %d quotes + %d hostile; limits: --max-searches %d, --search-timeout %v, --rate-read %.0f/key\n",
		*quotes, *hostile, slots, searchTimeout, limits.ReadsPerSecond)
	fmt.Printf("cheap read idle:         %s\n", summary(idle))
	fmt.Printf("cheap read under attack: %s\n", summary(loaded))
	fmt.Printf("p99 under attack / idle: %.2f   p50: %.2f\n", ratio(loaded, idle, 0.99), ratio(loaded, idle, 0.50))
	fmt.Printf("researcher (own key, one search at a time): answers %v; served %s\n", researcher, summary(researcherLatency))
	for _, kind := range []string{"snippets", "facets"} {
		fmt.Printf("attackers (%s): answers %v; served %s\n", kind, answers[kind], summary(attackLatency[kind]))
	}
}

func seed(ctx context.Context, store *db.DB, n, hostile int) {
	start := time.Now()
	words := strings.Fields("the minister said talks on grain exports would resume next week after the ceasefire held in the south")
	speakers := []string{"Keith Kellogg", "Marco Rubio", "Ann Example", "Olena Shevchenko", "Jean Dupont"}
	batch := make([]db.ImportRecord, 0, 5000)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		res, err := store.Import(ctx, batch)
		if err != nil || res.Rejected > 0 {
			log.Fatalf("seed: %v %+v", err, res.Errors)
		}
		batch = batch[:0]
	}
	for i := range n {
		w := slices.Clone(words)
		w[i%len(w)] = fmt.Sprint("w", i)
		speaker := speakers[i%len(speakers)]
		said := fmt.Sprintf("20%02d-%02d-%02d", 15+i%10, 1+i%12, 1+i%28)
		batch = append(batch, db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("seed-", i), Quote: db.QuoteInput{
			Text: strings.Join(w, " "), SpeakerName: &speaker, SaidOn: &said, Tags: []string{fmt.Sprint("t", i%40)}}})
		if len(batch) == cap(batch) {
			flush()
		}
	}
	long := strings.Repeat("a ", 9996) // with " hN", at most the 20,000 characters the API takes
	for i := range hostile {
		name := "Hostile"
		batch = append(batch, db.ImportRecord{Line: n + i + 1, ExternalID: fmt.Sprint("hostile-", i),
			Quote: db.QuoteInput{Text: long + fmt.Sprintf("h%d", i), SpeakerName: &name}})
	}
	flush()
	fmt.Printf("seeded %d quotes in %v\n", n+hostile, time.Since(start).Round(time.Millisecond))
}

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*q))]
}

func summary(d []time.Duration) string {
	return fmt.Sprintf("n=%d p50 %v p90 %v p99 %v max %v", len(d), quantile(d, .5).Round(time.Microsecond),
		quantile(d, .9).Round(time.Microsecond), quantile(d, .99).Round(time.Microsecond), quantile(d, 1).Round(time.Microsecond))
}

func ratio(a, b []time.Duration, q float64) float64 {
	return float64(quantile(a, q)) / float64(quantile(b, q))
}
