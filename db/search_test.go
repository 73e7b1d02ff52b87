package db

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/search"
)

// Beyond the rank window, relevance ranks the newest matches only, and every page of one
// search keeps to the same window even as matching quotes are added.
func TestRankWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	d.rankWindow = 10
	name := "S"
	var newest []string
	for i := range 40 {
		q, err := d.CreateQuote(ctx, QuoteInput{Text: fmt.Sprintf("common word %d", i), SpeakerName: &name})
		if err != nil {
			t.Fatal(err)
		}
		if i >= 29 { // the window's floor is the 11th newest: OFFSET 10 from the top
			newest = append(newest, q.ID)
		}
	}
	query := "common"
	seen := map[string]bool{}
	f := QuoteFilter{Q: &query, Limit: 4}
	for page := 0; ; page++ {
		p, err := d.ListQuotes(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range p.Data {
			if seen[q.ID] {
				t.Errorf("%s twice", q.ID)
			}
			seen[q.ID] = true
		}
		if _, err := d.CreateQuote(ctx, QuoteInput{Text: "common again", SpeakerName: &name}); err != nil {
			t.Fatal(err)
		}
		if p.NextCursor == nil {
			break
		}
		f.Cursor = p.NextCursor
	}
	if len(seen) != len(newest) {
		t.Errorf("ranked %d quotes, want the %d newest", len(seen), len(newest))
	}
	for _, id := range newest {
		if !seen[id] {
			t.Errorf("newest match %s not ranked", id)
		}
	}
	// A filter makes the result small enough to rank it all.
	f = QuoteFilter{Q: &query, Speaker: &name, Limit: 100}
	p, err := d.ListQuotes(ctx, f)
	c, _ := d.Counts(ctx)
	if err != nil || int64(len(p.Data)) != c.Quotes {
		t.Errorf("filtered relevance: %d quotes of %d, %v", len(p.Data), c.Quotes, err)
	}
}

// The window counts quotes holding every word of the query, so a phrase of common words
// ranks its matches among the newest quotes with those words, and pages through the same.
func TestRankWindowPhrase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	d.rankWindow = 10
	name := "S"
	want := map[string]bool{}
	for i := range 40 {
		text := fmt.Sprintf("table on the %d", i) // the words, not the phrase
		if i%3 == 0 {
			text = fmt.Sprintf("on the table %d", i)
		}
		q, err := d.CreateQuote(ctx, QuoteInput{Text: text, SpeakerName: &name})
		if err != nil {
			t.Fatal(err)
		}
		if i >= 29 && i%3 == 0 { // the 11 newest have the words; 30, 33, 36, 39 the phrase
			want[q.ID] = true
		}
	}
	query := `"on the table"`
	seen := map[string]bool{}
	f := QuoteFilter{Q: &query, Limit: 3}
	for {
		p, err := d.ListQuotes(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range p.Data {
			if !want[q.ID] || seen[q.ID] {
				t.Errorf("%s (%q) ranked: outside the window or twice", q.ID, q.Text)
			}
			seen[q.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		f.Cursor = p.NextCursor
	}
	if len(seen) != len(want) {
		t.Errorf("ranked %d phrase matches, want the %d in the window", len(seen), len(want))
	}
	// Every phrase match is still found by date.
	p, err := d.ListQuotes(ctx, QuoteFilter{Q: &query, Sort: "-said_on", Limit: 100})
	if err != nil || len(p.Data) != 14 {
		t.Errorf("by date: %d phrase matches, want 14 (%v)", len(p.Data), err)
	}
}

// A page's quotes are read in one statement and come back in the order asked for.
func TestQuotesBySeqKeepsOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	name := "S"
	var seqs []int64
	texts := map[int64]string{}
	for i := range 5 {
		q, err := d.CreateQuote(ctx, QuoteInput{Text: fmt.Sprintf("quote number %d", i), SpeakerName: &name})
		if err != nil {
			t.Fatal(err)
		}
		var seq int64
		if err := d.reader.QueryRowContext(ctx, `SELECT seq FROM quotes WHERE id = ?`, q.ID).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
		texts[seq] = q.Text
	}
	for _, order := range [][]int64{{}, {seqs[4], seqs[0], seqs[2]}, {seqs[1]}, {seqs[3], seqs[2], seqs[1], seqs[0], seqs[4]}} {
		err := d.read(ctx, func(tx *sql.Tx) error {
			got, err := quotesBySeq(ctx, tx, order)
			if err != nil {
				return err
			}
			if len(got) != len(order) {
				t.Fatalf("%d quotes for %d seqs", len(got), len(order))
			}
			for i, q := range got {
				if q.Text != texts[order[i]] {
					t.Errorf("position %d: %q, want %q", i, q.Text, texts[order[i]])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := d.read(ctx, func(tx *sql.Tx) error {
		_, err := quotesBySeq(ctx, tx, []int64{seqs[0], 1 << 40})
		return err
	})
	if err == nil {
		t.Error("a seq with no quote read without error")
	}
}

// A hit's snippet is made in Go (search.Query.Snippet) instead of by FTS5's snippet(),
// one statement a hit. It must read the same: same window, same marks, for the words
// that fold alike on both sides — across case, accents, typographic apostrophes,
// phrases, prefixes, OR, exclusions, sentences and texts longer than the window.
func TestSnippetMatchesFTS5(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	words := []string{"nato", "NATO", "Nato", "table", "Table", "on", "the", "The", "isn’t", "isn't", "señor", "Señor",
		"senor", "peace", "plan", "Zelenskyy’s", "Zelenskyy", "e\u0301te\u0301", "x²", "2025", "U.S.", "—", "…", "«", "»",
		"&", "<b>", "durable", "durability", "talks", "Kyiv", "\"on", "table\""}
	seps := []string{" ", " ", " ", " ", ", ", ". ", ": ", " — ", "\n", ".\n"}
	rng := rand.New(rand.NewPCG(4, 2))
	name := "S"
	for range 300 {
		var b strings.Builder
		for i := range 1 + rng.IntN(90) {
			if i > 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		if _, err := d.CreateQuote(ctx, QuoteInput{Text: b.String(), SpeakerName: &name}); err != nil {
			t.Fatal(err)
		}
	}
	queries := []string{`nato`, `table`, `"on the table"`, `nat*`, `ta*`, `isn't`, `senor`, `peace OR plan`, `nato -peace`,
		`"peace plan"*`, `the table`, `zelenskyy`, `ete`, `x²`, `2025`, `u s`, `durab*`, `"nato table" OR kyiv`, `the the`,
		`talks kyiv nato`}
	fts5 := strings.NewReplacer("\x01", "<mark>", "\x02", "</mark>")
	compared := 0
	for _, raw := range queries {
		query, err := search.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := d.reader.QueryContext(ctx, `SELECT q.text, snippet(quotes_fts, 0, char(1), char(2), '…', ?)
			FROM quotes_fts JOIN quotes q ON q.seq = quotes_fts.rowid WHERE quotes_fts MATCH ?`, snippetWords, query.FTS())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var text, snip string
			if err := rows.Scan(&text, &snip); err != nil {
				t.Fatal(err)
			}
			want := fts5.Replace(html.EscapeString(snip))
			if got := query.Snippet(text, snippetWords); got != want {
				t.Errorf("q=%s text %q:\n got %s\nwant %s", raw, text, got, want)
			}
			compared++
		}
		rows.Close()
	}
	if compared < 1000 {
		t.Errorf("only %d snippets compared; the generator should make more matches", compared)
	}
}
