// Command loadcheck runs the real binary at a small scale through what froze or broke it
// before, and fails if it does again:
//
//   - a bulk import naming thousands of new speakers into an empty archive (on a stock
//     PostgreSQL, its name locks once outgrew the server's lock table);
//
//   - concurrent relevance exports, read slowly, beside cheap reads (they once took a
//     second connection each inside their reads and froze every read of the server);
//
//   - every export holding every match, and saying so in its trailer (a relevance export
//     once stopped at the rank window);
//
//   - a second import by the command line beside the running server, while clients
//     write through the API: every write succeeds (on SQLite, 1 in 40 once answered 503
//     busy, waiting out an import's long transaction).
//
//     loadcheck -verbatim ./verbatim -db postgres://…/fresh [-quotes 20000] [-speakers 8000]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	bin := flag.String("verbatim", "./verbatim", "the verbatim binary")
	dsn := flag.String("db", "", "an empty archive: an SQLite file that does not exist yet, or an empty PostgreSQL database")
	quotes := flag.Int("quotes", 20000, "quotes to import")
	speakers := flag.Int("speakers", 8000, "distinct speakers they name")
	exports := flag.Int("exports", 6, "relevance exports at once")
	beside := flag.Int("beside", 60000, "quotes the second import, beside the server, brings: more than a full batch (25,000)")
	flag.Parse()
	if *dsn == "" {
		log.Fatal("give -db")
	}
	if err := run(*bin, *dsn, *quotes, *speakers, *exports, *beside); err != nil {
		fmt.Fprintln(os.Stderr, "loadcheck:", err)
		os.Exit(1)
	}
}

func run(bin, dsn string, quotes, speakers, exports, beside int) error {
	dir, err := os.MkdirTemp("", "loadcheck")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The import: every quote holds "grain", and names one of many new speakers.
	file := filepath.Join(dir, "quotes.ndjson")
	if err := writeQuotes(file, "load", quotes, speakers); err != nil {
		return err
	}
	start := time.Now()
	out, err := exec.Command(bin, "import", file, "--db", dsn, "--quiet").CombinedOutput()
	if err != nil {
		return fmt.Errorf("import: %v\n%s", err, out)
	}
	fmt.Printf("import: %d quotes naming %d speakers in %v\n", quotes, speakers, time.Since(start).Round(time.Millisecond))

	// The server, as the README allows running it: no slots for expensive reads, a small
	// rank window so the exports reach past it.
	srv := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--max-searches", "0", "--rank-window", "1000",
		"--rate-read", "0", "--rate-write", "0", "--rate-export", "0", "--workers=false")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	base, key, err := serverInfo(stdout)
	if err != nil {
		return err
	}
	get := func(ctx context.Context, path string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		return http.DefaultClient.Do(req)
	}
	res, err := get(context.Background(), "/v1/quotes?limit=1")
	if err != nil {
		return err
	}
	var page struct{ Data []struct{ ID string } }
	err = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if err != nil || len(page.Data) == 0 {
		return fmt.Errorf("no quote to read: %v", err)
	}
	cheapPath := "/v1/quotes/" + page.Data[0].ID

	// Relevance exports, read slowly, beside cheap reads.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	type result struct {
		lines   int
		trailer string
		err     error
	}
	results := make([]result, exports)
	for i := range exports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := get(ctx, "/v1/export?format=ndjson&q=grain")
			if err != nil {
				results[i].err = err
				return
			}
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<24)
			for sc.Scan() {
				if results[i].lines++; results[i].lines%2000 == 0 {
					time.Sleep(50 * time.Millisecond) // a slow reader holds its export open
				}
			}
			results[i].err, results[i].trailer = sc.Err(), res.Trailer.Get("Verbatim-Records")
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var cheap []time.Duration
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		default:
			t := time.Now()
			res, err := get(ctx, cheapPath)
			if err != nil {
				return fmt.Errorf("a cheap read beside the exports: %w", err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("a cheap read beside the exports: %d", res.StatusCode)
			}
			cheap = append(cheap, time.Since(t))
			time.Sleep(5 * time.Millisecond)
		}
	}
	var errs []error
	for i, r := range results {
		switch {
		case r.err != nil:
			errs = append(errs, fmt.Errorf("export %d: %w", i, r.err))
		case r.lines != quotes || r.trailer != fmt.Sprint(quotes):
			errs = append(errs, fmt.Errorf("export %d: %d lines, trailer %q; want every one of the %d matches", i, r.lines, r.trailer, quotes))
		}
	}
	slices.Sort(cheap)
	p := func(q float64) time.Duration { return cheap[min(len(cheap)-1, int(q*float64(len(cheap))))] }
	fmt.Printf("%d relevance exports of %d matches each, read slowly; %d cheap reads beside them: p50 %v, p99 %v, max %v\n",
		exports, quotes, len(cheap), p(0.5), p(0.99), cheap[len(cheap)-1])
	if p(0.99) > 2*time.Second {
		errs = append(errs, fmt.Errorf("cheap reads waited behind the exports: p99 %v", p(0.99)))
	}
	errs = append(errs, importBeside(bin, dsn, dir, base, key, beside, speakers))
	return errors.Join(errs...)
}

// importBeside runs a second import by the command line while the server takes writes
// through the API, one after another: every write must succeed.
func importBeside(bin, dsn, dir, base, key string, quotes, speakers int) error {
	file := filepath.Join(dir, "more.ndjson")
	if err := writeQuotes(file, "more", quotes, speakers); err != nil {
		return err
	}
	imp := exec.Command(bin, "import", file, "--db", dsn, "--quiet")
	var out strings.Builder
	imp.Stdout, imp.Stderr = &out, &out
	start := time.Now()
	if err := imp.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- imp.Wait() }()
	var took []time.Duration
	failed := map[int]int{}
	var importErr error
	for i := 0; ; i++ {
		select {
		case importErr = <-done:
		default:
		}
		if importErr != nil || imp.ProcessState != nil {
			break
		}
		body := fmt.Sprintf(`{"text": "Written beside an import, number %d", "speaker_name": "Desk Writer"}`, i)
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/quotes", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		t := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("a write beside the import: %w", err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		took = append(took, time.Since(t))
		if res.StatusCode != http.StatusCreated {
			failed[res.StatusCode]++
		}
		time.Sleep(20 * time.Millisecond)
	}
	if importErr != nil {
		return fmt.Errorf("the import beside the server: %v\n%s", importErr, out.String())
	}
	if len(took) == 0 {
		return errors.New("no write went in during the import")
	}
	slices.Sort(took)
	p := func(q float64) time.Duration { return took[min(len(took)-1, int(q*float64(len(took))))] }
	fmt.Printf("import of %d more quotes by the command line beside the server in %v; %d API writes beside it: p50 %v, p99 %v, max %v, refused %v\n",
		quotes, time.Since(start).Round(time.Millisecond), len(took), p(0.5), p(0.99), took[len(took)-1], failed)
	if len(failed) > 0 {
		return fmt.Errorf("writes beside the import were refused: %v of %d", failed, len(took))
	}
	if p(0.99) > 1500*time.Millisecond {
		return fmt.Errorf("writes beside the import waited behind its transactions: p99 %v", p(0.99))
	}
	return nil
}

// writeQuotes writes quotes in the import's create shape: each says "grain" among other
// words, and names one of speakers people, most of them new to the archive.
func writeQuotes(path, prefix string, quotes, speakers int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("table ports talks ceasefire exports harvest sea talks minister envoy border sanctions")
	enc := json.NewEncoder(w)
	for i := range quotes {
		text := fmt.Sprintf("grain %s %s %s, round %d", words[r.IntN(len(words))], words[r.IntN(len(words))], words[r.IntN(len(words))], i)
		if err := enc.Encode(map[string]any{"text": text, "speaker_name": fmt.Sprintf("Speaker %d", i%speakers),
			"outlet_name": fmt.Sprintf("Outlet %d", i%(speakers/4+1)), "external_id": fmt.Sprintf("%s-%d", prefix, i)}); err != nil {
			return err
		}
	}
	return w.Flush()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// serverInfo reads the address and the admin key serve prints.
func serverInfo(stdout io.Reader) (base, key string, err error) {
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "vbt_") {
			key = line
		}
		if m := listening.FindStringSubmatch(line); m != nil {
			base = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if base == "" || key == "" {
		return "", "", fmt.Errorf("serve printed no address or key (%v)", sc.Err())
	}
	return base, key, nil
}
