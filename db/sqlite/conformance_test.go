package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/conformance"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// open opens an archive file, closed when the test ends. (The SQLite engine's own tests
// link no other engine, so they do not use dbtest.)
func open(t testing.TB, path string, opt db.Options) *db.DB {
	t.Helper()
	d, err := sqlite.OpenDB(context.Background(), path, opt)
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

func TestConformance(t *testing.T) {
	t.Parallel()
	conformance.Run(t, conformance.Harness{
		Open: func(t testing.TB, opt db.Options) *db.DB {
			return open(t, filepath.Join(t.TempDir(), "verbatim.db"), opt)
		},
		Again: func(t testing.TB, d *db.DB) *db.DB {
			return open(t, d.Engine().(*sqlite.Engine).Path(), db.Options{})
		},
	})
}

func BenchmarkImport(b *testing.B) {
	conformance.BenchImport(b, open(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}))
}

func BenchmarkQuoteByID(b *testing.B) {
	conformance.BenchQuoteByID(b, open(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}))
}

func BenchmarkDuplicates(b *testing.B) {
	conformance.BenchDuplicates(b, open(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}), 100000)
}
