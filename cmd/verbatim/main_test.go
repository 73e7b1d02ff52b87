package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// syncBuffer is a bytes.Buffer the program and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs the real program on port 0 and waits until /healthz answers.
func startServe(t *testing.T, ctx context.Context, args []string, getenv func(string) string) (base string, done <-chan error, logs *syncBuffer) {
	t.Helper()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"verbatim", "serve", "--addr", "127.0.0.1:0"}, args...), getenv, stdout, stderr)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-errc:
			t.Fatalf("serve exited early: %v\n%s", err, stderr)
		default:
		}
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			if res, err := http.Get(base + "/healthz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return base, errc, stderr
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not become healthy; stdout %q stderr %q", stdout, stderr)
	return "", nil, nil
}

func TestServeStoresAndShutsDownGracefully(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "serve.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The database comes from the environment; the address from the flag.
	base, done, logs := startServe(t, ctx, nil, func(k string) string {
		if k == "VERBATIM_DB" {
			return dbPath
		}
		return ""
	})

	res, err := http.Post(base+"/v1/quotes", "application/json", strings.NewReader(
		`{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "said_on": "2025-04-20", "outlet_name": "Fox News"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created db.Quote
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	res, err = http.Get(base + "/v1/quotes/" + created.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got db.Quote
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || got.Text != created.Text {
		t.Fatalf("get: %d %+v %v", res.StatusCode, got, err)
	}
	res.Body.Close()

	// A request is in flight — its body half sent — when the signal comes.
	pr, pw := io.Pipe()
	inflight := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/quotes", pr)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
			inflight <- nil
			return
		}
		inflight <- res
	}()
	if _, err := pw.Write([]byte(`{"text": "still arriving", `)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the server read the headers: the connection is active
	cancel()
	time.Sleep(200 * time.Millisecond) // shutdown has begun and is waiting for us
	select {
	case err := <-done:
		t.Fatalf("serve returned before the in-flight request finished: %v", err)
	default:
	}
	if _, err := pw.Write([]byte(`"speaker_name": "Late Speaker"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res = <-inflight
	if res == nil {
		t.FailNow()
	}
	if res.StatusCode != http.StatusCreated {
		t.Errorf("in-flight request: %d, want 201", res.StatusCode)
	}
	res.Body.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the logs:\n%s", logs)
	}

	// Both quotes were stored, and the database was closed cleanly.
	store, err := db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if c, err := store.Counts(context.Background()); err != nil || c.Quotes != 2 {
		t.Errorf("after shutdown: %+v %v, want 2 quotes", c, err)
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "m.db")
	tests := []struct {
		args    []string
		wantErr bool
		stdout  string
		stderr  string
	}{
		{args: []string{"verbatim", "help"}, stdout: "Usage:"},
		{args: []string{"verbatim", "version"}, stdout: "verbatim "},
		{args: []string{"verbatim"}, wantErr: true, stderr: "Usage:"},
		{args: []string{"verbatim", "frobnicate"}, wantErr: true, stderr: `unknown command "frobnicate"`},
		{args: []string{"verbatim", "serve", "--port", "80"}, wantErr: true, stderr: "flag provided but not defined"},
		{args: []string{"verbatim", "migrate", "--db", dbPath}, stdout: fmt.Sprint("schema version ", db.LatestSchemaVersion())},
		{args: []string{"verbatim", "migrate", "--db", dbPath, "extra"}, wantErr: true, stderr: "unexpected argument"},
		{args: []string{"verbatim", "serve", "--addr", "256.0.0.1:99999", "--db", dbPath}, wantErr: true},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, noEnv, &stdout, &stderr)
		if (err != nil) != tt.wantErr {
			t.Errorf("%v: err %v, want error %v", tt.args, err, tt.wantErr)
		}
		if !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("%v: stdout %q stderr %q, want %q / %q", tt.args, stdout.String(), stderr.String(), tt.stdout, tt.stderr)
		}
		if tt.wantErr && tt.stderr != "" && !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error", tt.args, err)
		}
	}
}
