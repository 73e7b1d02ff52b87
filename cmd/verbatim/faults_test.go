package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// serverProcess runs verbatim serve in a process of its own and returns its address and
// admin key (printed on the first start of a database; "" later). extra are more flags.
func serverProcess(t *testing.T, dbPath string, extra ...string) (base, key string, proc *os.Process) {
	t.Helper()
	cmd := verbatimCmd(append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dbPath, "--rate-write", "0", "--rate-read", "0"},
		extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if printedKey.MatchString(line) {
			key = line
		}
		if m := listening.FindStringSubmatch(line); m != nil {
			base = m[1]
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return base, key, cmd.Process
		}
	}
	t.Fatal("the server printed no address")
	return "", "", nil
}

// kill -9 of the server while clients write: every write answered 2xx is in the database,
// which passes SQLite's and the search index's integrity checks. 20 trials with
// VERBATIM_LONG=1, 3 otherwise.
func TestKillDuringWrites(t *testing.T) {
	t.Parallel()
	trials := 3
	if os.Getenv("VERBATIM_LONG") == "1" {
		trials = 20
	}
	dbPath := filepath.Join(t.TempDir(), "kill.db")
	key := ""
	acked := map[string]bool{}
	for trial := range trials {
		base, k, proc := serverProcess(t, dbPath)
		if k != "" {
			key = k
		}
		client := &http.Client{Timeout: 5 * time.Second}
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"text": "trial %d writer %d quote %d", "speaker_name": "Writer %d", "tags": ["t%d"]}`, trial, w, i, w, i%5)
					req, _ := http.NewRequest(http.MethodPost, base+"/v1/quotes", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+key)
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					var q struct{ ID string }
					err = json.NewDecoder(res.Body).Decode(&q)
					res.Body.Close()
					if res.StatusCode == http.StatusCreated && err == nil {
						mu.Lock()
						acked[q.ID] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
		_ = proc.Kill()
		close(stop)
		wg.Wait()
		time.Sleep(50 * time.Millisecond) // let the process exit
		rep, err := sqlite.Verify(context.Background(), dbPath)
		if err != nil || !rep.OK() {
			t.Fatalf("trial %d: after kill -9 the database fails its checks: %+v %v", trial, rep, err)
		}
		store, err := engines.Open(dbtest.Operator, dbPath, engines.Options{})
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		for id := range acked {
			if _, err := store.Quote(dbtest.Operator, id); err != nil {
				missing++
			}
		}
		store.Close()
		if missing > 0 {
			t.Fatalf("trial %d: %d of %d acknowledged writes are missing", trial, missing, len(acked))
		}
	}
	t.Logf("%d trials, %d acknowledged writes, all present", trials, len(acked))
}

// Shutdown under load: every request the server accepted completes with a whole answer;
// after the signal, new connections are refused rather than cut.
func TestShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "drain.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, key, done, _ := startServe(t, ctx, []string{"--db", dbPath, "--rate-write", "0", "--rate-read", "0"}, noEnv)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var completed, refused int
	var broken, unanswered []string // unanswered: POSTed texts whose connection closed before any answer
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1_000_000; i++ { // until the server refuses: the load must straddle the shutdown
				method, path, body := http.MethodGet, "/v1/quotes?q=quote&limit=50", ""
				if i%2 == 0 {
					method, path, body = http.MethodPost, "/v1/quotes", fmt.Sprintf(`{"text": "quote %d-%d", "speaker_name": "S%d"}`, w, i, w)
				}
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					mu.Lock()
					switch {
					case isRefused(err):
						refused++
					case errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset by peer"):
						// Accepted by the kernel's backlog but never by the server before its
						// listener closed. Harmless unless the server did act on it: checked below.
						refused++
						if method == http.MethodPost {
							var in struct{ Text string }
							_ = json.Unmarshal([]byte(body), &in)
							unanswered = append(unanswered, in.Text)
						}
					default:
						broken = append(broken, err.Error())
					}
					mu.Unlock()
					return
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				mu.Lock()
				if err != nil || !json.Valid(b) || res.StatusCode >= 500 {
					broken = append(broken, fmt.Sprintf("%d %v %.80s", res.StatusCode, err, b))
				} else {
					completed++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	cancel() // SIGTERM
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if len(broken) > 0 {
		t.Errorf("%d requests were cut: %v", len(broken), broken[:min(5, len(broken))])
	}
	// A request the server acted on must have been answered.
	store, err := engines.Open(dbtest.Operator, dbPath, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, text := range unanswered {
		q := `"` + text + `"`
		page, err := store.ListQuotes(dbtest.Operator, db.QuoteFilter{Q: &q, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range page.Data {
			if got.Text == text {
				t.Errorf("%q was stored but its answer was cut", text)
			}
		}
	}
	if completed == 0 || refused == 0 {
		t.Errorf("completed %d, refused %d: the load did not straddle the shutdown", completed, refused)
	}
	t.Logf("%d requests completed, %d clients refused after the signal, 0 cut", completed, refused)
}

func isRefused(err error) bool {
	return errors.Is(err, errConnRefused) || strings.Contains(err.Error(), "connection refused")
}

var errConnRefused = errors.New("connection refused")
