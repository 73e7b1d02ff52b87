package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
)

// The README's walkthrough — recording Kellogg's quote, finding it, updating it with its
// ETag, citing it, giving it a verdict, reading the history and the ClaimReview — runs
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
	for _, want := range []string{"HTTP/1.1 201 Created", `Etag: "1"`, `"attribution":"verified"`, `"@type":"ClaimReview"`, `"alternateName":"Not checkable"`} {
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
	host := u.Query().Get("host") // the server's socket directory
	if host == "" {
		host = u.Host
	}
	role := "readme_" + strings.TrimPrefix(strings.Trim(u.Path, "/"), "verbatim_test_")
	urls := regexp.MustCompile(`postgres://verbatim:change-me@127\.0\.0\.1:5432/(\w+)\?sslmode=disable`)
	names := strings.NewReplacer("ROLE verbatim ", "ROLE "+role+" ", "OWNER verbatim", "OWNER "+role, "--role=verbatim", "--role="+role,
		"DATABASE verbatim ", "DATABASE "+role+" ", "DATABASE verbatim_restored", "DATABASE "+role+"_restored")
	dir := t.TempDir()
	// An SQLite archive for the last block to move across.
	seed := dbtest.OpenDSN(t, filepath.Join(dir, "verbatim.db"), db.Options{})
	if _, err := seed.CreateQuote(context.Background(), db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: ptr("Keith Kellogg"),
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
			return fmt.Sprintf("postgres://%s:change-me@/%s?host=%s&sslmode=disable", role, dbName, url.QueryEscape(host))
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
