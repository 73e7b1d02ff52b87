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
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
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
		// Help asked for is output: on standard output, so that it pipes into less.
		if !strings.Contains(stdout.String(), "-db") || !strings.HasPrefix(stdout.String(), "usage: verbatim "+args[0]) || stderr.Len() > 0 {
			t.Errorf("%v: stdout %q stderr %q, want the usage and the flag list on stdout alone", args, stdout.String(), stderr.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("help created %v", entries)
	}
	if _, err := os.Stat("verbatim.db"); err == nil && !hadDefault {
		t.Error("help created ./verbatim.db")
	}
}

// Usage lines name the positional arguments; a mistake's message and the usage go to
// standard error.
func TestUsageNamesArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"import", "-h"}, "usage: verbatim import FILE "},
		{[]string{"backup", "-h"}, "usage: verbatim backup PATH "},
		{[]string{"restore", "-h"}, "usage: verbatim restore BACKUP "},
		{[]string{"keys", "-h"}, "usage: verbatim keys create --name NAME --role ROLE | keys list | keys revoke KEY_ID"},
		{[]string{"export", "-h"}, "usage: verbatim export [flags]"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append([]string{"verbatim"}, tt.args...), noEnv, &stdout, &stderr); err != nil || !strings.HasPrefix(stdout.String(), tt.want) {
			t.Errorf("%v: %v %q, want %q", tt.args, err, stdout.String(), tt.want)
		}
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"verbatim", "backup", "--no-such-flag"}, noEnv, &stdout, &stderr)
	if !errors.Is(err, errUsage) || stdout.Len() > 0 ||
		!strings.HasPrefix(stderr.String(), "verbatim backup: flag provided but not defined: -no-such-flag\nusage: verbatim backup PATH") {
		t.Errorf("a bad flag: %v, stdout %q stderr %q", err, stdout.String(), stderr.String())
	}
}

// version names the commit whenever the go command recorded one.
func TestVersionNamesTheCommit(t *testing.T) {
	t.Parallel()
	const rev = "8a4be27fe93bb009a72f5e062e59a676f983293b"
	tests := []struct {
		main     string
		settings []debug.BuildSetting
		want     string
	}{
		{"v0.0.0-20261207035803-8a4be27fe93b+dirty", nil, "v0.0.0-20261207035803-8a4be27fe93b+dirty"},
		{"v1.4.0", nil, "v1.4.0"},
		{"(devel)", []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}, "dev-8a4be27fe93b"},
		{"(devel)", []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}, "dev-8a4be27fe93b+dirty"},
		{"(devel)", nil, "dev"},
	}
	for _, tt := range tests {
		info := &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Version: tt.main}, Settings: tt.settings}
		if got := versionOf(info); got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.main, tt.settings, got, tt.want)
		}
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

// A binary built in a clone says which commit it is.
func TestBuiltBinaryNamesItsCommit(t *testing.T) {
	t.Parallel()
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git clone: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "verbatim")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-tags", "sqlite_fts5", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.Contains(string(out), string(head[:12])) {
		t.Errorf("--version: %v %q, want commit %s", err, out, head[:12])
	}
}

// The top-level help names every flag of every subcommand: a flag missing there is one a
// newcomer never finds.
func TestHelpNamesEveryFlag(t *testing.T) {
	t.Parallel()
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	for _, cmd := range []string{"serve", "migrate", "verify", "keys", "import", "export", "backup", "restore"} {
		var stdout bytes.Buffer
		if err := run(context.Background(), []string{"verbatim", cmd, "-h"}, noEnv, &stdout, io.Discard); err != nil {
			t.Fatalf("%s -h: %v", cmd, err)
		}
		names := flagLine.FindAllStringSubmatch(stdout.String(), -1)
		if len(names) == 0 {
			t.Errorf("%s -h lists no flag: %q", cmd, stdout.String())
		}
		for _, m := range names {
			if !strings.Contains(usage, "--"+m[1]) {
				t.Errorf("verbatim help does not name %s's --%s", cmd, m[1])
			}
		}
	}
}

// A deployment's flags come from the environment too, the command line winning; a
// variable under a former name stops the command rather than be ignored.
func TestEnvironmentSetsDeploymentFlags(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	o, err := serveFlags([]string{"--rate-write", "9"}, env("VERBATIM_RATE_READ", "7", "VERBATIM_RATE_WRITE", "8",
		"VERBATIM_WORKERS", "false", "VERBATIM_DB", "env.db", "VERBATIM_TRUSTED_PROXY", "10.0.0.0/8"), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.limits.ReadsPerSecond != 7 || o.limits.WritesPerSecond != 9 || o.workers || o.dbPath != "env.db" || len(o.trusted) != 1 {
		t.Errorf("from the environment: %+v", o)
	}
	tests := []struct {
		name string
		env  func(string) string
		want string
	}{
		{"renamed", env("VERBATIM_TRUSTED_PROXIES", "10.0.0.0/8"), "VERBATIM_TRUSTED_PROXIES is now VERBATIM_TRUSTED_PROXY"},
		{"bad value", env("VERBATIM_RATE_READ", "lots"), `VERBATIM_RATE_READ="lots"`},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		if _, err := serveFlags(nil, tt.env, io.Discard, &stderr); !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s: %v %q, want %q", tt.name, err, stderr.String(), tt.want)
		}
	}
	// The one-off flags of the other commands are never read from the environment.
	dir := t.TempDir()
	backup, target := filepath.Join(dir, "b.db"), filepath.Join(dir, "t.db")
	for _, path := range []string{backup, target} {
		if err := run(context.Background(), []string{"verbatim", "migrate", "--db", path}, noEnv, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var stderr bytes.Buffer
	err = run(context.Background(), []string{"verbatim", "restore", backup}, env("VERBATIM_DB", target, "VERBATIM_FORCE", "true"), io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over an archive with VERBATIM_FORCE=true: %v, want a refusal asking for --force", err)
	}
}
