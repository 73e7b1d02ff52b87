package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/search"
	"github.com/verbatimhq/verbatim/similar"
)

// openInternal opens an archive over an engine this package's tests can look into.
func openInternal(t *testing.T) (*db.DB, *Engine) {
	t.Helper()
	ctx := db.WithActor(context.Background(), db.System)
	e, err := Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.New(ctx, e, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return d, e
}

// openHandle opens a handle on the archive at path, as a process of its own would: two
// of them on one file are two writers.
func openHandle(t *testing.T, path string) (*db.DB, *Engine) {
	t.Helper()
	ctx := db.WithActor(context.Background(), db.System)
	e, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.New(ctx, e, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, e
}

func TestOpenMigratesAndSetsPragmas(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	_, e := openInternal(t)
	v, err := e.SchemaVersion(ctx)
	if err != nil || v != LatestSchemaVersion() || v < 1 {
		t.Fatalf("schema version %d (%v), want %d", v, err, LatestSchemaVersion())
	}
	var mode string
	var fk int
	if err := e.reader.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v), want wal", mode, err)
	}
	if err := e.reader.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d (%v), want 1", fk, err)
	}
	// Readers cannot write, whatever a bug might ask of them.
	if _, err := e.reader.ExecContext(ctx, "DELETE FROM quotes"); err == nil {
		t.Error("a reader connection could write")
	}
}

// A database migrated by a newer binary must be refused, not half-understood.
func TestOpenRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	path := filepath.Join(t.TempDir(), "future.db")
	e, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", LatestSchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	e.Close()
	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer verbatim") {
		t.Fatalf("Open of a newer database: %v, want a refusal naming the cause", err)
	}
}

// The memory-statistics mutex serialises readers; it must be off before any connection.
func TestMemstatusDisabled(t *testing.T) {
	if !memstatusDisabled {
		t.Fatal("sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) failed: SQLite initialised before package sqlite")
	}
}

// The audit trail is append-only, whatever SQL is sent to it.
func TestAuditLogAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	d, e := openInternal(t)
	if _, err := d.CreateSpeaker(ctx, db.SpeakerInput{Name: "S"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`} {
		if _, err := e.writer.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
}

// A bulk batch indexes its quotes for search in one statement with the row trigger
// standing aside; afterwards no flag row is left, every quote has its variant bands and
// its audit entry, and the index passes its own check.
func TestBulkBatchLeavesTheTriggerOn(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	d, e := openInternal(t)
	var batch []db.ImportRecord
	for i := range 120 {
		name := fmt.Sprint("Speaker ", i%7)
		batch = append(batch, db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("k", i), Quote: db.QuoteInput{
			Text: fmt.Sprintf("Sanctions on grain number %d are not on the table", i), SpeakerName: &name}})
	}
	if res, err := d.Import(ctx, batch); err != nil || res.Created != 120 {
		t.Fatalf("import: %+v %v", res, err)
	}
	name := "Speaker 2"
	if _, err := d.CreateQuote(ctx, db.QuoteInput{Text: "Afterwards sanctions", SpeakerName: &name}); err != nil {
		t.Fatal(err)
	}
	var flags, bandless, audited, indexed int
	for _, c := range []struct {
		n    *int
		stmt string
		want int
	}{
		{&flags, `SELECT count(*) FROM fts_deferred`, 0},
		{&bandless, `SELECT count(*) FROM quotes WHERE seq NOT IN (SELECT quote_seq FROM quote_bands)`, 0},
		{&audited, `SELECT count(*) FROM audit_log WHERE action = 'create' AND resource = 'quote'`, 121},
		{&indexed, `SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'afterwards'`, 1},
	} {
		if err := e.reader.QueryRowContext(ctx, c.stmt).Scan(c.n); err != nil || *c.n != c.want {
			t.Errorf("%s: %d (%v), want %d", c.stmt, *c.n, err, c.want)
		}
	}
	if rep, err := e.Verify(ctx); err != nil || !rep.OK() || rep.Quotes != 121 {
		t.Errorf("verify: %+v (%v)", rep, err)
	}
}

// quote_bands has no index by quote: a quote's bands are found again from its text. They
// must follow every edit of the text and leave with the quote, or a later quote given the
// same seq would inherit them.
func TestBandsFollowTheText(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	d, e := openInternal(t)
	name := "Keith Kellogg"
	bands := func(seq int64) map[int64]bool {
		t.Helper()
		rows, err := e.reader.QueryContext(ctx, `SELECT key FROM quote_bands WHERE quote_seq = ?`, seq)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]bool{}
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			out[k] = true
		}
		return out
	}
	want := func(text string) map[int64]bool {
		out := map[int64]bool{}
		for _, k := range similar.BandKeys(similar.Features(text)) {
			out[k] = true
		}
		return out
	}
	same := func(a, b map[int64]bool) bool {
		if len(a) != len(b) {
			return false
		}
		for k := range a {
			if !b[k] {
				return false
			}
		}
		return true
	}
	q, err := d.CreateQuote(ctx, db.QuoteInput{Text: "NATO isn't on the table for Ukraine", SpeakerName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if got := bands(q.Seq); len(got) == 0 || !same(got, want(q.Text)) {
		t.Fatalf("after create: %d bands", len(got))
	}
	edited := "Membership of the alliance is off the agenda entirely"
	if _, err := d.UpdateQuote(ctx, q.ID, nil, db.QuotePatch{Text: db.Field[string]{Set: true, Value: edited}}); err != nil {
		t.Fatal(err)
	}
	if got := bands(q.Seq); !same(got, want(edited)) {
		t.Errorf("after editing the text: %d bands, want exactly the new text's %d", len(got), len(want(edited)))
	}
	if err := d.DeleteQuote(ctx, q.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got := bands(q.Seq); len(got) != 0 {
		t.Errorf("after delete: %d bands left", len(got))
	}
}

// A hit's snippet is made in Go (search.Query.Snippet) instead of by FTS5's snippet(),
// one statement a hit. It must read the same: same window, same marks, for the words
// that fold alike on both sides — across case, accents, typographic apostrophes,
// phrases, prefixes, OR, exclusions, sentences and texts longer than the window.
func TestSnippetMatchesFTS5(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	d, e := openInternal(t)
	words := []string{"nato", "NATO", "Nato", "table", "Table", "on", "the", "The", "isn’t", "isn't", "señor", "Señor",
		"senor", "peace", "plan", "Zelenskyy’s", "Zelenskyy", "e\u0301te\u0301", "x²", "2025", "U.S.", "—", "…", "«", "»",
		"&", "<b>", "durable", "durability", "talks", "Kyiv", "\"on", "table\""}
	seps := []string{" ", " ", " ", " ", ", ", ". ", ": ", " — ", "\n", ".\n"}
	rng := rand.New(rand.NewPCG(4, 2))
	name := "S"
	for range 300 {
		var b strings.Builder
		for i := range 1 + rng.IntN(90) {
			if i > 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		if _, err := d.CreateQuote(ctx, db.QuoteInput{Text: b.String(), SpeakerName: &name}); err != nil {
			t.Fatal(err)
		}
	}
	// The index holds the texts folded (verbatim_index), and FTS5's snippet() shows what
	// it holds; the reference is FTS5 over the texts as written, as the index was before.
	ref, err := sql.Open(DriverName, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	ref.SetMaxOpenConns(1)
	if _, err := ref.Exec(`CREATE VIRTUAL TABLE ref USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')`); err != nil {
		t.Fatal(err)
	}
	texts, err := e.reader.QueryContext(ctx, `SELECT seq, text FROM quotes`)
	if err != nil {
		t.Fatal(err)
	}
	for texts.Next() {
		var seq int64
		var text string
		if err := texts.Scan(&seq, &text); err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Exec(`INSERT INTO ref (rowid, text) VALUES (?, ?)`, seq, text); err != nil {
			t.Fatal(err)
		}
	}
	texts.Close()
	queries := []string{`nato`, `table`, `"on the table"`, `nat*`, `ta*`, `isn't`, `senor`, `peace OR plan`, `nato -peace`,
		`"peace plan"*`, `the table`, `zelenskyy`, `ete`, `x²`, `2025`, `u s`, `durab*`, `"nato table" OR kyiv`, `the the`,
		`talks kyiv nato`}
	const snippetWords = 40 // as db's search hits
	fts5 := strings.NewReplacer("\x01", "<mark>", "\x02", "</mark>")
	compared := 0
	for _, raw := range queries {
		query, err := search.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := ref.QueryContext(ctx, `SELECT text, snippet(ref, 0, char(1), char(2), '…', ?)
			FROM ref WHERE ref MATCH ?`, snippetWords, query.FTS())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var text, snip string
			if err := rows.Scan(&text, &snip); err != nil {
				t.Fatal(err)
			}
			want := fts5.Replace(html.EscapeString(snip))
			if got := query.Snippet(text, snippetWords); got != want {
				t.Errorf("q=%s text %q:\n got %s\nwant %s", raw, text, got, want)
			}
			compared++
		}
		rows.Close()
	}
	if compared < 1000 {
		t.Errorf("only %d snippets compared; the generator should make more matches", compared)
	}
}

// A first open cut short between two migrations leaves a sound file without all its
// tables: verify says how far it got, and the next open migrates the rest.
func TestVerifyHalfMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "half.db")
	writer, err := sql.Open(DriverName, sqliteURI(path, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	writer.SetMaxOpenConns(1)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{path: path, writer: writer}
	if err := e.applyMigration(ctx, ms[0]); err != nil {
		t.Fatal(err)
	}
	writer.Close()
	rep, err := Verify(ctx, path)
	if err != nil || rep.OK() || rep.Integrity != fmt.Sprintf("migrated to 1 of %d: the next open migrates the rest", LatestSchemaVersion()) {
		t.Fatalf("verify of a file migrated to 1: %+v %v", rep, err)
	}
	full, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	full.Close()
	if rep, err := Verify(ctx, path); err != nil || !rep.OK() {
		t.Errorf("verify once opened: %+v %v", rep, err)
	}
}
