package conformance

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
	read, err := d.Propose(bg, article)
	cands := read.Candidates
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

// A batch of an import links as its records would one at a time: words a stored quote
// holds become its appearance (news when the quote carries a verdict), words an earlier
// record of the same batch holds become that record's, another speaker's copy a new quote
// with a suggested link — on the bulk path, the same chain as record by record.
func testBatchLinking(t *testing.T, h Harness) {
	const (
		troops    = "We are not sending troops to Ukraine, not now and not in the future, whatever they say"
		grain     = "The grain corridor stays open for every ship that carries food to Africa this winter"
		ceasefire = "Whatever Moscow says, the line holds from the Black Sea to Kharkiv and we will hold it through the spring"
	)
	recs := []db.ImportRecord{
		{Line: 1, ExternalID: "b-1", Quote: db.QuoteInput{Text: "We are not sending troops to Ukraine — not now and not in the future, whatever they say.",
			SpeakerName: str("Emmanuel Macron"), OutletName: str("Le Monde"), SaidOn: str("2025-03-02")}},
		{Line: 2, ExternalID: "b-2", Quote: db.QuoteInput{Text: grain, SpeakerName: str("Recep Erdogan"), OutletName: str("Anadolu")}},
		{Line: 3, ExternalID: "b-3", Quote: db.QuoteInput{Text: grain + ".", SpeakerName: str("Recep Erdogan"), OutletName: str("Reuters"),
			SaidOn: str("2025-03-04")}},
		{Line: 4, ExternalID: "b-4", Quote: db.QuoteInput{Text: grain, SpeakerName: str("A Spokesman"), OutletName: str("AFP")}},
		{Line: 5, ExternalID: "b-5", Quote: db.QuoteInput{Text: grain, SpeakerName: str("Recep Erdogan"), Separate: true}},
		// A corpus' quotation with the places it was printed: a quote with its appearances.
		{Line: 6, ExternalID: "b-6", Quote: db.QuoteInput{Text: ceasefire, SpeakerName: str("Volodymyr Zelensky")},
			Appearances: []db.AppearanceInput{
				{Words: ceasefire, URL: str("https://www.kyivpost.com/post/1"), OutletName: str("Kyiv Post"), PublishedOn: str("2025-03-05")},
				{Words: "the line holds from the Black Sea to Kharkiv", URL: str("https://www.wsj.com/a/2"), OutletName: str("The Wall Street Journal")},
			}},
		// Words a stored quote holds, brought with an appearance of their own: a quote of
		// their own with a suggested link, never folded unasked.
		{Line: 7, ExternalID: "b-7", Quote: db.QuoteInput{Text: troops, SpeakerName: str("Emmanuel Macron")},
			Appearances: []db.AppearanceInput{{Words: troops, URL: str("https://www.lemonde.fr/a/3"), OutletName: str("Le Monde")}}},
	}
	type link struct{ quote, state, match, drift, linked, outlet string }
	chain := func(t *testing.T, d *db.DB) ([]string, []link) {
		t.Helper()
		quotes, err := d.ListQuotes(bg, db.QuoteFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		var links []link
		for _, q := range quotes.Data {
			texts = append(texts, q.Speaker.Name+": "+q.Text)
			as, err := d.ListAppearances(bg, q.ID, 100, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as.Data {
				l := link{quote: q.Text, state: a.State, match: a.Match, drift: a.Drift.Class}
				if a.LinkedQuoteID != nil {
					lq, err := d.Quote(bg, *a.LinkedQuoteID)
					if err != nil {
						t.Fatal(err)
					}
					l.linked = lq.Speaker.Name
				}
				if a.Outlet != nil {
					l.outlet = a.Outlet.Name
				}
				links = append(links, l)
			}
		}
		slices.Sort(texts)
		slices.SortFunc(links, func(a, b link) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		return texts, links
	}
	var want []link
	var wantTexts []string
	for _, whole := range []bool{false, true} {
		d := h.Open(t, db.Options{})
		macron := mustQuote(t, d, db.QuoteInput{Text: troops, SpeakerName: str("Emmanuel Macron"), OutletName: str("France 24")})
		if _, err := d.AppendVerdict(bg, macron.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "His office says the words were cut."}); err != nil {
			t.Fatal(err)
		}
		hook, _, err := d.CreateWebhook(bg, db.WebhookInput{URL: "https://cms.example.org/hooks", EventTypes: []string{"quote.reappeared"}})
		if err != nil {
			t.Fatal(err)
		}
		var total db.ImportResult
		if whole {
			res, err := d.Import(bg, slices.Clone(recs))
			if err != nil {
				t.Fatal(err)
			}
			total = res
		} else {
			for _, r := range recs {
				res, err := d.Import(bg, []db.ImportRecord{r})
				if err != nil {
					t.Fatal(err)
				}
				total.Add(res)
			}
		}
		if total.Created != 5 || total.Linked != 2 || total.Suggested != 2 || total.Rejected != 0 {
			t.Errorf("whole batch %v: %+v, want 5 created (two suggested), 2 linked", whole, total)
		}
		texts, links := chain(t, d)
		if !whole {
			want, wantTexts = links, texts
			if len(want) != 7 {
				t.Fatalf("record by record: %+v", want)
			}
			continue
		}
		if !slices.Equal(texts, wantTexts) || !slices.Equal(links, want) {
			t.Errorf("one batch made\n%v\n%+v\nrecord by record\n%v\n%+v", texts, links, wantTexts, want)
		}
		q, err := d.Quote(bg, macron.ID)
		if err != nil || q.AppearanceCounts.Confirmed != 1 || q.FirstSeen == nil || *q.FirstSeen != "2025-03-02" {
			t.Errorf("the checked quote's chain: %+v %v", q, err)
		}
		dl, err := d.ListDeliveries(bg, hook.ID, db.DeliveryFilter{Limit: 10})
		if err != nil || len(dl.Data) != 1 || dl.Data[0].EventType != "quote.reappeared" {
			t.Errorf("the news of a checked quote reappearing: %+v %v", dl.Data, err)
		}
		entries, err := d.Audit(bg, db.AuditFilter{Resource: str("appearance"), Limit: 10})
		if err != nil || len(entries.Data) != 7 {
			t.Errorf("the appearances' audit: %d entries, %v", len(entries.Data), err)
		}
		again, err := d.Import(bg, slices.Clone(recs))
		if err != nil || again.Unchanged != len(recs) || again.Created+again.Linked+again.Suggested != 0 {
			t.Errorf("the batch again: %+v %v", again, err)
		}
	}
}

// A batch large enough to be decided in several parts (the bulk path hands its new
// quotes to the writer a part at a time, while the next part is judged) links across
// them as within one: words an earlier part's record holds become its appearance, another
// speaker's copy a quote with a suggested link, and a stored quote's words its appearance.
func testBatchLinkingAcrossParts(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	// Filler words no two records share enough of to link: fourteen of three thousand
	// made-up words each.
	rng := rand.New(rand.NewPCG(7, 7))
	vocab := make([]string, 3000)
	for i := range vocab {
		b := make([]byte, 7)
		for j := range b {
			b[j] = byte('a' + rng.IntN(26))
		}
		vocab[i] = string(b)
	}
	filler := func() string {
		ws := make([]string, 14)
		for i := range ws {
			ws[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	stored := mustQuote(t, d, db.QuoteInput{Text: filler(), SpeakerName: str("Stored Speaker")})
	// 1,100 records are three parts of at least 500 (db's bulkParts): [0, 500), [500,
	// 1000), [1000, 1100).
	recs := make([]db.ImportRecord, 1100)
	for i := range recs {
		recs[i] = db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprintf("p-%d", i),
			Quote: db.QuoteInput{Text: filler(), SpeakerName: str(fmt.Sprintf("Filler Speaker %d", i%40))}}
	}
	named := func(i int, speaker string) { recs[i].Quote.SpeakerName = str(speaker) }
	named(20, "Anna First-Part")
	named(650, "Berta Second-Part")
	named(30, "Clara First-Part")
	recs[1050].Quote = db.QuoteInput{Text: recs[20].Quote.Text + ".", SpeakerName: str("Anna First-Part")} // third part → first
	recs[700].Quote = db.QuoteInput{Text: recs[650].Quote.Text, SpeakerName: str("Berta Second-Part")}     // within the second
	recs[1080].Quote = db.QuoteInput{Text: stored.Text, SpeakerName: str("Stored Speaker")}                // third part → stored
	recs[900].Quote = db.QuoteInput{Text: recs[30].Quote.Text, SpeakerName: str("Dora Another")}           // another speaker's copy
	res, err := d.Import(bg, recs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1097 || res.Linked != 3 || res.Suggested != 1 || res.Rejected != 0 {
		t.Errorf("import: %+v, want 1,097 created (one suggested), 3 linked", res)
	}
	chainOf := func(speaker string) (*db.Quote, []*db.Appearance) {
		t.Helper()
		qs, err := d.ListQuotes(bg, db.QuoteFilter{Speaker: str(speaker), Limit: 10})
		if err != nil || len(qs.Data) != 1 {
			t.Fatalf("%s's quotes: %d, %v", speaker, len(qs.Data), err)
		}
		as, err := d.ListAppearances(bg, qs.Data[0].ID, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		return qs.Data[0], as.Data
	}
	for _, c := range []struct {
		speaker, words, state, drift string
		linked                       string // the speaker of the quote a suggested link names
	}{
		{"Anna First-Part", recs[1050].Quote.Text, "confirmed", "typographic", ""},
		{"Berta Second-Part", recs[650].Quote.Text, "confirmed", "identical", ""},
		{"Stored Speaker", stored.Text, "confirmed", "identical", ""},
		{"Clara First-Part", recs[30].Quote.Text, "suggested", "identical", "Dora Another"},
	} {
		q, as := chainOf(c.speaker)
		if len(as) != 1 || as[0].Words != c.words || as[0].State != c.state || as[0].Drift.Class != c.drift {
			t.Errorf("%s's quote %q: appearances %+v", c.speaker, q.Text, as)
			continue
		}
		if c.linked != "" {
			lq, err := d.Quote(bg, *as[0].LinkedQuoteID)
			if err != nil || lq.Speaker.Name != c.linked {
				t.Errorf("%s's suggested link names %+v, %v", c.speaker, lq, err)
			}
		}
	}
}

// A bulk import judges words against what the archive holds now, whatever an earlier
// batch read: the words of quotes read for linking may be kept between batches, and an
// edit of a quote's words, a speaker merge that gives its quotes another speaker, and a
// deletion must each reach the next batch.
func testBatchLinkingFollowsEdits(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	line := 0
	load := func(speaker string, texts ...string) db.ImportResult {
		t.Helper()
		var recs []db.ImportRecord
		for _, text := range texts {
			line++
			recs = append(recs, db.ImportRecord{Line: line, ExternalID: fmt.Sprint("edit-", line),
				Quote: db.QuoteInput{Text: text, SpeakerName: str(speaker)}})
		}
		res, err := d.Import(bg, recs)
		if err != nil || res.Rejected != 0 {
			t.Fatalf("import %q: %+v %v", texts, res, err)
		}
		return res
	}
	first := "The committee will publish every report before the election in November"
	edited := "Our budget doubles the money for rural schools next year and after"
	spoken := "Harbour tolls will stay frozen for the fishing fleet until the spring"
	gone := "Nobody on this council has ever taken a single euro from the developers"
	if res := load("Ana Ruiz", first, spoken, gone); res.Created != 3 {
		t.Fatalf("first batch: %+v", res)
	}
	// Read again as candidates, so that a cache would hold them.
	if res := load("Ana Ruiz", first, spoken, gone); res.Linked != 3 {
		t.Fatalf("the same words again: %+v, want 3 linked", res)
	}
	byText := func(text string) *db.Quote {
		t.Helper()
		qs, err := d.ListQuotes(bg, db.QuoteFilter{Speaker: str("Ana Ruiz"), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs.Data {
			if q.Text == text {
				return q
			}
		}
		t.Fatalf("no quote of Ana Ruiz's reads %q", text)
		return nil
	}
	a, b, c := byText(first), byText(spoken), byText(gone)
	if _, err := d.UpdateQuote(bg, a.ID, nil, db.QuotePatch{Text: set(edited)}); err != nil {
		t.Fatal(err)
	}
	ben := mustSpeaker(t, d, db.SpeakerInput{Name: "Ben Ode"})
	if _, err := d.UpdateQuote(bg, b.ID, nil, db.QuotePatch{SpeakerID: set(ben.ID)}); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteQuote(bg, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	// The old words are no quote's now; the edited ones are a's; the words b holds are
	// Ben Ode's, which Ana Ruiz's words can only be suggested to be.
	if res := load("Ana Ruiz", first); res.Created != 1 || res.Linked != 0 {
		t.Errorf("words edited away: %+v, want a quote of their own", res)
	}
	if res := load("Ana Ruiz", edited); res.Linked != 1 {
		t.Errorf("the edited words: %+v, want them linked to the edited quote", res)
	}
	if res := load("Ana Ruiz", spoken); res.Linked != 0 || res.Suggested != 1 {
		t.Errorf("words now another speaker's: %+v, want a new quote with a suggested link", res)
	}
	if res := load("Ana Ruiz", gone); res.Created != 1 || res.Linked != 0 {
		t.Errorf("a deleted quote's words: %+v, want a quote of their own", res)
	}
	// Its appearances: the old words as the second batch printed them, the new as the last.
	as, err := d.ListAppearances(bg, a.ID, 10, nil)
	if err != nil || len(as.Data) != 2 {
		t.Fatalf("the edited quote's appearances: %+v %v, want two", as, err)
	}
	if words := []string{as.Data[0].Words, as.Data[1].Words}; !slices.Contains(words, first) || !slices.Contains(words, edited) {
		t.Errorf("the edited quote's appearances print %q, want the old words and the new", words)
	}
}

// An appearance keeps the words as printed whichever way its quote goes. Words that are
// the quote's are stored as the quote's (most of a corpus' appearances are), yet an edit
// of the quote's words, a merge that moves the appearance onto another quote, its undoing
// and a second edit leave every appearance with the words it printed.
func testAppearanceWords(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	const first = "The bridge will reopen to traffic before the end of the month"
	const second = "The bridge will reopen to all traffic before the end of next month"
	q := mustQuote(t, d, db.QuoteInput{Text: first, SpeakerName: str("Transport Minister")})
	add := func(quoteID, words, url string) *db.Appearance {
		t.Helper()
		a, err := d.CreateAppearance(bg, quoteID, db.AppearanceInput{Words: words, URL: str(url), State: str("confirmed")})
		if err != nil {
			t.Fatalf("appearance %q: %v", words, err)
		}
		return a
	}
	want := map[string]string{} // appearance ID → its words
	check := func(step string) {
		t.Helper()
		for id, words := range want {
			var a *db.Appearance
			apps, err := d.ListAppearancesAll(bg, db.AppearanceFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range apps.Data {
				if x.ID == id {
					a = x
				}
			}
			if a == nil || a.Words != words {
				t.Errorf("%s: appearance %s reads %+v, want the words %q", step, id, a, words)
			}
		}
	}
	same := add(q.ID, first, "https://daily.example/1")
	part := add(q.ID, "The bridge will reopen", "https://weekly.example/2")
	want[same.ID], want[part.ID] = first, "The bridge will reopen"
	check("recorded")

	if _, err := d.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Text: set(second)}); err != nil {
		t.Fatal(err)
	}
	later := add(q.ID, second, "https://daily.example/3")
	want[later.ID] = second
	check("the quote's words edited")

	// Another speaker's copy, with a full stop, and its own appearance as it printed it:
	// confirming the suggested link folds it, and its appearance, onto q.
	const copied = second + "."
	other, err := d.CreateQuote(bg, db.QuoteInput{Text: copied, SpeakerName: str("A Spokesman")})
	if err != nil || other.Link == nil || other.Link.Outcome != "suggested" {
		t.Fatalf("another speaker's copy: %+v %v", other, err)
	}
	own := add(other.ID, copied, "https://radio.example/4")
	want[own.ID] = copied
	if _, err := d.ConfirmAppearance(bg, q.ID, other.Link.Appearance.ID, nil, db.AppearanceReview{}); err != nil {
		t.Fatal(err)
	}
	check("merged")
	merges, err := d.ListMerges(bg, db.MergeFilter{ID: &other.ID})
	if err != nil || len(merges.Data) != 1 {
		t.Fatalf("the merge: %+v %v", merges, err)
	}
	if _, err := d.UndoMerge(bg, merges.Data[0].ID); err != nil {
		t.Fatal(err)
	}
	check("the merge undone")
	if _, err := d.UpdateQuote(bg, other.ID, nil, db.QuotePatch{Text: set("Nothing like what was printed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Text: set(first)}); err != nil {
		t.Fatal(err)
	}
	check("both quotes' words edited")
}
