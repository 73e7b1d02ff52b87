package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

func TestBandFilterNeverSaysNo(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	f := &bandFilter{}
	f.bits, f.room = make([]uint64, 1<<14), 100_000 // 10 bits a key
	held := make([]int64, 100_000)
	for i := range held {
		held[i] = rng.Int64()
		f.add(held[i])
	}
	for _, k := range held {
		if !f.has(k) {
			t.Fatalf("key %d was added and the filter says it is not held", k)
		}
	}
	wrong := 0
	for range 100_000 {
		if f.has(rng.Int64()) {
			wrong++
		}
	}
	// 10 bits and 5 hashes a key: about 1% wrongly held.
	if rate := float64(wrong) / 100_000; rate > 0.02 {
		t.Errorf("%.3f of keys never added are said to be held, want about 0.01", rate)
	}
}

// Two handles on one archive are two writers as two processes are: each one's filter
// must see the other's quotes, or a bulk import would make a second quote of words the
// archive holds.
func TestBandFilterFollowsOtherWriters(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	path := filepath.Join(t.TempDir(), "two.db")
	a, ea := openHandle(t, path)
	b, _ := openHandle(t, path)
	speaker := "Kaja Kallas"
	words := func(n int) string {
		ws := make([]string, 16)
		for i := range ws {
			ws[i] = fmt.Sprintf("w%dx%d", n, i)
		}
		return strings.Join(ws, " ")
	}
	line := 0
	load := func(d *db.DB, texts ...string) db.ImportResult {
		t.Helper()
		var recs []db.ImportRecord
		for _, text := range texts {
			line++
			recs = append(recs, db.ImportRecord{Line: line, ExternalID: fmt.Sprint("r", line),
				Quote: db.QuoteInput{Text: text, SpeakerName: &speaker}})
		}
		res, err := d.Import(ctx, recs)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var first []string
	for i := range 20 {
		first = append(first, words(i))
	}
	if res := load(a, first...); res.Created != 20 || res.Linked != 0 {
		t.Fatalf("first import: %+v", res)
	}
	if ea.bands.bits == nil {
		t.Fatal("an import into an empty archive left no band filter: the test tests nothing")
	}
	// The filter answers for what this writer wrote...
	if res := load(a, words(3), words(100)); res.Linked != 1 || res.Created != 1 {
		t.Fatalf("words a's own import stored: %+v, want one linked, one created", res)
	}
	// ... and for what another wrote since, which it never saw.
	if res := load(b, words(200)); res.Created != 1 {
		t.Fatalf("b's import: %+v", res)
	}
	if res := load(a, words(200)); res.Linked != 1 || res.Created != 0 {
		t.Fatalf("words b stored, imported through a: %+v, want them linked", res)
	}
	if res := load(b, words(100)); res.Linked != 1 || res.Created != 0 {
		t.Fatalf("words a stored, imported through b: %+v, want them linked", res)
	}
}

// A band held by more quotes than a look-up keeps is read the same whether or not it is
// known hot yet: its newest holders, the others' all.
func TestBandHoldersOfHotBands(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	_, e := openInternal(t)
	const hotKey, coldKey, perBand = 7, 11, 32
	if _, err := e.writer.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
		INSERT INTO quote_bands (key, quote_seq) SELECT ?, i FROM n UNION ALL SELECT ?, i FROM n WHERE i <= 3`, hotKey, coldKey); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		var got map[int64][]int64
		if err := e.Write(ctx, func(tx db.Tx) error {
			var err error
			got, err = tx.BandHolders(ctx, []int64{hotKey, coldKey, 13}, perBand)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if h := got[hotKey]; len(h) != perBand || h[0] != 50 || h[perBand-1] != 50-perBand+1 {
			t.Errorf("round %d: the hot band's holders %v, want its newest %d", round, h, perBand)
		}
		if c := got[coldKey]; len(c) != 3 || c[0] != 3 {
			t.Errorf("round %d: the other band's holders %v, want all three, newest first", round, c)
		}
		if len(got) != 2 {
			t.Errorf("round %d: %d bands held, want 2", round, len(got))
		}
	}
	if !e.bands.hot[hotKey] || e.bands.hot[coldKey] {
		t.Errorf("known hot: %v, want the hot band alone", e.bands.hot)
	}
}
