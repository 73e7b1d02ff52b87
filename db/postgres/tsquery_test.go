package postgres_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/postgres"
	"github.com/verbatimhq/verbatim/search"
)

// Whatever a researcher types that the query language accepts is a valid tsquery, and
// whatever text a quote holds is a valid tsvector: the escaping is PostgreSQL's to judge,
// so it judges thousands of hostile strings here.
func TestQueriesAndVectorsPostgresAccepts(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	conn, err := pgx.Connect(ctx, dbtest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pieces := []string{"nato", "NATO", "'", "''", `\`, `\\`, `"`, "“", "”", "*", "-", "OR", "or", "&", "|", "!", "<->", ":", ":*",
		"(", ")", "é", "e\u0301", "\u0301", "ß", "東京", "🤷", "x²", "½", "ﬁ", "\u200b", " ", "  ", "\t", "a", "1", "::", "'a'",
		"<", ">", "@@", "NEAR(", "$1", "%", ";", "--", "/*", "\u00a0", "İ", "ǅ", "\ufeff", "Ω", "ℌ"}
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		s := b.String()
		if q, err := search.Parse(s); err == nil {
			for _, ts := range []string{q.TSQuery(), q.LooseTSQuery()} {
				if _, err := conn.Exec(ctx, `SELECT $1::tsquery`, ts); err != nil {
					t.Fatalf("query %q as %q: %v", s, ts, err)
				}
			}
			checked++
		}
		if _, err := conn.Exec(ctx, `SELECT $1::tsvector`, postgres.Vector(s, s, s)); err != nil {
			t.Fatalf("vector of %q: %v", s, err)
		}
	}
	if checked < 1000 {
		t.Errorf("only %d queries parsed; the generator should make more", checked)
	}
	// A text of one word repeated past the position limits, and a word too long to index.
	long := strings.Repeat("grain ", 20000) + strings.Repeat("x", 3000)
	if _, err := conn.Exec(ctx, `SELECT $1::tsvector`, postgres.Vector(long, "", "")); err != nil {
		t.Fatalf("a text past the limits: %v", err)
	}
}
