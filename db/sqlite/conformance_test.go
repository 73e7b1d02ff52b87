package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	dbtest.Conformance(t, dbtest.Harness{
		Open: func(t testing.TB, opt db.Options) *db.DB {
			return dbtest.OpenDSN(t, filepath.Join(t.TempDir(), "verbatim.db"), opt)
		},
		Again: dbtest.Again,
	})
}

func BenchmarkImport(b *testing.B) {
	dbtest.BenchImport(b, dbtest.OpenDSN(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}))
}

func BenchmarkQuoteByID(b *testing.B) {
	dbtest.BenchQuoteByID(b, dbtest.OpenDSN(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}))
}
