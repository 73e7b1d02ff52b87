package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	dbtest.Conformance(t, dbtest.Harness{
		Open: func(t testing.TB, opt db.Options) *db.DB {
			return open(t, filepath.Join(t.TempDir(), "verbatim.db"), opt)
		},
		Again: func(t testing.TB, d *db.DB) *db.DB {
			return open(t, d.Engine().(*sqlite.Engine).Path(), db.Options{})
		},
	})
}

func open(t testing.TB, path string, opt db.Options) *db.DB {
	t.Helper()
	d, err := sqlite.OpenDB(context.Background(), path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return d
}

func BenchmarkImport(b *testing.B) {
	dbtest.BenchImport(b, open(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}))
}

func BenchmarkQuoteByID(b *testing.B) {
	dbtest.BenchQuoteByID(b, open(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}))
}
