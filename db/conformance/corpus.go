package conformance

import (
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// A corpus lists one quotation with every article that printed it, across files
// (Quotebank): its records name speakers by Wikidata QID or as unidentified sources, and a
// quotation read again adds only the appearances its quote lacks.
func testCorpusRecords(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	const words = "We are going to make America great again, and we are going to do it fast"
	url := func(s string) *string { return &s }
	appear := func(u string) db.AppearanceInput { return db.AppearanceInput{Words: words, URL: url(u)} }
	smith := mustQuote(t, d, db.QuoteInput{Text: "The cheapest energy is the energy we never use", SpeakerName: str("John Smith")})
	merkel, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Angela Merkel", WikidataQID: str("Q567")})
	if err != nil {
		t.Fatal(err)
	}
	recs := []db.ImportRecord{
		{Line: 1, ExternalID: "qb:1", Reappears: true, Quote: db.QuoteInput{Text: words, SpeakerName: str("Donald Trump"),
			SpeakerQID: str("Q22686")}, Appearances: []db.AppearanceInput{appear("https://a.example/1"), appear("https://b.example/1")}},
		{Line: 2, ExternalID: "qb:1", Reappears: true, Quote: db.QuoteInput{Text: words + "!", SpeakerName: str("Donald Trump"),
			SpeakerQID: str("Q22686")}, Appearances: []db.AppearanceInput{appear("https://b.example/1"), appear("https://c.example/1")}},
		{Line: 3, ExternalID: "qb:2", Reappears: true, Quote: db.QuoteInput{Text: "Nobody here wanted this to happen, not one of us",
			SpeakerName: str("an unidentified speaker"), SpeakerAnonymous: true}},
		{Line: 4, ExternalID: "qb:3", Reappears: true, Quote: db.QuoteInput{Text: "Another man of the same name says other things entirely",
			SpeakerName: str("Donald Trump"), SpeakerQID: str("Q99999")}},
		{Line: 5, ExternalID: "qb:4", Reappears: true, Quote: db.QuoteInput{Text: "Energy policy is jobs policy, and everyone knows it",
			SpeakerName: str("John Smith"), SpeakerQID: str("Q5")}},
		// A QID a speaker holds is that speaker, whatever name the corpus gives.
		{Line: 7, ExternalID: "qb:6", Reappears: true, Quote: db.QuoteInput{Text: "We will manage this, as we managed the rest before",
			SpeakerName: str("Merkel"), SpeakerQID: str("Q567")}},
		// A QID is beside a name, never instead of one.
		{Line: 6, ExternalID: "qb:5", Reappears: true, Quote: db.QuoteInput{Text: "A QID and no name to give", SpeakerQID: str("Q22686")}},
	}
	res, err := d.Import(bg, recs)
	if err != nil || res.Created != 5 || res.Updated != 1 || res.Rejected != 1 || res.Errors[0].Line != 6 || res.Errors[0].Field != "speaker_id" {
		t.Fatalf("the corpus: %+v %v", res, err)
	}
	list, err := d.ListQuotes(bg, db.QuoteFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*db.Quote{}
	for _, q := range list.Data {
		by[q.Text] = q
	}
	trump := by[words]
	if trump == nil || trump.AppearanceCounts.Confirmed != 3 {
		t.Fatalf("the quotation read twice: %+v (its words are the first record's; three URLs, one of them twice)", trump)
	}
	speaker := func(q *db.Quote) *db.Speaker {
		t.Helper()
		s, err := d.Speaker(bg, q.Speaker.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := speaker(trump); s.WikidataQID == nil || *s.WikidataQID != "Q22686" || s.Anonymous {
		t.Errorf("the speaker by QID: %+v", s)
	}
	if other := by["Another man of the same name says other things entirely"]; other == nil || other.Speaker.ID == trump.Speaker.ID {
		t.Errorf("another QID of the same name is another speaker: %+v", other)
	}
	if s := speaker(by["Nobody here wanted this to happen, not one of us"]); !s.Anonymous || s.WikidataQID != nil {
		t.Errorf(`Quotebank's "None": %+v`, s)
	}
	if q := by["Energy policy is jobs policy, and everyone knows it"]; q == nil || q.Speaker.ID != smith.Speaker.ID {
		t.Errorf("the one John Smith without a QID is the QID's: %+v", q)
	}
	if q := by["We will manage this, as we managed the rest before"]; q == nil || q.Speaker.ID != merkel.ID {
		t.Errorf("the speaker holding the QID: %+v", q)
	}
	// Each speaker the corpus named anew was made once, with its QID, and audited.
	created, err := d.Audit(bg, db.AuditFilter{Resource: str("speaker"), Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	qids := map[string]int{}
	for _, e := range created.Data {
		if e.Action != "create" {
			continue
		}
		s, err := d.Speaker(bg, e.ResourceID)
		if err != nil {
			t.Fatal(err)
		}
		if s.WikidataQID != nil {
			qids[*s.WikidataQID]++
		}
	}
	if len(qids) != 3 || qids["Q22686"] != 1 || qids["Q99999"] != 1 || qids["Q567"] != 1 {
		t.Errorf("speakers created with a QID, by QID: %v", qids)
	}
	again, err := d.Import(bg, recs[:5])
	if err != nil || again.Unchanged != 5 || again.Created+again.Updated != 0 {
		t.Errorf("the corpus again: %+v %v", again, err)
	}
	// An article's own wording replaces the corpus-wide form at its URL; read again, or
	// from a record that is not the article's, it changes nothing.
	printed := "We are going to make America great again, and we're going to do it fast"
	article := db.ImportRecord{Line: 1, ExternalID: "qb:1", Reappears: true, Printed: true, Quote: db.QuoteInput{Text: printed,
		SpeakerName: str("Donald Trump"), SpeakerQID: str("Q22686")}, Appearances: []db.AppearanceInput{{Words: printed, URL: url("https://a.example/1")}}}
	corpusWide := recs[0]
	for i, c := range []struct {
		rec  db.ImportRecord
		want db.ImportResult
	}{{article, db.ImportResult{Updated: 1}}, {article, db.ImportResult{Unchanged: 1}}, {corpusWide, db.ImportResult{Unchanged: 1}}} {
		if res, err := d.Import(bg, []db.ImportRecord{c.rec}); err != nil || res.Updated != c.want.Updated || res.Unchanged != c.want.Unchanged {
			t.Errorf("printed words, import %d: %+v %v", i+1, res, err)
		}
	}
	as, err := d.ListAppearances(bg, trump.ID, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as.Data {
		if want := map[bool]string{true: printed, false: words}[*a.URL == "https://a.example/1"]; a.Words != want || a.State != "confirmed" {
			t.Errorf("the appearance at %s: %q %s, want %q", *a.URL, a.Words, a.State, want)
		}
	}
}
