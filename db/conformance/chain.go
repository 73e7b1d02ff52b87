package conformance

import (
	"errors"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// Recorded words the archive holds already become an appearance on every way in — a
// create, an import, an extraction saved — uncertain ones a new quote with a suggested
// link; confirming the link merges the quotes (the merged ID moves), an admin's undo
// brings the quote back, and a re-import of a linked record changes nothing.
func testLinking(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	const words = "We will not give up Crimea, and we have told them so, again and again"
	fox := mustQuote(t, d, db.QuoteInput{Text: words, SpeakerName: str("Volodymyr Zelensky"), SaidOn: str("2025-04-22"),
		OutletName: str("Fox News")})
	// A create: the same words, typography aside.
	again, err := d.CreateQuote(bg, db.QuoteInput{Text: "We will not give up Crimea — and we have told them so, again and again.",
		SpeakerName: str("volodymyr zelensky"), OutletName: str("Kyiv Post"), SaidOn: str("2025-04-23")})
	if err != nil || again.ID != fox.ID || again.Link == nil || again.Link.Outcome != "appearance" ||
		again.Link.Appearance.Drift.Class != "typographic" {
		t.Fatalf("a create of known words: %+v %v", again, err)
	}
	// An import: linked, then unchanged when run again.
	rec := db.ImportRecord{Line: 1, ExternalID: "wsj-1", Quote: db.QuoteInput{Text: "We will not give up Crimea, and we have told them so, again",
		SpeakerName: str("Volodymyr Zelensky"), OutletName: str("The Wall Street Journal")}}
	for pass, want := range []db.ImportResult{{Linked: 1}, {Unchanged: 1}} {
		res, err := d.Import(bg, []db.ImportRecord{rec})
		if err != nil || res.Linked != want.Linked || res.Unchanged != want.Unchanged || res.Created != 0 {
			t.Errorf("import pass %d: %+v %v", pass+1, res, err)
		}
	}
	// An extraction saved: the article's words are the stored quote's.
	article := db.Article{Text: `"We will not give up Crimea, and we have told them so, again and again," said Volodymyr Zelensky.`,
		OutletName: str("Reuters")}
	cands, err := d.Propose(bg, article)
	if err != nil || len(cands) == 0 {
		t.Fatalf("propose: %v %v", cands, err)
	}
	ids, err := d.SaveExtracted(bg, article, []db.Pick{db.PickOf(cands[0], article)})
	if err != nil || len(ids) != 1 || ids[0] != fox.ID {
		t.Errorf("an extraction saved: %v %v, want it on %s", ids, err, fox.ID)
	}
	q, _ := d.Quote(bg, fox.ID)
	if q.AppearanceCounts.Confirmed != 3 || q.AppearanceCounts.Drifted != 0 || q.FirstSeen == nil || *q.FirstSeen != "2025-04-22" {
		t.Errorf("the chain: %+v first seen %v", q.AppearanceCounts, q.FirstSeen)
	}
	// Another speaker's copy: suggested; confirmed, it folds in and its ID moves.
	other, err := d.CreateQuote(bg, db.QuoteInput{Text: words, SpeakerName: str("A Spokesman")})
	if err != nil || other.Link == nil || other.Link.Outcome != "suggested" {
		t.Fatalf("another speaker's copy: %+v %v", other, err)
	}
	if _, err := d.ConfirmAppearance(bg, fox.ID, other.Link.Appearance.ID, nil, db.AppearanceReview{}); err != nil {
		t.Fatal(err)
	}
	var e *db.Error
	if _, err := d.Quote(bg, other.ID); !errors.As(err, &e) || e.Code != db.Moved || e.To != fox.ID {
		t.Errorf("the merged quote: %v", err)
	}
	if _, err := d.ConfirmAppearance(bg, fox.ID, other.Link.Appearance.ID, nil, db.AppearanceReview{}); !errors.As(err, &e) || e.Code != db.Conflict {
		t.Errorf("a second confirm: %v", err)
	}
	merges, err := d.ListMerges(bg, db.MergeFilter{ID: &other.ID})
	if err != nil || len(merges.Data) != 1 {
		t.Fatalf("the merge: %+v %v", merges, err)
	}
	if _, err := d.UndoMerge(bg, merges.Data[0].ID); err != nil {
		t.Fatal(err)
	}
	if back, err := d.Quote(bg, other.ID); err != nil || back.Text != words || back.Speaker.ID != other.Speaker.ID {
		t.Errorf("after the undo: %+v %v", back, err)
	}
}
