// Command searchbench runs a list of search queries in-process against a Verbatim
// database — db.ListQuotes, the storage call the HTTP handler makes, without HTTP or JSON
// — from several goroutines for a fixed time, and reports throughput and latency. Set
// beside the same list run over HTTP (scripts/load-search.sh), it shows what the server
// adds to SQLite's own cost.
//
//	go run -tags sqlite_fts5 ./scripts/searchbench -db bench/1m.db -queries bench/rare.txt
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
)

func main() {
	path := flag.String("db", "bench/verbatim.db", "database")
	queries := flag.String("queries", "bench/rare.txt", "file with one query per line")
	duration := flag.Duration("duration", 10*time.Second, "how long to run")
	clients := flag.Int("c", 2, "concurrent clients")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	hits := flag.Bool("hits", false, "instead of timing, count each query's matches once and report their median, p90 and p99")
	get := flag.Bool("get", false, "read quotes by ID instead of searching: -queries lists the IDs, one a line (sqlite3 DB \"SELECT id FROM quotes ORDER BY random() LIMIT 1000000\"), more than the run reads, so that none is read twice from the cache of quotes read by ID")
	flag.Parse()

	raw, err := os.ReadFile(*queries)
	if err != nil {
		log.Fatal(err)
	}
	list := strings.Split(strings.TrimSpace(string(raw)), "\n")
	ctx := db.WithActor(context.Background(), db.System) // the operator at the machine, as the command line is
	store, err := engines.Open(ctx, *path, engines.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	if *hits {
		countHits(ctx, store, list)
		return
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	var mu sync.Mutex
	var latencies []time.Duration
	errors := 0
	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for c := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for i := c; time.Now().Before(deadline); i += *clients {
				q := list[i%len(list)]
				start := time.Now()
				var err error
				if *get {
					_, err = store.Quote(ctx, q)
				} else {
					_, err = store.ListQuotes(ctx, db.QuoteFilter{Q: &q, Limit: 20})
				}
				if err != nil {
					bad++
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			errors += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	if *get && len(latencies) > len(list) {
		fmt.Fprintf(os.Stderr, "%d reads of %d IDs: some were read from the cache\n", len(latencies), len(list))
	}
	fmt.Printf("RESULT %.1f %.3f %.3f %d\n", float64(len(latencies))/duration.Seconds(), pct(0.5), pct(0.99), errors)
}

// countHits reports how many quotes each query matches — the attribution facet counts
// every match once — as the median, p90 and p99 over the list, and how many match none:
// a list's hardness is in these numbers as much as in its words.
func countHits(ctx context.Context, store *db.DB, list []string) {
	counts := make([]int, 0, len(list))
	none := 0
	for _, q := range list {
		p, err := store.ListQuotes(ctx, db.QuoteFilter{Q: &q, Limit: 1, Facets: []string{"attribution"}})
		if err != nil {
			log.Fatalf("%q: %v", q, err)
		}
		n := 0
		for _, f := range p.Facets["attribution"] {
			n += int(f.Count)
		}
		if n == 0 {
			none++
		}
		counts = append(counts, n)
	}
	slices.Sort(counts)
	at := func(p float64) int { return counts[int(p*float64(len(counts)-1))] }
	fmt.Printf("HITS queries %d, median %d, p90 %d, p99 %d, max %d, none %d\n", len(counts), at(0.5), at(0.9), at(0.99), counts[len(counts)-1], none)
}
