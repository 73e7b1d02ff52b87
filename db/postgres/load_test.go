package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/postgres"
)

func indexes(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.Engine().(*postgres.Engine).Pool().Query(context.Background(),
		`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// A load into an empty archive builds its secondary indexes once, at its end; a load cut
// short has them built by the next process that opens the database; a load into an
// archive with quotes, or beside another load, changes no index.
func TestLoadDefersIndexes(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	dsn := dbtest.PostgresDSN(t)
	d := dbtest.OpenDSN(t, dsn, db.Options{})
	all := indexes(t, d)
	if !slices.Contains(all, "quotes_search") || !slices.Contains(all, "quote_bands_key") {
		t.Fatalf("indexes before the load: %v", all)
	}
	finish, err := d.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finished := false
	t.Cleanup(func() { // a failure must not leave the load holding the archive
		if !finished {
			finish(ctx)
		}
	})
	during := indexes(t, d)
	if slices.Contains(during, "quotes_search") || !slices.Contains(during, "quotes_external_id_key") {
		t.Fatalf("indexes during the load: %v", during)
	}
	// Another load meanwhile defers nothing and builds nothing.
	other, err := dbtest.Again(t, d).BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := other(ctx); err != nil || slices.Contains(indexes(t, d), "quotes_search") {
		t.Fatalf("a second load built the first one's indexes: %v", err)
	}
	if res, err := d.Import(ctx, dbtest.GrainRecords("a-", 300)); err != nil || res.Created != 300 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if rep, err := d.Verify(ctx); err != nil || rep.OK() {
		t.Errorf("verify in the middle of a load should say the indexes are not built: %+v %v", rep, err)
	}
	finished = true
	if err := finish(ctx); err != nil {
		t.Fatal(err)
	}
	if got := indexes(t, d); !slices.Equal(got, all) {
		t.Fatalf("indexes after the load: %v, want %v", got, all)
	}
	q := "grain"
	if p, err := d.ListQuotes(ctx, db.QuoteFilter{Q: &q, Facets: []string{"tag"}}); err != nil || len(p.Data) != 20 || p.Facets["tag"][0].Count != 300 {
		t.Fatalf("search after the load: %d %v", len(p.Data), err)
	}
	if rep, err := d.Verify(ctx); err != nil || !rep.OK() || rep.Quotes != 300 {
		t.Fatalf("verify after the load: %+v %v", rep, err)
	}
	// Into an archive with quotes a load defers nothing.
	finish, err = d.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := indexes(t, d); !slices.Equal(got, all) {
		t.Errorf("indexes during a load into a full archive: %v", got)
	}
	if err := finish(ctx); err != nil {
		t.Fatal(err)
	}

	// A load cut short: its process dies without finishing, taking its connection and
	// the load lock with it (here its server process is terminated; the handle is left
	// behind, as a killed process leaves its own), and the next process to open the
	// database builds the indexes.
	dsn2 := dbtest.PostgresDSN(t)
	cut, err := postgres.OpenDB(ctx, postgres.Options{DSN: dsn2}, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cut.BeginLoad(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cut.Import(ctx, dbtest.GrainRecords("b-", 50)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Engine().(*postgres.Engine).Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = $1)`,
		cut.Engine().(*postgres.Engine).Pool().Config().ConnConfig.Database); err != nil {
		t.Fatal(err)
	}
	for held := true; held; { // the server process ends a moment after the signal
		if err := d.Engine().(*postgres.Engine).Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
			AND database = (SELECT oid FROM pg_database WHERE datname = $1))`,
			cut.Engine().(*postgres.Engine).Pool().Config().ConnConfig.Database).Scan(&held); err != nil {
			t.Fatal(err)
		}
	}
	next := dbtest.OpenDSN(t, dsn2, db.Options{})
	if got := indexes(t, next); !slices.Equal(got, all) {
		t.Fatalf("indexes after the next open: %v, want %v", got, all)
	}
	if rep, err := next.Verify(ctx); err != nil || !rep.OK() || rep.Quotes != 50 {
		t.Fatalf("verify after the repair: %+v %v", rep, err)
	}
}
