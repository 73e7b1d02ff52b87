package db

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
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
