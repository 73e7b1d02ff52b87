// Package dbtest gives tests a fresh archive on the engine they run against: SQLite in
// the test's temporary directory by default, or a new database of the PostgreSQL server
// named by VERBATIM_TEST_POSTGRES when VERBATIM_TEST_ENGINE=postgres.
package dbtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// Open returns a fresh, empty archive, closed when the test ends.
func Open(t testing.TB) *db.DB {
	t.Helper()
	return OpenWith(t, db.Options{})
}

// OpenWith is Open with options.
func OpenWith(t testing.TB, opt db.Options) *db.DB {
	t.Helper()
	d, err := sqlite.OpenDB(context.Background(), filepath.Join(t.TempDir(), "verbatim.db"), opt)
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
	}
	t.Fatalf("dbtest: no dump for the %s engine", d.Engine().Name())
	return nil
}
