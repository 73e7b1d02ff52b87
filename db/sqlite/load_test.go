package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// indexes lists the archive's indexes as the file holds them, opening no engine.
func indexes(t *testing.T, path string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// reopen opens the archive as a process would, and closes it.
func reopen(t *testing.T, path string) {
	t.Helper()
	e, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
}

// A load into an empty archive builds its secondary indexes once, at its end; a load cut
// short has them built by the next process that opens the archive, and verify says so
// meanwhile; a load into an archive with quotes changes no index.
func TestLoadDefersIndexes(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	path := filepath.Join(t.TempDir(), "v.db")
	reopen(t, path)
	all := indexes(t, path)
	if !slices.Contains(all, "quotes_speaker") || !slices.Contains(all, "audit_log_resource") {
		t.Fatalf("indexes before the load: %v", all)
	}
	d, err := sqlite.OpenDB(ctx, path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	finish, err := d.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if during := indexes(t, path); slices.Contains(during, "quotes_speaker") || slices.Contains(during, "audit_log_resource") ||
		!slices.Contains(during, "speakers_name_key") {
		t.Fatalf("indexes during the load: %v", during)
	}
	if res, err := d.Import(ctx, dbtest.GrainRecords("a-", 300)); err != nil || res.Created != 300 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if rep, err := sqlite.Verify(ctx, path); err != nil || rep.OK() {
		t.Errorf("verify in the middle of a load should say the indexes are not built: %+v %v", rep, err)
	}
	if err := finish(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := sqlite.Verify(ctx, path); err != nil || !rep.OK() {
		t.Errorf("verify after the load: %+v %v", rep, err)
	}
	q := "grain"
	if p, err := d.ListQuotes(ctx, db.QuoteFilter{Q: &q, Facets: []string{"tag"}, Speaker: str("Speaker 3")}); err != nil || len(p.Data) != 20 {
		t.Errorf("search after the load: %d %v", len(p.Data), err)
	}
	// Into an archive with quotes, nothing is deferred.
	again, err := d.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := indexes(t, path); !slices.Equal(got, all) {
		t.Errorf("a load into a full archive dropped indexes: %v", got)
	}
	if err := again(ctx); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if got := indexes(t, path); !slices.Equal(got, all) {
		t.Fatalf("indexes after the load: %v, want %v", got, all)
	}

	// Cut short: the archive is closed with the load's indexes unbuilt; the next open
	// builds them.
	cut := filepath.Join(t.TempDir(), "cut.db")
	d2, err := sqlite.OpenDB(ctx, cut, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d2.BeginLoad(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d2.Import(ctx, dbtest.GrainRecords("b-", 50)); err != nil {
		t.Fatal(err)
	}
	d2.Close() // never finished
	if rep, err := sqlite.Verify(ctx, cut); err != nil || rep.OK() {
		t.Errorf("verify of a cut-short load: %+v %v", rep, err)
	}
	reopen(t, cut) // the open builds them
	if got := indexes(t, cut); !slices.Equal(got, all) {
		t.Fatalf("indexes after reopening a cut-short load: %v, want %v", got, all)
	}
	if rep, err := sqlite.Verify(ctx, cut); err != nil || !rep.OK() {
		t.Errorf("verify after the reopen: %+v %v", rep, err)
	}
}

func str(s string) *string { return &s }
