package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
)

// The README's walkthrough — recording Kellogg's quote, finding it, updating it with its
// ETag, citing it, giving it a verdict, reading the history and the ClaimReview,
// searching with the query language, filters and facets, merging "Gen. Kellogg" into him
// and following the redirect — runs
// exactly as written against a fresh server, every curl required to succeed. Only the
// address (a free port instead of 8080) and the key (the one this server printed) differ.
func TestREADMEWalkthrough(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the walkthrough needs %s, which .ci/run installs", tool)
			}
			t.Skipf("the walkthrough needs %s (apt-get install %s)", tool, tool)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start, end := strings.Index(text, "## Recording Kellogg's quote"), strings.Index(text, "## Access control")
	if start < 0 || end < start {
		t.Fatal("the README's walkthrough sections are not where this test looks")
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text[start:end], -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d shell blocks in the walkthrough", len(blocks))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	base, key, done, _ := startServe(t, ctx, []string{"--db", filepath.Join(dir, "walkthrough.db")}, noEnv)
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	// Every request of the walkthrough must succeed: a 4xx or 5xx stops the script.
	script.WriteString("curl() { command curl --fail-with-body \"$@\"; }\n")
	script.WriteString("KEY=" + key + "\n")
	for _, b := range blocks {
		script.WriteString(strings.ReplaceAll(b[1], "http://127.0.0.1:8080", base))
		script.WriteString("\n")
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s\n--- script ---\n%s", err, out, script.String())
	}
	for _, want := range []string{"HTTP/1.1 201 Created", `Etag: "1"`, `"attribution":"verified"`, `"@type":"ClaimReview"`, `"alternateName":"Not checkable"`,
		"<mark>NATO</mark> isn’t <mark>on the table</mark>",
		`{"attribution":[{"value":"verified","count":1}],"speaker":[{"value":"spk_`, `"label":"Keith Kellogg","count":1}],"year":[{"value":"2025","count":1}]}`,
		`Kellogg",["initials"],0.5]`, `"moved_quotes":1}`, "HTTP/1.1 308 Permanent Redirect",
		`{"name":"Keith Kellogg","aliases":["Gen. Kellogg"]}`, "Keith Kellogg: We are going to get this war ended",
		`"outcome":"appearance","drift":"typographic"`, `"outcome":"suggested"`, `{"state":"confirmed","reviewed_by":"admin"`,
		`"appearance_counts":{"confirmed":2,"drifted":1,"suggested":0}`, `{"n":1,"appeared_in":[{"value":"out_`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the walkthrough's output lacks %s:\n%s", want, out)
		}
	}
	cancel()
	<-done
}

// The README's "Running on PostgreSQL" runs as written against the test's PostgreSQL
// server: create the role and database, migrate, make a key, verify, back up with
// pg_dump, restore with pg_restore into a new database and verify that, move an SQLite
// archive across and compare. Only names and addresses differ: the role and databases
// get names of the test's own, and the URLs point at the test server's socket.
func TestREADMEPostgres(t *testing.T) {
	t.Parallel()
	admin := dbtest.PostgresDSN(t) // skips (or fails under CI) without a server
	for _, tool := range []string{"bash", "psql", "pg_dump", "pg_restore", "cmp"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the PostgreSQL section needs %s, which .ci/run installs", tool)
			}
			t.Skipf("the PostgreSQL section needs %s", tool)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start, end := strings.Index(text, "## Running on PostgreSQL"), strings.Index(text, "## The API in brief")
	if start < 0 || end < start {
		t.Fatal("the README's PostgreSQL section is not where this test looks")
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text[start:end], -1)
	if len(blocks) != 3 {
		t.Fatalf("found %d shell blocks in the PostgreSQL section, want 3", len(blocks))
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	role := "readme_" + strings.TrimPrefix(strings.Trim(u.Path, "/"), "verbatim_test_")
	urls := regexp.MustCompile(`postgres://verbatim:change-me@127\.0\.0\.1:5432/(\w+)\?sslmode=disable`)
	names := strings.NewReplacer("ROLE verbatim ", "ROLE "+role+" ", "OWNER verbatim", "OWNER "+role, "--role=verbatim", "--role="+role,
		"DATABASE verbatim ", "DATABASE "+role+" ", "DATABASE verbatim_restored", "DATABASE "+role+"_restored")
	dir := t.TempDir()
	// An SQLite archive for the last block to move across.
	seed := dbtest.OpenDSN(t, filepath.Join(dir, "verbatim.db"), db.Options{})
	if _, err := seed.CreateQuote(dbtest.Operator, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: ptr("Keith Kellogg"),
		SaidOn: ptr("2025-04-20"), OutletName: ptr("Fox News")}); err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	script.WriteString(`psql() { command psql "$ADMIN_URL" -v ON_ERROR_STOP=1 "$@"; }` + "\n")
	script.WriteString(`verbatim() { VERBATIM_TEST_MAIN=1 "$VERBATIM_BIN" "$@"; }` + "\n")
	script.WriteString(`cleanup() { command psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS ` + role + ` WITH (FORCE)" -c "DROP DATABASE IF EXISTS ` +
		role + `_restored WITH (FORCE)" -c "DROP ROLE IF EXISTS ` + role + `" >/dev/null; }` + "\n")
	script.WriteString("trap cleanup EXIT\n")
	for _, b := range blocks {
		block := urls.ReplaceAllStringFunc(b[1], func(m string) string {
			dbName := urls.FindStringSubmatch(m)[1]
			dbName = role + strings.TrimPrefix(dbName, "verbatim")
			// The test server's address as it was given — host, socket directory and
			// port — with the README's role, password and database.
			to := *u
			to.User, to.Path = url.UserPassword(role, "change-me"), "/"+dbName
			q := u.Query()
			q.Del("user")
			q.Set("sslmode", "disable")
			to.RawQuery = q.Encode()
			return to.String()
		})
		script.WriteString(names.Replace(block) + "\n")
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ADMIN_URL="+admin, "VERBATIM_BIN="+os.Args[0])
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the PostgreSQL section failed: %v\n%s\n--- script ---\n%s", err, out, script.String())
	}
	for _, want := range []string{"schema version", "created admin key", "integrity ok, search index ok; 0 quotes",
		"integrity ok, search index ok; 0 quotes, 0 speakers", `"created": 1`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the section's output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(string(out), "integrity ok, search index ok") != 2 {
		t.Errorf("want two verifications (the database and its restore):\n%s", out)
	}
}

// The README's webhook section runs as written: the endpoint is registered with its
// curl (pointed at a local port), the Go receiver is built from the README and started
// with the secret that curl printed, and a quote tagged nato must reach it verified.
func TestREADMEWebhooks(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the webhook section needs %s, which .ci/run installs", tool)
			}
			t.Skipf("the webhook section needs %s", tool)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start, end := strings.Index(text, "## Webhooks"), strings.Index(text, "## Running on PostgreSQL")
	if start < 0 || end < start {
		t.Fatal("the README's webhook section is not where this test looks")
	}
	section := text[start:end]
	shell := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1)
	golang := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(section, -1)
	if len(shell) != 2 || len(golang) != 1 {
		t.Fatalf("%d shell and %d Go blocks in the webhook section, want 2 and 1", len(shell), len(golang))
	}

	// Build the receiver inside this module, which requires its library.
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	src, err := os.MkdirTemp(root, "_readme_receiver_")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(src)
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(golang[0][1]), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "receiver")
	build := exec.Command("go", "build", "-o", bin, "./"+filepath.Base(src))
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's receiver does not build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(listen)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, key, done, _ := startServe(t, ctx, []string{"--db", filepath.Join(t.TempDir(), "hooks.db"), "--webhook-allow-private",
		"--webhook-ports", port}, noEnv)
	var script strings.Builder
	script.WriteString("set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\nKEY=" + key + "\n")
	for _, b := range shell {
		script.WriteString(strings.NewReplacer("http://127.0.0.1:8080", base,
			"https://cms.example.org/hooks/verbatim", "http://"+listen+"/hooks/verbatim").Replace(b[1]) + "\n")
	}
	script.WriteString("echo \"SECRET=$SECRET\"\n")
	out, err := exec.Command("bash", "-c", script.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("the webhook section's shell failed: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`SECRET=(whsec_\S+)`).FindStringSubmatch(string(out))
	if m == nil || !strings.Contains(string(out), `"enabled":true`) {
		t.Fatalf("no secret, or the endpoint is not listed:\n%s", out)
	}

	logs := &syncBuffer{}
	recv := exec.Command(bin)
	recv.Env = append(os.Environ(), "VERBATIM_WEBHOOK_SECRET="+m[1], "LISTEN="+listen)
	recv.Stderr = logs
	if err := recv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = recv.Process.Kill(); _ = recv.Wait() }()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", listen); err == nil {
			c.Close()
			break
		} else if i > 200 {
			t.Fatalf("the receiver does not listen: %v\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	post := func(body string) string {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/quotes", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("create a quote: %v %v", res, err)
		}
		defer res.Body.Close()
		var q struct{ ID string }
		_ = json.NewDecoder(res.Body).Decode(&q)
		return q.ID
	}
	post(`{"text": "Grain is not on the table", "speaker_name": "Someone", "tags": ["grain"]}`) // not watched
	id := post(`{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "tags": ["nato"]}`)
	want := "verified quote.created " + id
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(logs.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("the receiver never logged %q:\n%s", want, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(logs.String(), "verified "); n != 1 {
		t.Errorf("the receiver verified %d messages, want the watched one:\n%s", n, logs)
	}
	cancel()
	<-done
}
