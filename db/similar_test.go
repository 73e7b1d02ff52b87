package db

import (
	"context"
	"testing"

	"github.com/verbatimhq/verbatim/similar"
)

// quote_bands has no index by quote: a quote's bands are found again from its text. They
// must follow every edit of the text and leave with the quote, or a later quote given the
// same seq would inherit them.
func TestBandsFollowTheText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	name := "Keith Kellogg"
	bands := func(seq int64) map[int64]bool {
		t.Helper()
		rows, err := d.reader.QueryContext(ctx, `SELECT key FROM quote_bands WHERE quote_seq = ?`, seq)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]bool{}
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			out[k] = true
		}
		return out
	}
	want := func(text string) map[int64]bool {
		out := map[int64]bool{}
		for _, k := range similar.BandKeys(similar.Features(text)) {
			out[k] = true
		}
		return out
	}
	same := func(a, b map[int64]bool) bool {
		if len(a) != len(b) {
			return false
		}
		for k := range a {
			if !b[k] {
				return false
			}
		}
		return true
	}
	q, err := d.CreateQuote(ctx, QuoteInput{Text: "NATO isn't on the table for Ukraine", SpeakerName: &name})
	if err != nil {
		t.Fatal(err)
	}
	seq, err := quoteSeq(ctx, d.reader, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := bands(seq); len(got) == 0 || !same(got, want(q.Text)) {
		t.Fatalf("after create: %d bands", len(got))
	}
	edited := "Membership of the alliance is off the agenda entirely"
	if _, err := d.UpdateQuote(ctx, q.ID, nil, QuotePatch{Text: set(edited)}); err != nil {
		t.Fatal(err)
	}
	if got := bands(seq); !same(got, want(edited)) {
		t.Errorf("after editing the text: %d bands, want exactly the new text's %d", len(got), len(want(edited)))
	}
	if err := d.DeleteQuote(ctx, q.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got := bands(seq); len(got) != 0 {
		t.Errorf("after delete: %d bands left", len(got))
	}
}
