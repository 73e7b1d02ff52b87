// Package dbtest gives tests a fresh archive on the engine they run against — SQLite in
// the test's temporary directory by default, or a new database of the PostgreSQL server
// named by VERBATIM_TEST_POSTGRES when VERBATIM_TEST_ENGINE=postgres — opened the way the
// program opens one (db/engines). The suite every engine passes is db/conformance.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/postgres"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// Engine is the engine tests run on: "postgres" when VERBATIM_TEST_ENGINE says so, else
// "sqlite".
func Engine() string {
	if os.Getenv("VERBATIM_TEST_ENGINE") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// Operator is the context of what a test does to an archive directly, as the operator
// at the machine does (the command line's db.System): the core refuses a context that
// names no actor.
var Operator = db.WithActor(context.Background(), db.System)

// Open returns a fresh, empty archive on the test engine, closed when the test ends.
func Open(t testing.TB) *db.DB {
	t.Helper()
	return OpenWith(t, db.Options{})
}

// OpenWith is Open with options.
func OpenWith(t testing.TB, opt db.Options) *db.DB {
	t.Helper()
	return OpenDSN(t, DSN(t), opt)
}

// DSN returns the address of a new, empty database on the test engine: a file in the
// test's directory, or a database made for the test on the PostgreSQL server.
func DSN(t testing.TB) string {
	t.Helper()
	if Engine() == "postgres" {
		return PostgresDSN(t)
	}
	return filepath.Join(t.TempDir(), "verbatim.db")
}

// OpenDSN opens the archive at dsn (a path or a postgres:// URL), closed when the test
// ends: a second call with the same dsn is another handle on the same database.
func OpenDSN(t testing.TB, dsn string, opt db.Options) *db.DB {
	t.Helper()
	d, err := engines.Open(context.Background(), dsn, engines.Options{Options: opt})
	if err != nil {
		t.Fatalf("open the test database: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close the test database: %v", err)
		}
	})
	return d
}

// Again opens another handle on d's database, closed when the test ends: another
// process, as far as d can tell.
func Again(t testing.TB, d *db.DB) *db.DB {
	t.Helper()
	switch e := d.Engine().(type) {
	case *sqlite.Engine:
		return OpenDSN(t, e.Path(), db.Options{})
	case *postgres.Engine:
		return OpenDSN(t, e.Pool().Config().ConnString(), db.Options{})
	}
	t.Fatalf("dbtest: no second handle on the %s engine", d.Engine().Name())
	return nil
}

// PostgresDSN returns the address of a new, empty database on the PostgreSQL server
// VERBATIM_TEST_POSTGRES names (a postgres:// URL of a role that may create databases),
// dropped when the test ends. Without the variable the test is skipped, with a message
// that says how to run it; under CI (CI=true) it fails instead: CI must run PostgreSQL.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("VERBATIM_TEST_POSTGRES")
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("VERBATIM_TEST_POSTGRES is not set: CI must run the PostgreSQL tests (see .ci/postgres)")
		}
		t.Skip("PostgreSQL tests need VERBATIM_TEST_POSTGRES=postgres://…: eval \"$(.ci/postgres start)\" starts a throwaway server")
	}
	ctx := context.Background()
	tmpl, err := template(ctx, admin)
	if err != nil {
		t.Fatalf("the PostgreSQL test template: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "verbatim_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to VERBATIM_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE `+tmpl); err != nil {
		t.Fatalf("create the test database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop the test database: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop the test database: %v", err)
		}
	})
	// A database made with CREATE DATABASE, not copied, has a cursor key of its own; so
	// does each test's.
	dsn := withDatabase(admin, name)
	own, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer own.Close(ctx)
	var key [32]byte
	_, _ = rand.Read(key[:])
	if _, err := own.Exec(ctx, `UPDATE secrets SET value = $1 WHERE name = 'cursor'`, key[:]); err != nil {
		t.Fatalf("key the test database: %v", err)
	}
	return dsn
}

// withDatabase is dsn naming another database.
func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// template makes, once per test process, a migrated database to copy test databases
// from: CREATE DATABASE … TEMPLATE copies files, where migrating each test's database
// would run the whole schema again. The template's name carries the schema's fingerprint,
// so a template of another schema is never used; processes making it at once take turns.
func template(ctx context.Context, admin string) (string, error) {
	templateOnce.Do(func() {
		templateName = "verbatim_template_" + postgres.SchemaFingerprint()
		templateErr = func() error {
			conn, err := pgx.Connect(ctx, admin)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7461)`); err != nil {
				return err
			}
			defer conn.Exec(ctx, `SELECT pg_advisory_unlock(7461)`)
			var ready bool
			if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`,
				templateName).Scan(&ready); err != nil || ready {
				return err
			}
			if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+templateName+` WITH (FORCE)`); err != nil {
				return err
			}
			if _, err := conn.Exec(ctx, `CREATE DATABASE `+templateName); err != nil {
				return err
			}
			e, err := postgres.Open(ctx, postgres.Options{DSN: withDatabase(admin, templateName)})
			if err != nil {
				return err
			}
			e.Close()
			_, err = conn.Exec(ctx, `ALTER DATABASE `+templateName+` WITH is_template true`)
			return err
		}()
	})
	return templateName, templateErr
}

// Dump returns everything the archive's database holds, as the engine keeps it: for
// SQLite the bytes of its files, for PostgreSQL every row of every table as text. Tests
// look in it for what must never be stored.
func Dump(t testing.TB, d *db.DB) []byte {
	t.Helper()
	switch e := d.Engine().(type) {
	case *sqlite.Engine:
		var out []byte
		for _, name := range []string{e.Path(), e.Path() + "-wal"} {
			b, err := os.ReadFile(name)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		return out
	case *postgres.Engine:
		ctx := context.Background()
		rows, err := e.Pool().Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
		if err != nil {
			t.Fatal(err)
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, table := range tables {
			rows, err := e.Pool().Query(ctx, `SELECT t::text FROM `+pgx.Identifier{table}.Sanitize()+` t`)
			if err != nil {
				t.Fatal(err)
			}
			texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.Join(texts, "\n")...)
		}
		return out
	}
	t.Fatalf("dbtest: no dump for the %s engine", d.Engine().Name())
	return nil
}

// GrainRecords are n import records keyed prefix0…, by nine speakers, tagged "grain": a
// load's worth for the engines' load tests.
func GrainRecords(prefix string, n int) []db.ImportRecord {
	var out []db.ImportRecord
	for i := range n {
		name := fmt.Sprint("Speaker ", i%9)
		out = append(out, db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprint(prefix, i),
			Quote: db.QuoteInput{Text: fmt.Sprintf("grain number %d is off the table", i), SpeakerName: &name, Tags: []string{"grain"}}})
	}
	return out
}
