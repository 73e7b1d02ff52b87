package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/sqlite"
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

var printedKey = regexp.MustCompile(`(?m)^(vbt_[a-z0-9]+)$`)

// startServe runs the real program on port 0 and waits until /healthz answers. key is the
// admin key a new database is given and printed, "" when the database had keys.
func startServe(t *testing.T, ctx context.Context, args []string, getenv func(string) string) (base, key string, done <-chan error, logs *syncBuffer) {
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
					if m := printedKey.FindStringSubmatch(stdout.String()); m != nil {
						key = m[1]
					}
					return base, key, errc, stderr
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not become healthy; stdout %q stderr %q", stdout, stderr)
	return "", "", nil, nil
}

// authed is a request with the key.
func authed(t *testing.T, method, url, key string, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestServeStoresAndShutsDownGracefully(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "serve.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The database comes from the environment; the address from the flag.
	base, key, done, logs := startServe(t, ctx, nil, func(k string) string {
		if k == "VERBATIM_DB" {
			return dbPath
		}
		return ""
	})

	if key == "" {
		t.Fatal("a new database printed no admin key")
	}
	res := authed(t, http.MethodPost, base+"/v1/quotes", key, strings.NewReader(
		`{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "said_on": "2025-04-20", "outlet_name": "Fox News"}`))
	var created db.Quote
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	res = authed(t, http.MethodGet, base+"/v1/quotes/"+created.ID, key, nil)
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
		req.Header.Set("Authorization", "Bearer "+key)
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
	store, err := engines.Open(dbtest.Operator, dbPath, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if c, err := store.Counts(dbtest.Operator); err != nil || c.Quotes != 2 {
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
		{args: []string{"verbatim", "migrate", "--db", dbPath}, stdout: fmt.Sprint("schema version ", sqlite.LatestSchemaVersion())},
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

// Asking a subcommand for help prints its flags and succeeds without doing the work.
func TestSubcommandHelpRunsNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "never.db")
	_, err := os.Stat("verbatim.db") // the default database; keys -h once created it
	hadDefault := err == nil
	for _, args := range [][]string{
		{"serve", "-h", "--db", dbPath},
		{"migrate", "--db", dbPath, "-h"},
		{"keys", "create", "--name", "x", "--role", "admin", "--db", dbPath, "-h"},
		{"export", "--db", dbPath, "--out", filepath.Join(dir, "out.ndjson"), "-h"},
		{"backup", filepath.Join(dir, "b.db"), "--db", dbPath, "-h"},
		{"restore", filepath.Join(dir, "b.db"), "--db", dbPath, "-h"},
		{"import", "-h"}, {"backup", "-h"}, {"restore", "-h"}, {"keys", "-h"}, {"keys", "revoke", "-h"},
		{"keys", "--db", dbPath, "-h", "list"}, {"import", "--db", dbPath, "-h", filepath.Join(dir, "q.ndjson")},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append([]string{"verbatim"}, args...), noEnv, &stdout, &stderr); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(stderr.String(), "-db") {
			t.Errorf("%v: stderr %q, want the flag list", args, stderr.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("help created %v", entries)
	}
	if _, err := os.Stat("verbatim.db"); err == nil && !hadDefault {
		t.Error("help created ./verbatim.db")
	}
}

// Options go before or after the positional arguments, as with git or sqlite3.
func TestOptionsAnywhere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "v.db")
	file := filepath.Join(dir, "q.ndjson")
	if err := os.WriteFile(file, []byte(`{"text": "Anywhere words", "speaker_name": "Ann"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runOK := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append([]string{"verbatim"}, args...), noEnv, &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String()
	}
	if out := runOK("import", "--db", dbPath, file); !strings.Contains(out, `"created": 1`) {
		t.Errorf("import with the option first: %s", out)
	}
	if out := runOK("import", file, "--db", dbPath); !strings.Contains(out, `"unchanged": 1`) {
		t.Errorf("import with the option after: %s", out)
	}
	created := runOK("keys", "--db", dbPath, "create", "--name", "desk", "--role", "reader")
	id := regexp.MustCompile(`key_[0-9A-Z]+`).FindString(created)
	if out := runOK("keys", "--db", dbPath, "list"); !strings.Contains(out, id) {
		t.Errorf("keys --db X list: %s", out)
	}
	if out := runOK("keys", "revoke", "--db", dbPath, id); !strings.Contains(out, "revoked "+id) {
		t.Errorf("keys revoke --db X ID: %s", out)
	}
	backup := filepath.Join(dir, "b.db")
	runOK("backup", "--db", dbPath, backup)
	runOK("restore", "--force", backup, "--db", filepath.Join(dir, "r.db"))
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"verbatim", "import", "--db", dbPath}, noEnv, &bytes.Buffer{}, &stderr); err == nil ||
		!strings.Contains(stderr.String(), "give the file to import") {
		t.Errorf("import without a file: %v %q", err, stderr.String())
	}
}

func TestKeysCommand(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "keys.db")
	run1 := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"verbatim", "keys"}, args...), noEnv, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	if err := run(context.Background(), []string{"verbatim", "migrate", "--db", dbPath}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out, _, err := run1("create", "--name", "desk", "--role", "editor", "--db", dbPath)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	if err != nil || !printedKey.MatchString(secret) {
		t.Fatalf("keys create: %q %v", out, err)
	}
	out, _, err = run1("list", "--db", dbPath)
	if err != nil || !strings.Contains(out, "desk\teditor") || strings.Contains(out, secret) {
		t.Fatalf("keys list: %q %v", out, err)
	}
	id := strings.Fields(out)[0]
	store, err := engines.Open(dbtest.Operator, dbPath, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Authenticate(dbtest.Operator, secret); err != nil {
		t.Errorf("the printed key does not authenticate: %v", err)
	}
	store.Close()
	if out, _, err = run1("revoke", id, "--db", dbPath); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("keys revoke: %q %v", out, err)
	}
	store, _ = engines.Open(dbtest.Operator, dbPath, engines.Options{})
	if _, err := store.Authenticate(dbtest.Operator, secret); db.ErrorCode(err) != db.Unauthorized {
		t.Errorf("revoked key: %v", err)
	}
	store.Close()
	for _, bad := range [][]string{{}, {"create", "--name", "x", "--role", "owner", "--db", dbPath}, {"revoke", "--db", dbPath}, {"rotate"}} {
		if _, _, err := run1(bad...); !errors.Is(err, errUsage) {
			t.Errorf("keys %v: %v, want a usage error", bad, err)
		}
	}
	// serve on a database with keys prints none.
	ctx, cancel := context.WithCancel(context.Background())
	_, key, done, _ := startServe(t, ctx, []string{"--db", dbPath}, noEnv)
	cancel()
	<-done
	if key != "" {
		t.Errorf("serve printed a new admin key for a database that has keys")
	}
}
