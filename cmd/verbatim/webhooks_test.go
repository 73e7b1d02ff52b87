package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// kill -9 of the server right after writes it acknowledged: their events are in the
// outbox, written with them, and once the server is back every one is delivered. While the
// first server runs the receiver answers 503, so nothing can have been delivered before
// the kill; the kill may land mid-attempt, leaving a claim that lapses with its lease.
func TestKillAfterAcknowledgedWritesStillDelivers(t *testing.T) {
	t.Parallel()
	var up atomic.Bool
	var mu sync.Mutex
	delivered := map[string]string{} // quote ID → webhook-id, of deliveries answered 200
	ids := map[string]map[string]bool{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Type string
			Data struct{ ID string }
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &m)
		mu.Lock()
		defer mu.Unlock()
		if ids[m.Data.ID] == nil {
			ids[m.Data.ID] = map[string]bool{}
		}
		ids[m.Data.ID][r.Header.Get("webhook-id")] = true
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if m.Type == "quote.created" {
			delivered[m.Data.ID] = r.Header.Get("webhook-id")
		}
	}))
	defer receiver.Close()
	u, _ := url.Parse(receiver.URL)
	flags := []string{"--webhook-allow-private", "--webhook-ports", u.Port(), "--webhook-retry-schedule", "200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms",
		"--webhook-timeout", "1s"}
	dbPath := filepath.Join(t.TempDir(), "outbox.db")
	base, key, proc := serverProcess(t, dbPath, flags...)
	post := func(path, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, ""
		}
		defer res.Body.Close()
		var v struct{ ID string }
		_ = json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v.ID
	}
	if code, _ := post("/v1/webhooks", `{"url": "`+receiver.URL+`/hook", "event_types": ["quote.created"]}`); code != http.StatusCreated {
		t.Fatalf("register the endpoint: %d", code)
	}
	var acked []string
	var amu sync.Mutex
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
				code, id := post("/v1/quotes", fmt.Sprintf(`{"text": "writer %d quote %d", "speaker_name": "Writer %d"}`, w, i, w))
				if code == 0 {
					return // the server is gone
				}
				if code == http.StatusCreated {
					amu.Lock()
					acked = append(acked, id)
					amu.Unlock()
				}
			}
		}()
	}
	time.Sleep(time.Duration(200+rand.IntN(300)) * time.Millisecond)
	_ = proc.Kill()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	up.Store(true)
	_, _, again := serverProcess(t, dbPath, flags...)
	defer again.Kill()
	deadline := time.Now().Add(45 * time.Second)
	for {
		mu.Lock()
		missing := 0
		for _, id := range acked {
			if delivered[id] == "" {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged writes were never delivered after the restart", missing, len(acked))
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range acked {
		if len(ids[id]) != 1 {
			t.Errorf("quote %s was sent under %d webhook-ids, want one", id, len(ids[id]))
		}
	}
	t.Logf("%d acknowledged writes, every one delivered after kill -9 and restart", len(acked))
}
