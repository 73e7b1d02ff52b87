package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// TestMain lets a test run this very binary as the verbatim command, so that a test can
// start and kill real import processes without building anything.
func TestMain(m *testing.M) {
	if os.Getenv("VERBATIM_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func verbatimCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "VERBATIM_TEST_MAIN=1")
	return cmd
}

var committed = regexp.MustCompile(`committed through line (\d+)`)

// An import killed at random points leaves a sound database holding every batch it
// acknowledged; --resume carries the same load on past the lines it committed, and the
// last run completes it: one load, every record created once, none read twice. On
// PostgreSQL the first import into the empty archive defers its indexes: the next
// process to open the database builds them.
func TestImportSurvivesKill(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn := filepath.Join(t.TempDir(), "v.db")
			if engine == "postgres" {
				dsn = dbtest.PostgresDSN(t)
			}
			importSurvivesKill(t, dsn)
		})
	}
}

func importSurvivesKill(t *testing.T, dbPath string) {
	dir := t.TempDir()
	const n = 20000
	file := filepath.Join(dir, "quotes.ndjson")
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"external_id": "r-%06d", "text": %q, "speaker_name": "Speaker %d", "said_on": "2024-01-%02d", "tags": ["t%d"]}`+"\n",
			i, distinct(i), i%50, i%28+1, i%7)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	trials := 3
	if testing.Short() {
		trials = 1
	}
	for trial := range trials {
		cmd := verbatimCmd("import", file, "--db", dbPath, "--batch", "500", "--resume") // the first starts the load
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := 0
		lines := make(chan int)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if m := committed.FindStringSubmatch(sc.Text()); m != nil {
					v, _ := strconv.Atoi(m[1])
					lines <- v
				}
			}
			close(lines)
		}()
		deadline := time.After(time.Duration(150+rand.IntN(900)) * time.Millisecond)
	wait:
		for {
			select {
			case v, ok := <-lines:
				if !ok {
					break wait
				}
				acked = v
			case <-deadline:
				_ = cmd.Process.Kill() // SIGKILL: no cleanup, no deferred close
				for v := range lines {
					acked = v
				}
				break wait
			}
		}
		_ = cmd.Wait()
		rep, err := verify(dbPath)
		if err != nil || !rep.OK() {
			t.Fatalf("trial %d: after the kill the database fails its checks: %+v %v", trial, rep, err)
		}
		have := countBelow(t, dbPath, fmt.Sprintf("r-%06d", acked))
		if have != acked {
			t.Fatalf("trial %d: %d of the %d acknowledged records are stored", trial, have, acked)
		}
		t.Logf("trial %d: killed after line %d was acknowledged; %d quotes stored", trial, acked, rep.Quotes)
	}
	cmd := verbatimCmd("import", file, "--db", dbPath, "--batch", "500", "--resume")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the re-run failed: %v\n%s", err, out)
	}
	rep, err := verify(dbPath)
	if err != nil || !rep.OK() || rep.Quotes != n {
		t.Fatalf("after the re-run: %+v %v, want %d quotes", rep, err, n)
	}
	d, err := engines.Open(context.Background(), dbPath, engines.Options{Existing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	loads, err := d.Loads(db.WithActor(context.Background(), db.System), 10, nil)
	if err != nil || len(loads.Data) != 1 {
		t.Fatalf("loads: %+v %v", loads.Data, err)
	}
	if l := loads.Data[0]; l.State != "done" || l.Created != n || l.Unchanged != 0 || l.Updated != 0 || l.SHA256 == nil || l.Batches < n/500 {
		t.Errorf("the one load, carried on over the kills: %+v (an unchanged record was read twice)", l)
	}
	// The archive ends as an uninterrupted load of the same file leaves one.
	clean := filepath.Join(dir, "clean.db")
	if engines.IsPostgres(dbPath) {
		clean = dbtest.PostgresDSN(t)
	}
	if out, err := verbatimCmd("import", file, "--db", clean, "--batch", "500", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("the uninterrupted load: %v\n%s", err, out)
	}
	c, err := engines.Open(context.Background(), clean, engines.Options{Existing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, want := contents(t, d), contents(t, c); !slices.Equal(got, want) {
		shown := 0
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] && shown < 3 {
				t.Logf("resumed %q, uninterrupted %q", got[i], want[i])
				shown++
			}
		}
		t.Errorf("the resumed archive differs from an uninterrupted load's: %d quotes against %d", len(got), len(want))
	}
}

// distinct is record i's words, eight drawn at random from fifty, so that no two records
// are near-identical: linking (which files near-identical words as suggested
// appearances, in an order that two batches in flight make vary) is not what this test
// is about.
func distinct(i int) string {
	vocab := strings.Fields("harbour lantern quarry meadow falcon ember thistle orchard glacier canyon pewter saffron " +
		"tundra willow cobalt juniper marble nectar oyster prairie quartz rivulet sorrel timber umber velvet walnut yarrow " +
		"anchor beacon cinder dune estuary fjord grotto heron inlet jetty kestrel lagoon mesa nettle obsidian plover")
	r := rand.New(rand.NewPCG(uint64(i), 7))
	words := []string{fmt.Sprint("record", i)}
	for range 8 {
		words = append(words, vocab[r.IntN(len(vocab))])
	}
	return strings.Join(words, " ")
}

// contents are an archive's quotes as their records said them, in key order: what a
// load must leave whatever happened to it on the way.
func contents(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	err := d.Export(db.WithActor(context.Background(), db.System), db.QuoteFilter{Sort: "created_at"}, func(r *db.Record) error {
		said := ""
		if r.SaidOn != nil {
			said = *r.SaidOn
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%v|%d", r.Text, r.Speaker.Name, said, r.Tags, len(r.Appearances)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// verify checks a database as `verbatim verify` does, after opening it as a server would
// (which builds the indexes an interrupted load deferred) — an SQLite file checked first
// as the kill left it.
func verify(dsn string) (db.Report, error) {
	if !engines.IsPostgres(dsn) {
		// The file as the kill left it is sound; a load cut short leaves indexes to
		// build, a first open cut short migrations to run, and the next open does them.
		rep, err := sqlite.Verify(context.Background(), dsn)
		migrating := strings.HasPrefix(rep.Integrity, "migrated to ")
		if err != nil || !rep.SearchIndexOK && !migrating ||
			rep.Integrity != "ok" && !migrating && !strings.HasPrefix(rep.Integrity, "indexes a load has not built yet") {
			return rep, err
		}
	}
	store, err := engines.Open(dbtest.Operator, dsn, engines.Options{})
	if err != nil {
		return db.Report{}, err
	}
	defer store.Close()
	return store.Verify(dbtest.Operator)
}

// countBelow counts the imported records with external keys up to last.
func countBelow(t *testing.T, dsn, last string) int {
	t.Helper()
	var n int
	if engines.IsPostgres(dsn) {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM quotes WHERE external_id <= $1`, last).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	conn, err := sql.Open("sqlite3", "file:"+dsn+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRow(`SELECT count(*) FROM quotes WHERE external_id <= ?`, last).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportExportBackupCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	file := filepath.Join(dir, "in.ndjson")
	os.WriteFile(file, []byte(`{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "rating_label": "Half True"}
{"text": "", "speaker_name": "x"}
`), 0o644)
	// A rejected record makes the exit status 1; the good record is committed all the same.
	out, err := verbatimCmd("import", file, "--db", src).Output()
	if err == nil || !strings.Contains(string(out), `"created": 1`) || !strings.Contains(string(out), `"rejected": 1`) {
		t.Fatalf("import: %v\n%s", err, out)
	}
	exported := filepath.Join(dir, "out.ndjson")
	if out, err := verbatimCmd("export", "--db", src, "--out", exported).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	backup := filepath.Join(dir, "backup.db")
	out, err = verbatimCmd("backup", backup, "--db", src).Output()
	if err != nil || !strings.Contains(string(out), "integrity ok, search index ok; 1 quotes") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	restored := filepath.Join(dir, "restored.db")
	if out, err := verbatimCmd("restore", backup, "--db", restored).Output(); err != nil || !strings.Contains(string(out), "1 quotes") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	fresh := filepath.Join(dir, "fresh.db")
	out, err = verbatimCmd("import", exported, "--db", fresh).Output()
	if err != nil || !strings.Contains(string(out), `"created": 1`) {
		t.Fatalf("import of the export: %v\n%s", err, out)
	}
	csvOut, err := verbatimCmd("export", "--db", fresh, "--format", "csv").Output()
	if err != nil || !strings.Contains(string(csvOut), "half_true") {
		t.Fatalf("CSV export: %v\n%s", err, csvOut)
	}
	// The export restored over the source once its quote has changed: a conflict on the
	// quote's line and exit status 1, the stored quote kept.
	store := dbtest.OpenDSN(t, src, db.Options{})
	page, err := store.ListQuotes(dbtest.Operator, db.QuoteFilter{})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("list: %v", err)
	}
	if _, err := store.UpdateQuote(dbtest.Operator, page.Data[0].ID, nil, db.QuotePatch{Context: db.Field[string]{Set: true, Value: "on Fox News"}}); err != nil {
		t.Fatal(err)
	}
	out, err = verbatimCmd("import", exported, "--db", src).Output()
	if err == nil || !strings.Contains(string(out), `"rejected": 1`) || !strings.Contains(string(out), "conflict: the archive holds quote "+page.Data[0].ID) {
		t.Errorf("restore over an edited quote: %v\n%s", err, out)
	}
}

// The real data sets beside the repository import without editing, every rejected line
// explained, and a second import creates nothing. Skipped where shared/data is absent.
func TestImportSharedData(t *testing.T) {
	t.Parallel()
	data := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("shared data not found: %v", err)
	}
	dbPath := filepath.Join(t.TempDir(), "shared.db")
	liarMap := "external_id=1,rating=2,text=3,tags=4,speaker=5,speaker_role=6,context=14"
	files := []struct {
		args    []string
		created int
	}{
		{[]string{filepath.Join(data, "liar", "train.tsv"), "--format", "tsv", "--map", liarMap}, 10269},
		{[]string{filepath.Join(data, "liar", "valid.tsv"), "--format", "tsv", "--map", liarMap}, 1284},
		{[]string{filepath.Join(data, "liar", "test.tsv"), "--format", "tsv", "--map", liarMap}, 1283},
		{[]string{filepath.Join(data, "clef2019", "all_sentences.tsv"), "--format", "tsv", "--header",
			"--map", "external_id=doc_id+line_number,said_on=date_yyyymmdd,context=event_slug,text=text,speaker=speaker"}, 23254},
		{[]string{filepath.Join(data, "claimskg", "claimreview_reconstructed.jsonl"), "--format", "claimreview"}, 329},
	}
	for _, f := range files {
		for pass := range 2 {
			var stdout, stderr strings.Builder
			args := append(append([]string{"verbatim", "import"}, f.args...), "--db", dbPath)
			runErr := run(context.Background(), args, noEnv, &stdout, &stderr)
			out := stdout.String()
			if !strings.Contains(out, "{\n") {
				t.Fatalf("%s: %v\n%s", f.args[0], runErr, stderr.String())
			}
			var res db.ImportResult
			if err := json.Unmarshal([]byte(out[strings.Index(out, "{\n"):]), &res); err != nil {
				t.Fatalf("%s: result %v", f.args[0], err)
			}
			// A rejected record fails the command (the rest committed), so scripts can tell.
			if (res.Rejected > 0) != (runErr != nil && strings.Contains(runErr.Error(), "rejected")) {
				t.Errorf("%s: %d rejected, the command answered %v", f.args[0], res.Rejected, runErr)
			}
			// A record whose words its speaker's stored quote holds already (a debate
			// sentence said again) is linked to it as an appearance, not created.
			want := f.created
			if pass == 1 {
				want = 0
			}
			if res.Created+res.Linked != want {
				t.Errorf("%s pass %d: created %d and linked %d, want %d", filepath.Base(f.args[0]), pass+1, res.Created, res.Linked, want)
			}
			if len(res.Errors) != res.Rejected {
				t.Errorf("%s: %d rejected, %d explained", filepath.Base(f.args[0]), res.Rejected, len(res.Errors))
			}
			for _, e := range res.Errors {
				if e.Line <= 0 || e.Message == "" {
					t.Errorf("%s: unexplained rejection %+v", filepath.Base(f.args[0]), e)
				}
			}
		}
	}
}

// verbatim export --query exports what a search finds, read by the same reader of filters
// as the API's and the console's; a parameter it does not know, or a bad value, stops it.
func TestExportQuery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	file := filepath.Join(dir, "in.ndjson")
	os.WriteFile(file, []byte(`{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "said_on": "2025-04-20"}
{"text": "Grain will flow through the Black Sea", "speaker_name": "Steve Witkoff", "said_on": "2024-06"}
`), 0o644)
	if out, err := verbatimCmd("import", file, "--db", src).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for query, want := range map[string][]string{
		"q=nato": {"NATO isn’t"}, "said_from=2025": {"NATO isn’t"}, "said_to=2024&sort=said_on": {"Grain will"},
		"": {"NATO isn’t", "Grain will"},
	} {
		args := []string{"export", "--db", src}
		if query != "" {
			args = append(args, "--query", query)
		}
		out, err := verbatimCmd(args...).Output()
		if err != nil || strings.Count(string(out), "\n") != len(want) {
			t.Errorf("export --query %q: %v\n%s", query, err, out)
		}
		for _, w := range want {
			if !strings.Contains(string(out), w) {
				t.Errorf("export --query %q lacks %q", query, w)
			}
		}
	}
	for _, query := range []string{"nope=1", "attribution=maybe", "said_from=yesterday", "q=%22"} {
		if out, err := verbatimCmd("export", "--db", src, "--query", query).CombinedOutput(); err == nil {
			t.Errorf("export --query %q succeeded:\n%s", query, out)
		}
	}
}

// The command-line import links as the server does: words the archive holds become an
// appearance, a second run changes nothing, and the deployment's policy (--link-* or
// VERBATIM_LINK_*) decides what is the same quote.
func TestImportCommandLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "reports.ndjson")
	lines := `{"external_id": "fox", "text": "NATO isn’t on the table for Ukraine, and we have said so to Kyiv", "speaker_name": "Keith Kellogg", "said_on": "2025-04-20", "outlet_name": "Fox News"}
{"external_id": "kyiv", "text": "NATO is not on the table for Ukraine, and we have said so to Kyiv", "speaker_name": "Keith Kellogg", "said_on": "2025-04-21", "outlet_name": "Kyiv Post"}
{"external_id": "short", "text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "outlet_name": "RT"}
`
	if err := os.WriteFile(file, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want db.ImportResult
	}{
		{"linked", nil, nil, db.ImportResult{Created: 1, Linked: 2}},
		{"again", nil, nil, db.ImportResult{Unchanged: 3}},
		{"a stricter deployment", []string{"--link-min-words", "8"}, nil, db.ImportResult{Created: 2, Linked: 1, Suggested: 1}},
		{"stricter by the environment", nil, map[string]string{"VERBATIM_LINK_MIN_WORDS": "20"},
			db.ImportResult{Created: 3, Suggested: 2}},
	} {
		dbPath := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".db")
		if c.name == "again" { // the first run's archive
			dbPath = filepath.Join(dir, "linked.db")
		}
		getenv := func(k string) string { return c.env[k] }
		var stdout, stderr strings.Builder
		args := append([]string{"verbatim", "import", file, "--db", dbPath, "--quiet"}, c.args...)
		if err := run(context.Background(), args, getenv, &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, stderr.String())
		}
		var res db.ImportResult
		out := stdout.String()
		if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &res); err != nil {
			t.Fatal(err)
		}
		if res.Created != c.want.Created || res.Linked != c.want.Linked || res.Suggested != c.want.Suggested || res.Unchanged != c.want.Unchanged {
			t.Errorf("%s: %+v, want %+v", c.name, res, c.want)
		}
	}
}

// Quotebank's files import as they ship — bzip2, the format told by the file's name or
// --format — and a stream cut short stops the import with an error, never a record read
// in part.
func TestImportCommandQuotebank(t *testing.T) {
	t.Parallel()
	bz, err := os.ReadFile("../../ingest/testdata/quotebank.jsonl.bz2")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	named := filepath.Join(dir, "quotes-2015.json.bz2") // Quotebank's own name: the format is known
	given := filepath.Join(dir, "corpus.bz2")
	cut := filepath.Join(dir, "quotes-2016.json.bz2")
	for f, b := range map[string][]byte{named: bz, given: bz, cut: bz[:len(bz)/2]} {
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		args []string
	}{{"by name", []string{named}}, {"by --format", []string{given, "--format", "quotebank"}}} {
		dbPath := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "")+".db")
		var res db.ImportResult
		out, err := verbatimCmd(append([]string{"import", "--db", dbPath, "--quiet"}, c.args...)...).Output()
		if jerr := json.Unmarshal(out, &res); err == nil || jerr != nil || res.Created != 4 || res.Updated != 2 || res.Rejected != 7 {
			t.Errorf("%s: %v %+v\n%s", c.name, err, res, out) // rejected lines make the exit status 1
		}
	}
	out, err := verbatimCmd("import", cut, "--db", filepath.Join(dir, "cut.db"), "--quiet").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "import stopped") {
		t.Errorf("a truncated bzip2 stream: %v\n%s", err, out)
	}
}
