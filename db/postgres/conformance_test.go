package postgres_test

import (
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/conformance"
	"github.com/verbatimhq/verbatim/db/dbtest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	conformance.Run(t, conformance.Harness{
		Open: func(t testing.TB, opt db.Options) *db.DB {
			return dbtest.OpenDSN(t, dbtest.PostgresDSN(t), opt)
		},
		Again: dbtest.Again,
	})
}

func BenchmarkImport(b *testing.B) {
	conformance.BenchImport(b, dbtest.OpenDSN(b, dbtest.PostgresDSN(b), db.Options{}))
}

func BenchmarkQuoteByID(b *testing.B) {
	conformance.BenchQuoteByID(b, dbtest.OpenDSN(b, dbtest.PostgresDSN(b), db.Options{}))
}
