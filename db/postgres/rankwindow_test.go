package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
)

// PostgreSQL finds the rank window from a probe of the newest quotes and a range it
// widens when the probe misjudged how common the words are; whatever path it takes, it
// must rank the same quotes SQLite ranks: the newest window+1 holding the words. Here on
// an archive larger than the probe, with words common among the newest quotes and rare
// further back (the probe overestimates how common, and the range must widen: "burst"),
// words rare throughout, words in most quotes, phrases and exclusions.
func TestRankWindowMatchesSQLite(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	opt := db.Options{RankWindow: 60}
	pg := dbtest.OpenDSN(t, dbtest.PostgresDSN(t), opt)
	lite := dbtest.OpenDSN(t, filepath.Join(t.TempDir(), "v.db"), opt)
	rng := rand.New(rand.NewPCG(5, 5))
	var batch []db.ImportRecord
	const n = 3000
	for i := range n {
		words := []string{"words"}
		if rng.IntN(100) < 70 {
			words = append(words, "common")
		}
		if i > n-800 && rng.IntN(100) < 30 || rng.IntN(100) < 2 { // dense lately, sparse before
			words = append(words, "topical")
		}
		if rng.IntN(200) == 0 {
			words = append(words, "rare")
		}
		if i >= n-50 || rng.IntN(200) == 0 { // in every one of the newest, hardly any before
			words = append(words, "burst")
		}
		if rng.IntN(100) < 10 {
			words = append(words, "on", "the", "table")
		} else if rng.IntN(100) < 10 {
			words = append(words, "table", "the", "on")
		}
		rng.Shuffle(len(words), func(a, b int) { words[a], words[b] = words[b], words[a] })
		name := fmt.Sprint("Speaker ", i%17)
		batch = append(batch, db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("w", i),
			Quote: db.QuoteInput{Text: fmt.Sprint(i, words), SpeakerName: &name}})
	}
	for _, d := range []*db.DB{pg, lite} {
		for start := 0; start < n; start += 1000 {
			if _, err := d.Import(ctx, batch[start:start+1000]); err != nil {
				t.Fatal(err)
			}
		}
	}
	ranked := func(d *db.DB, q string) []string {
		t.Helper()
		var texts []string
		f := db.QuoteFilter{Q: &q, Limit: 17}
		for {
			p, err := d.ListQuotes(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range p.Data {
				texts = append(texts, x.Text)
			}
			if p.NextCursor == nil {
				break
			}
			f.Cursor = p.NextCursor
		}
		slices.Sort(texts)
		return texts
	}
	for _, q := range []string{"burst", "topical", "common", "rare", "words", `"on the table"`, "common -topical", "topical OR rare"} {
		a, b := ranked(pg, q), ranked(lite, q)
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("q=%s: PostgreSQL ranked %d quotes, SQLite %d, or others", q, len(a), len(b))
		}
	}
}
