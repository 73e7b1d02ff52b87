// Command mergebench measures merging a speaker with many quotes into another: how long
// the merge takes through the API, and how reads of quotes by ID answer while it runs —
// their p50 and p99 beside the same reads in the seconds just before, on the same server.
// Each round loads a new pair of speakers (the one merged away with -quotes quotes) and
// merges them; the report gives each round and the medians.
//
//	go run -tags sqlite_fts5 ./scripts/mergebench [-db postgres://…/empty] [-quotes 100000] [-rounds 3] [-clients 2]
//
// Without -db, each round loads a fresh SQLite archive in a temporary directory.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/web"
)

var operator = db.WithActor(context.Background(), db.System)

func main() {
	dsn := flag.String("db", "", "an empty PostgreSQL database; a fresh SQLite file per round when empty")
	quotes := flag.Int("quotes", 100000, "quotes of the speaker merged away")
	rounds := flag.Int("rounds", 3, "rounds")
	clients := flag.Int("clients", 2, "clients reading quotes by ID meanwhile")
	flag.Parse()
	var results []result
	for r := range *rounds {
		res, err := round(*dsn, r, *quotes, *clients)
		if err != nil {
			log.Fatalf("round %d: %v", r+1, err)
		}
		fmt.Printf("round %d: merge of %d quotes %.2f s; GET by ID before p50 %.2f ms p99 %.2f ms (%d reads), during p50 %.2f ms p99 %.2f ms (%d reads, %d failed)\n",
			r+1, res.moved, res.merge.Seconds(), ms(res.before.p50), ms(res.before.p99), res.before.n, ms(res.during.p50), ms(res.during.p99),
			res.during.n, res.failed)
		results = append(results, res)
	}
	med := func(f func(result) time.Duration) float64 {
		v := make([]time.Duration, len(results))
		for i, r := range results {
			v[i] = f(r)
		}
		slices.Sort(v)
		return float64(v[len(v)/2]) / float64(time.Millisecond)
	}
	fmt.Printf("median of %d: merge %.2f s; GET by ID p99 before %.2f ms, during %.2f ms (p50 %.2f, %.2f ms)\n", len(results),
		med(func(r result) time.Duration { return r.merge })/1000, med(func(r result) time.Duration { return r.before.p99 }),
		med(func(r result) time.Duration { return r.during.p99 }), med(func(r result) time.Duration { return r.before.p50 }),
		med(func(r result) time.Duration { return r.during.p50 }))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type latencies struct {
	n        int
	p50, p99 time.Duration
}

type result struct {
	moved          int64
	merge          time.Duration
	before, during latencies
	failed         int
}

// sample is one read: when it started, how long it took, how it answered.
type sample struct {
	at     time.Time
	took   time.Duration
	status int
}

func round(dsn string, r, quotes, clients int) (result, error) {
	var res result
	if dsn == "" {
		dir, err := os.MkdirTemp("", "mergebench")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "merge.db")
	}
	store, err := engines.Open(operator, dsn, engines.Options{})
	if err != nil {
		return res, err
	}
	defer store.Close()
	from, err := store.CreateSpeaker(operator, db.SpeakerInput{Name: fmt.Sprintf("Gen. Kellogg %d", r)})
	if err != nil {
		return res, err
	}
	into, err := store.CreateSpeaker(operator, db.SpeakerInput{Name: fmt.Sprintf("Keith Kellogg %d", r)})
	if err != nil {
		return res, err
	}
	log.Printf("round %d: loading %d quotes of %s", r+1, quotes, from.Name)
	start := time.Now()
	const batch = 5000
	for i := 0; i < quotes; i += batch {
		recs := make([]db.ImportRecord, 0, batch)
		for j := i; j < min(i+batch, quotes); j++ {
			said := fmt.Sprintf("20%02d-%02d-%02d", 10+j%16, 1+j%12, 1+j%28)
			recs = append(recs, db.ImportRecord{Line: j + 1, Quote: db.QuoteInput{
				Text:      fmt.Sprintf("Round %d, words %d: we will bring the sides to the table within a hundred days", r, j),
				SpeakerID: &from.ID, SaidOn: &said, OutletName: ptr(fmt.Sprintf("Outlet %d", j%50)), Tags: []string{"ukraine"}}})
		}
		got, err := store.Import(operator, recs)
		if err != nil {
			return res, err
		}
		if got.Rejected > 0 {
			return res, fmt.Errorf("load rejected %d: %+v", got.Rejected, got.Errors[0])
		}
	}
	log.Printf("round %d: loaded in %.1f s", r+1, time.Since(start).Seconds())
	var ids []string
	f := db.QuoteFilter{SpeakerID: &from.ID, Limit: 100}
	for len(ids) < 2000 {
		p, err := store.ListQuotes(operator, f)
		if err != nil {
			return res, err
		}
		for _, q := range p.Data {
			ids = append(ids, q.ID)
		}
		if p.NextCursor == nil {
			break
		}
		f.Cursor = p.NextCursor
	}
	_, key, err := store.CreateKey(operator, db.KeyInput{Name: fmt.Sprintf("bench %d", r), Role: "admin"})
	if err != nil {
		return res, err
	}
	srv := httptest.NewServer(api.NewHandler(store, api.Config{}, web.Options{}))
	defer srv.Close()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients + 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, body string) (int, []byte, error) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	// Readers run from now until the merge has ended and a second has passed.
	var mu sync.Mutex
	var samples []sample
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), uint64(c)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				status, _, err := do(http.MethodGet, "/v1/quotes/"+ids[rng.IntN(len(ids))], "")
				if err != nil {
					status = 0
				}
				mu.Lock()
				samples = append(samples, sample{at: t0, took: time.Since(t0), status: status})
				mu.Unlock()
			}
		})
	}
	time.Sleep(3 * time.Second)
	mergeStart := time.Now()
	status, body, err := do(http.MethodPost, "/v1/speakers/"+from.ID+"/merge", fmt.Sprintf(`{"into": %q, "reason": "benchmark"}`, into.ID))
	mergeEnd := time.Now()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	if err != nil || status != http.StatusCreated {
		return res, fmt.Errorf("merge: %d %s %v", status, body, err)
	}
	var m db.Merge
	if err := json.Unmarshal(body, &m); err != nil {
		return res, err
	}
	if st, _, _ := do(http.MethodGet, "/v1/speakers/"+from.ID, ""); st != http.StatusPermanentRedirect {
		return res, fmt.Errorf("the merged speaker answers %d, not 308", st)
	}
	res.moved, res.merge = m.MovedQuotes, mergeEnd.Sub(mergeStart)
	var before, during []time.Duration
	for _, s := range samples {
		switch {
		case s.at.Before(mergeStart) && s.at.After(mergeStart.Add(-2*time.Second)):
			before = append(before, s.took)
		case !s.at.Before(mergeStart) && s.at.Before(mergeEnd):
			during = append(during, s.took)
			if s.status != http.StatusOK {
				res.failed++
			}
		}
	}
	res.before, res.during = percentiles(before), percentiles(during)
	return res, nil
}

func percentiles(v []time.Duration) latencies {
	if len(v) == 0 {
		return latencies{}
	}
	slices.Sort(v)
	at := func(p float64) time.Duration { return v[min(len(v)-1, int(p*float64(len(v))))] }
	return latencies{n: len(v), p50: at(0.50), p99: at(0.99)}
}

func ptr(s string) *string { return &s }
