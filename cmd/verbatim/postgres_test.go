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
	"sync/atomic"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/conformance"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/postgres"
)

// Every command but SQLite's backup and restore works on a PostgreSQL database, and
// nodes migrating one database at once take turns.
func TestCommandsOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := dbtest.PostgresDSN(t)
	// A fresh database, not the template's copy: four migrations racing on an empty one.
	empty := emptyPostgres(t, dsn)
	var wg sync.WaitGroup
	outs := make([]string, 4)
	errs := make([]error, 4)
	for i := range outs {
		wg.Go(func() {
			out, err := verbatimCmd("migrate", "--db", empty).CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	wg.Wait()
	want := fmt.Sprint("schema version ", postgres.LatestSchemaVersion())
	for i := range outs {
		if errs[i] != nil || !strings.Contains(outs[i], want) || strings.Contains(outs[i], "secret") {
			t.Errorf("migrate %d: %v\n%s", i, errs[i], outs[i])
		}
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "in.ndjson")
	os.WriteFile(file, []byte(`{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "rating_label": "Half True"}
{"text": "", "speaker_name": "x"}
`), 0o644)
	out, err := verbatimCmd("import", file, "--db", dsn).Output()
	if err == nil || !strings.Contains(string(out), `"created": 1`) || !strings.Contains(string(out), `"rejected": 1`) {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = verbatimCmd("import", file, "--db", dsn).Output()
	if !strings.Contains(string(out), `"unchanged": 1`) {
		t.Fatalf("import again: %v\n%s", err, out)
	}
	csvOut, err := verbatimCmd("export", "--db", dsn, "--format", "csv").Output()
	if err != nil || !strings.Contains(string(csvOut), "half_true") || !strings.Contains(string(csvOut), "Keith Kellogg") {
		t.Fatalf("CSV export: %v\n%s", err, csvOut)
	}
	out, err = verbatimCmd("verify", "--db", dsn).Output()
	if err != nil || !strings.Contains(string(out), "integrity ok, search index ok; 1 quotes, 1 speakers") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	out, err = verbatimCmd("keys", "create", "--name", "desk", "--role", "editor", "--db", dsn).Output()
	if err != nil || !printedKey.Match(out) {
		t.Fatalf("keys create: %v\n%s", err, out)
	}
	out, err = verbatimCmd("keys", "list", "--db", dsn).Output()
	if err != nil || !strings.Contains(string(out), "desk\teditor") {
		t.Fatalf("keys list: %v\n%s", err, out)
	}
	for _, cmd := range [][]string{{"backup", filepath.Join(dir, "b.db"), "--db", dsn}, {"restore", filepath.Join(dir, "b.db"), "--db", dsn}} {
		out, err := verbatimCmd(cmd...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "pg_") {
			t.Errorf("%s on PostgreSQL: %v\n%s — want a refusal naming pg_dump or pg_restore", cmd[0], err, out)
		}
	}
	// A password in the address is never printed.
	secret := strings.Replace(dsn, "postgres:///", "postgres://postgres:hunter2@/", 1)
	out, _ = verbatimCmd("migrate", "--db", secret).CombinedOutput()
	if strings.Contains(string(out), "hunter2") {
		t.Errorf("the password was printed: %s", out)
	}
}

var emptied atomic.Int64

// emptyPostgres makes an empty database beside the test's own, dropped with it.
func emptyPostgres(t *testing.T, dsn string) string {
	t.Helper()
	d := dbtest.OpenDSN(t, dsn, db.Options{})
	pool := d.Engine().(*postgres.Engine).Pool()
	name := fmt.Sprintf("verbatim_empty_%d_%d", os.Getpid(), emptied.Add(1))
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = pool.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return regexp.MustCompile(`^(postgres://[^/]*/)[^?]*`).ReplaceAllString(dsn, "${1}"+name)
}

// An archive moves from SQLite to PostgreSQL by export and import, and comes back out
// the same, byte for byte: quotes, speakers with aliases, outlets, citations, the whole
// verdict history.
func TestSQLiteToPostgresRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	seed := dbtest.OpenDSN(t, src, db.Options{})
	ctx := dbtest.Operator
	sp, err := seed.CreateSpeaker(ctx, db.SpeakerInput{Name: "Steve Witkoff", Aliases: []string{"Witkoff"}, WikidataQID: ptr("Q7614201")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := seed.CreateQuote(ctx, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: ptr("Keith Kellogg"),
		SpeakerRole: ptr("US Special Envoy to Ukraine"), SaidOn: ptr("2025-04-20"), OutletName: ptr("Fox News"),
		Context: ptr("interview with Fox News"), Setting: ptr("interview"), Lang: ptr("en"), Tags: []string{"nato", "ukraine"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := seed.CreateCitation(ctx, q.ID, db.CitationInput{URL: "https://www.foxnews.com/video/1", Relation: "primary",
		PublishedAt: ptr("2025-04-20"), Excerpt: ptr(`"NATO isn't on the table"`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []db.VerdictInput{{Attribution: "verified", Rating: ptr("not_checkable"), Summary: "Said.", CitationIDs: []string{c.ID}},
		{Attribution: "out_of_context", Summary: "Framing.", CitationIDs: []string{c.ID}}} {
		if _, err := seed.AppendVerdict(ctx, q.ID, nil, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := seed.CreateQuote(ctx, db.QuoteInput{Text: "We’re making progress — <b>real</b> progress", SpeakerID: &sp.ID,
		SaidOn: ptr("2025-04"), Tags: []string{"talks"}}); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "first.ndjson")
	if out, err := verbatimCmd("export", "--db", src, "--out", first).CombinedOutput(); err != nil {
		t.Fatalf("export from SQLite: %v\n%s", err, out)
	}
	dsn := dbtest.PostgresDSN(t)
	out, err := verbatimCmd("import", first, "--db", dsn).Output()
	if err != nil || !strings.Contains(string(out), `"created": 2`) {
		t.Fatalf("import into PostgreSQL: %v\n%s", err, out)
	}
	second := filepath.Join(dir, "second.ndjson")
	if out, err := verbatimCmd("export", "--db", dsn, "--out", second).CombinedOutput(); err != nil {
		t.Fatalf("export from PostgreSQL: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("SQLite → PostgreSQL → export changed the records:\n%s\n%s", a, b)
	}
}

func ptr[T any](v T) *T { return &v }

// node is one serve process.
type node struct {
	base string
	proc *os.Process
}

func (n node) do(t *testing.T, method, path, key string, body any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// Two serve processes on one PostgreSQL database: a write through one is seen at once
// through the other, a key revoked through one is refused at once by the other, and
// writers racing with one If-Match across both have exactly one winner.
func TestTwoNodesOnePostgres(t *testing.T) {
	t.Parallel()
	dsn := dbtest.PostgresDSN(t)
	baseA, admin, procA := serverProcess(t, dsn)
	t.Cleanup(func() { _ = procA.Kill() })
	baseB, none, procB := serverProcess(t, dsn)
	t.Cleanup(func() { _ = procB.Kill() })
	if admin == "" || none != "" {
		t.Fatalf("the first node should print the admin key and the second none: %q %q", admin, none)
	}
	a, b := node{baseA, procA}, node{baseB, procB}

	// Visibility: each write through one node is read back at once through the other,
	// also once the other has the quote cached.
	res, body := a.do(t, "POST", "/v1/quotes", admin, map[string]any{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	var q db.Quote
	json.Unmarshal(body, &q)
	for i := range 30 {
		writer, reader := a, b
		if i%2 == 1 {
			writer, reader = b, a
		}
		reader.do(t, "GET", "/v1/quotes/"+q.ID, admin, nil) // cached on the reader from here on
		ctxText := fmt.Sprint("context ", i)
		if res, body := writer.do(t, "PATCH", "/v1/quotes/"+q.ID, admin, map[string]any{"context": ctxText}); res.StatusCode != http.StatusOK {
			t.Fatalf("patch %d: %d %s", i, res.StatusCode, body)
		}
		res, body := reader.do(t, "GET", "/v1/quotes/"+q.ID, admin, nil)
		var got db.Quote
		json.Unmarshal(body, &got)
		if res.StatusCode != http.StatusOK || got.Context == nil || *got.Context != ctxText || got.Version != int64(i+2) ||
			res.Header.Get("ETag") != fmt.Sprintf(`"%d"`, i+2) {
			t.Fatalf("write %d through one node, read through the other: %d %s %s", i, res.StatusCode, res.Header.Get("ETag"), body)
		}
	}

	// Revocation: a key in use on node B, revoked through node A, is refused by B at once.
	for i := range 5 {
		res, body := a.do(t, "POST", "/v1/keys", admin, map[string]any{"name": fmt.Sprint("desk-", i), "role": "editor"})
		var k struct {
			Key    struct{ ID string } `json:"key"`
			Secret string              `json:"secret"`
		}
		json.Unmarshal(body, &k)
		if res.StatusCode != http.StatusCreated || k.Secret == "" || k.Key.ID == "" {
			t.Fatalf("create key: %d %s", res.StatusCode, body)
		}
		for range 2 {
			if res, _ := b.do(t, "GET", "/v1/quotes/"+q.ID, k.Secret, nil); res.StatusCode != http.StatusOK {
				t.Fatalf("the new key on node B: %d", res.StatusCode)
			}
		}
		if res, body := a.do(t, "DELETE", "/v1/keys/"+k.Key.ID, admin, nil); res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", res.StatusCode, body)
		}
		if res, _ := b.do(t, "GET", "/v1/quotes/"+q.ID, k.Secret, nil); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("key %d revoked through A, then used on B: %d, want 401", i, res.StatusCode)
		}
	}

	// Racing If-Match: twenty PATCHes with one ETag, half through each node.
	res, _ = a.do(t, "GET", "/v1/quotes/"+q.ID, admin, nil)
	etag := res.Header.Get("ETag")
	codes := make([]int, 20)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range codes {
		n := []node{a, b}[i%2]
		wg.Go(func() {
			<-start
			res, _ := n.do(t, "PATCH", "/v1/quotes/"+q.ID, admin, map[string]any{"speaker_role": fmt.Sprint("role ", i)}, "If-Match", etag)
			codes[i] = res.StatusCode
		})
	}
	close(start)
	wg.Wait()
	won, stale := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			won++
		case http.StatusPreconditionFailed:
			stale++
		}
	}
	if won != 1 || stale != 19 {
		t.Errorf("20 PATCHes with one If-Match across two nodes: %d won, %d stale (%v)", won, stale, codes)
	}

	// A new speaker named by quotes created through both nodes at once is one speaker.
	start = make(chan struct{})
	for i := range 10 {
		n := []node{a, b}[i%2]
		wg.Go(func() {
			<-start
			res, body := n.do(t, "POST", "/v1/quotes", admin, map[string]any{"text": fmt.Sprint("words ", i), "speaker_name": "Marco Rubio"})
			if res.StatusCode != http.StatusCreated {
				t.Errorf("create %d: %d %s", i, res.StatusCode, body)
			}
		})
	}
	close(start)
	wg.Wait()
	_, body = b.do(t, "GET", "/v1/speakers?q=rubio", admin, nil)
	var speakers struct{ Data []db.Speaker }
	json.Unmarshal(body, &speakers)
	if len(speakers.Data) != 1 {
		t.Errorf("speakers named Marco Rubio: %d, want 1", len(speakers.Data))
	}
}

// An archive moves between the engines both ways and comes back the same, byte for byte,
// every field of every part of a record with it: its quotes, speakers, outlets, verdict
// histories, citations and the citations' source checks.
func TestRoundTripsBetweenEngines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pg := func() string { return dbtest.PostgresDSN(t) }
	sqlite := func() string { return filepath.Join(t.TempDir(), "archive.db") }
	for _, way := range []struct {
		name     string
		from, to func() string
	}{{"SQLite to PostgreSQL", sqlite, pg}, {"PostgreSQL to SQLite", pg, sqlite}} {
		from, to := way.from(), way.to()
		conformance.SeedEveryField(t, dbtest.OpenDSN(t, from, db.Options{}))
		first, second := filepath.Join(dir, way.name+"-1.ndjson"), filepath.Join(dir, way.name+"-2.ndjson")
		if out, err := verbatimCmd("export", "--db", from, "--out", first).CombinedOutput(); err != nil {
			t.Fatalf("%s: export: %v\n%s", way.name, err, out)
		}
		if out, err := verbatimCmd("import", first, "--db", to).CombinedOutput(); err != nil {
			t.Fatalf("%s: import: %v\n%s", way.name, err, out)
		}
		if out, err := verbatimCmd("export", "--db", to, "--out", second).CombinedOutput(); err != nil {
			t.Fatalf("%s: export again: %v\n%s", way.name, err, out)
		}
		a, _ := os.ReadFile(first)
		b, _ := os.ReadFile(second)
		if len(a) == 0 || !bytes.Equal(a, b) || !bytes.Contains(a, []byte(`"changed":true`)) {
			t.Errorf("%s changed the records:\n%s\n%s", way.name, a, b)
		}
	}
}

// A mistyped --db never becomes an empty archive: the commands that read or change one
// refuse where there is none, on both engines, and leave nothing behind. Only serve,
// migrate and import create.
func TestOnlyCreatorsCreate(t *testing.T) {
	t.Parallel()
	commands := [][]string{
		{"verify"},
		{"export"},
		{"export", "--format", "csv"},
		{"keys", "create", "--name", "desk", "--role", "editor"},
		{"keys", "list"},
		{"keys", "revoke", "key_01JZ0000000000000000000000"},
		{"backup", "b.db"},
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		missing := filepath.Join(dir, "verbatim-typo.db")
		for _, c := range commands {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(append([]string{"verbatim"}, c...), "--db", missing), noEnv, &stdout, &stderr)
			if !errors.Is(err, engines.ErrNoArchive) || !strings.Contains(err.Error(), missing) {
				t.Errorf("%v: %v, want no archive at %s", c, err, missing)
			}
			if stdout.Len() > 0 {
				t.Errorf("%v printed %q", c, stdout.String())
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("the commands left %v", entries)
		}
		// The creators still create.
		for _, c := range [][]string{{"migrate"}} {
			if err := run(context.Background(), append(append([]string{"verbatim"}, c...), "--db", missing), noEnv, io.Discard, io.Discard); err != nil {
				t.Errorf("%v: %v", c, err)
			}
		}
		if _, err := os.Stat(missing); err != nil {
			t.Errorf("migrate did not create the archive: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		empty := emptyPostgres(t, dbtest.PostgresDSN(t))
		for _, c := range commands[:6] {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(append([]string{"verbatim"}, c...), "--db", empty), noEnv, &stdout, &stderr)
			if !errors.Is(err, engines.ErrNoArchive) {
				t.Errorf("%v: %v, want no archive", c, err)
			}
		}
		has, err := postgres.HasArchive(context.Background(), empty)
		if err != nil || has {
			t.Errorf("after the refusals the database holds an archive: %v %v", has, err)
		}
		if err := run(context.Background(), []string{"verbatim", "migrate", "--db", empty}, noEnv, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		if has, err := postgres.HasArchive(context.Background(), empty); err != nil || !has {
			t.Errorf("migrate did not create the archive: %v %v", has, err)
		}
	})
}
