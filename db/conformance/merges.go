package conformance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

func mustSpeaker(t testing.TB, d *db.DB, in db.SpeakerInput) *db.Speaker {
	t.Helper()
	s, err := d.CreateSpeaker(bg, in)
	if err != nil {
		t.Fatalf("create speaker %q: %v", in.Name, err)
	}
	return s
}

func mustMerge(t testing.TB, d *db.DB, kind, from, into string) *db.Merge {
	t.Helper()
	merge := d.MergeSpeaker
	if kind == "outlet" {
		merge = d.MergeOutlet
	}
	m, err := merge(bg, from, nil, db.MergeInput{Into: into, Reason: "one and the same"})
	if err != nil {
		t.Fatalf("merge %s into %s: %v", from, into, err)
	}
	return m
}

// movedTo is where a Moved error points, "" for any other answer.
func movedTo(err error) string {
	var e *db.Error
	if errors.As(err, &e) && e.Code == db.Moved {
		return e.To
	}
	return ""
}

// A merged speaker's quotes, names, watches and search entries go to the survivor; its
// ID answers Moved, naming the survivor, everywhere it is read, and reaches the survivor
// everywhere it is written or filtered on.
func testMergeSpeakers(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	keith := mustSpeaker(t, d, db.SpeakerInput{Name: "Keith Kellogg", WikidataQID: str("Q6385264")})
	gen := mustSpeaker(t, d, db.SpeakerInput{Name: "Gen. Kellogg", Aliases: []string{"Trump's Ukraine envoy"},
		Description: "retired general"})
	watch := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: db.EventTypes,
		Watches: &db.Watches{Speakers: []string{gen.ID}}})
	mustQuote(t, d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerID: &keith.ID})
	for i := range 3 {
		mustQuote(t, d, db.QuoteInput{Text: fmt.Sprintf("a ceasefire in %d days", 100+i), SpeakerID: &gen.ID})
	}
	// The preview is the merge's own plan: what moves, the survivor as it will be.
	pv, err := d.PreviewMerge(bg, "speaker", gen.ID, db.MergeInput{Into: keith.ID})
	if err != nil {
		t.Fatal(err)
	}
	if s := pv.Survivor.(*db.Speaker); pv.Quotes != 3 || pv.Watches != 1 || !slices.Contains(s.Aliases, "Gen. Kellogg") || s.Version != keith.Version {
		t.Errorf("the preview: %+v, survivor %+v", pv, s)
	}
	if _, err := d.PreviewMerge(bg, "speaker", gen.ID, db.MergeInput{Into: gen.ID}); code(err) != db.Invalid {
		t.Errorf("the preview of a merge into itself: %v", err)
	}
	m, err := d.MergeSpeaker(bg, gen.ID, []int64{gen.Version}, db.MergeInput{Into: keith.ID, Reason: "the same general"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != "speaker" || m.From != gen.ID || m.Into != keith.ID || m.MovedQuotes != 3 || m.MergedBy != db.System.Name {
		t.Errorf("the merge: %+v", m)
	}
	if _, err := d.Speaker(bg, gen.ID); movedTo(err) != keith.ID {
		t.Errorf("the merged speaker: %v, want moved to %s", err, keith.ID)
	}
	survivor, err := d.Speaker(bg, keith.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(survivor.Aliases, []string{"Gen. Kellogg", "Trump's Ukraine envoy"}) || survivor.Description != "retired general" ||
		survivor.WikidataQID == nil || *survivor.WikidataQID != "Q6385264" || survivor.Version != keith.Version+1 {
		t.Errorf("the survivor: %+v", survivor)
	}
	// The merged ID filters to the survivor's quotes; lists show the survivor alone.
	for _, f := range []db.QuoteFilter{{SpeakerID: &gen.ID}, {SpeakerID: &keith.ID}, {Q: str("ceasefire"), SpeakerID: &gen.ID}} {
		want := 4
		if f.Q != nil {
			want = 3
		}
		if got := countAll(t, d, f); got != want {
			t.Errorf("quotes %+v: %d, want %d", f, got, want)
		}
	}
	for _, q := range listAll(t, d, db.QuoteFilter{}) {
		if q.Speaker.ID != keith.ID {
			t.Errorf("quote %s is %s's", q.ID, q.Speaker.ID)
		}
	}
	if p, err := d.ListQuotes(bg, db.QuoteFilter{Facets: []string{"speaker"}}); err != nil || len(p.Facets["speaker"]) != 1 ||
		p.Facets["speaker"][0].Value != keith.ID || p.Facets["speaker"][0].Count != 4 {
		t.Errorf("speaker facet after the merge: %+v %v", p.Facets, err)
	}
	if p, err := d.ListSpeakers(bg, db.SpeakerFilter{}); err != nil || len(p.Data) != 1 || p.Data[0].ID != keith.ID {
		t.Errorf("speakers after the merge: %v %v", p.Data, err)
	}
	// Search finds the moved quotes by the merged name, now the survivor's alias.
	if got := countAll(t, d, db.QuoteFilter{Q: str(`"ukraine envoy"`)}); got != 4 {
		t.Errorf("search by the merged speaker's alias: %d, want 4", got)
	}
	// New quotes naming the merged speaker, by ID or by name, are the survivor's.
	for _, in := range []db.QuoteInput{{Text: "by id", SpeakerID: &gen.ID}, {Text: "by name", SpeakerName: str("gen. kellogg")}} {
		if q := mustQuote(t, d, in); q.Speaker.ID != keith.ID {
			t.Errorf("a quote naming the merged speaker (%q) is %s's", in.Text, q.Speaker.ID)
		}
	}
	// The watch on the merged speaker watches the survivor too, and heard of the merge.
	w, err := d.Webhook(bg, watch.ID)
	if err != nil || !slices.Equal(w.Watches.Speakers, []string{gen.ID, keith.ID}) {
		t.Errorf("watches after the merge: %v %v", w.Watches.Speakers, err)
	}
	got := events(t, d, watch.ID)
	if !slices.Contains(got, "speaker.merged "+gen.ID) || !slices.Contains(got, "quote.created "+listAll(t, d, db.QuoteFilter{Q: str("name")})[0].ID) {
		t.Errorf("events on the watch of the merged speaker: %v", got)
	}
	dl, err := d.ListDeliveries(bg, watch.ID, db.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range dl.Data {
		if x.Event.Type == "speaker.merged" && (x.Event.Into == nil || *x.Event.Into != keith.ID) {
			t.Errorf("speaker.merged names the survivor %v, want %s", x.Event.Into, keith.ID)
		}
	}
	// The audit keeps the merge and the merged speaker as it was.
	a, err := d.Audit(bg, db.AuditFilter{ResourceID: &gen.ID})
	if err != nil || len(a.Data) == 0 || a.Data[0].Action != "merge" {
		t.Fatalf("audit of the merged speaker: %+v %v", a.Data, err)
	}
	// The merge is listed under either ID.
	for _, id := range []string{gen.ID, keith.ID} {
		if p, err := d.ListMerges(bg, db.MergeFilter{ID: &id}); err != nil || len(p.Data) != 1 || p.Data[0].ID != m.ID {
			t.Errorf("merges of %s: %v %v", id, p.Data, err)
		}
	}
	if again, err := d.Merge(bg, m.ID); err != nil || again.MovedQuotes != 3 || again.From != gen.ID {
		t.Errorf("read the merge: %+v %v", again, err)
	}
	// A merged ID is never reused: deleting the survivor leaves it unknown, not free.
	if err := d.DeleteSpeaker(bg, gen.ID, nil); movedTo(err) != keith.ID {
		t.Errorf("delete a merged speaker: %v", err)
	}
}

// A merge refuses what would lose or confuse: itself, another kind, a merged or unknown
// survivor, a merged source, two QIDs, quotes under a fact-checker's claim, a role below
// fact-checker — each with nothing done.
func testMergeRefusals(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	a := mustSpeaker(t, d, db.SpeakerInput{Name: "A Person", WikidataQID: str("Q1")})
	b := mustSpeaker(t, d, db.SpeakerInput{Name: "B Person", WikidataQID: str("Q2")})
	c := mustSpeaker(t, d, db.SpeakerInput{Name: "C Person"})
	gone := mustSpeaker(t, d, db.SpeakerInput{Name: "Gone Person"})
	mustMerge(t, d, "speaker", gone.ID, c.ID)
	claimed := mustSpeaker(t, d, db.SpeakerInput{Name: "Claimed Person"})
	q := mustQuote(t, d, db.QuoteInput{Text: "under review", SpeakerID: &claimed.ID})
	checker := db.WithActor(bg, db.Actor{Name: "checker", KeyID: "key_checker", Role: "factchecker"})
	if _, err := d.ClaimQuote(checker, q.ID, 0); err != nil {
		t.Fatal(err)
	}
	o, err := d.CreateOutlet(bg, db.OutletInput{Name: "Fox News"})
	if err != nil {
		t.Fatal(err)
	}
	editor := db.WithActor(bg, db.Actor{Name: "editor", KeyID: "key_editor", Role: "editor"})
	tests := []struct {
		name, code, field string
		ctx               context.Context
		from, into        string
	}{
		{"into itself", db.Invalid, "into", bg, c.ID, c.ID},
		{"into an outlet", db.Invalid, "into", bg, c.ID, o.ID},
		{"into an unknown speaker", db.Invalid, "into", bg, c.ID, "spk_unknown"},
		{"into a merged speaker", db.Conflict, "into", bg, a.ID, gone.ID},
		{"a merged speaker", db.Conflict, "", bg, gone.ID, a.ID},
		{"an unknown speaker", db.NotFound, "", bg, "spk_unknown", a.ID},
		{"two QIDs", db.Conflict, "into", bg, a.ID, b.ID},
		{"claimed quotes", db.Conflict, "", bg, claimed.ID, c.ID},
		{"as an editor", db.Forbidden, "", editor, c.ID, a.ID},
	}
	before, _ := d.Counts(bg)
	for _, tt := range tests {
		_, err := d.MergeSpeaker(tt.ctx, tt.from, nil, db.MergeInput{Into: tt.into})
		var e *db.Error
		if !errors.As(err, &e) || e.Code != tt.code || e.Field != tt.field {
			t.Errorf("merge %s: %v, want %s on %q", tt.name, err, tt.code, tt.field)
		}
	}
	if _, err := d.MergeSpeaker(bg, c.ID, []int64{99}, db.MergeInput{Into: a.ID}); code(err) != db.PreconditionFailed {
		t.Errorf("a stale If-Match: %v", err)
	}
	if after, _ := d.Counts(bg); after != before {
		t.Errorf("refused merges changed the archive: %+v, then %+v", before, after)
	}
	if p, err := d.ListMerges(bg, db.MergeFilter{}); err != nil || len(p.Data) != 1 {
		t.Errorf("merges after refusals: %d %v", len(p.Data), err)
	}
}

// Chains resolve in one hop, and an admin undoes a merge while the survivor is as the
// merge left it: the merged speaker, its quotes and its redirects come back.
func testMergeChainsAndUndo(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	a := mustSpeaker(t, d, db.SpeakerInput{Name: "K. Kellogg"})
	b := mustSpeaker(t, d, db.SpeakerInput{Name: "Gen. Kellogg"})
	c := mustSpeaker(t, d, db.SpeakerInput{Name: "Keith Kellogg", Aliases: []string{"Kellogg"}})
	qa := mustQuote(t, d, db.QuoteInput{Text: "from A", SpeakerID: &a.ID})
	qb := mustQuote(t, d, db.QuoteInput{Text: "from B", SpeakerID: &b.ID})
	mustMerge(t, d, "speaker", a.ID, b.ID)
	bc := mustMerge(t, d, "speaker", b.ID, c.ID)
	for _, id := range []string{a.ID, b.ID} {
		if _, err := d.Speaker(bg, id); movedTo(err) != c.ID {
			t.Errorf("%s after A→B→C: %v, want one hop to %s", id, err, c.ID)
		}
	}
	if got := countAll(t, d, db.QuoteFilter{SpeakerID: &a.ID}); got != 2 {
		t.Errorf("quotes of A after A→B→C: %d, want 2", got)
	}
	admin := bg
	reader := db.WithActor(bg, db.Actor{Name: "factchecker", KeyID: "key_fc", Role: "factchecker"})
	if _, err := d.UndoMerge(reader, bc.ID); code(err) != db.Forbidden {
		t.Errorf("a fact-checker undoing a merge: %v", err)
	}
	if _, err := d.UndoMerge(admin, "mrg_unknown"); code(err) != db.NotFound {
		t.Errorf("undo an unknown merge: %v", err)
	}
	// An edit of the survivor since the merge blocks the undo, which would lose it.
	edited, err := d.UpdateSpeaker(bg, c.ID, nil, db.SpeakerPatch{Description: set("envoy")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.UndoMerge(admin, bc.ID); code(err) != db.Conflict {
		t.Errorf("undo after the survivor changed: %v", err)
	}
	if _, err := d.UpdateSpeaker(bg, c.ID, []int64{edited.Version}, db.SpeakerPatch{Description: set("")}); err != nil {
		t.Fatal(err)
	}
	// Undoing B→C after an edit and its reversal still is refused: versions moved.
	if _, err := d.UndoMerge(admin, bc.ID); code(err) != db.Conflict {
		t.Errorf("undo after two edits: %v", err)
	}

	// A fresh pair, undone cleanly.
	x := mustSpeaker(t, d, db.SpeakerInput{Name: "Wall Street Journal editorial board", WikidataQID: str("Q99")})
	y := mustSpeaker(t, d, db.SpeakerInput{Name: "WSJ editorial board", Aliases: []string{"the Journal's editors"}})
	qy := mustQuote(t, d, db.QuoteInput{Text: "from Y", SpeakerID: &y.ID})
	xy := mustMerge(t, d, "speaker", x.ID, y.ID)
	undone, err := d.UndoMerge(admin, xy.ID)
	if err != nil {
		t.Fatal(err)
	}
	if undone.UndoneAt == nil || undone.UndoneBy == nil || *undone.UndoneBy != db.System.Name {
		t.Errorf("the undone merge: %+v", undone)
	}
	back, err := d.Speaker(bg, x.ID)
	if err != nil || back.WikidataQID == nil || *back.WikidataQID != "Q99" || back.Name != x.Name {
		t.Errorf("the restored speaker: %+v %v", back, err)
	}
	if sy, err := d.Speaker(bg, y.ID); err != nil || sy.WikidataQID != nil || !slices.Equal(sy.Aliases, y.Aliases) {
		t.Errorf("the survivor after undo: %+v %v", sy, err)
	}
	if got, err := d.Quote(bg, qy.ID); err != nil || got.Speaker.ID != y.ID {
		t.Errorf("the survivor's own quote after undo: %v %v", got, err)
	}
	if _, err := d.UndoMerge(admin, xy.ID); code(err) != db.Conflict {
		t.Errorf("undo twice: %v", err)
	}
	// The quotes of A and B still answer, on C.
	for _, q := range []*db.Quote{qa, qb} {
		if got, err := d.Quote(bg, q.ID); err != nil || got.Speaker.ID != c.ID {
			t.Errorf("quote %s: %v %v", q.ID, got, err)
		}
	}
}

// Undo of a chain's last step points the older redirects back at the restored speaker.
func testMergeUndoRepoints(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	a := mustSpeaker(t, d, db.SpeakerInput{Name: "A"})
	b := mustSpeaker(t, d, db.SpeakerInput{Name: "B"})
	c := mustSpeaker(t, d, db.SpeakerInput{Name: "C"})
	mustQuote(t, d, db.QuoteInput{Text: "of a", SpeakerID: &a.ID})
	mustQuote(t, d, db.QuoteInput{Text: "of c", SpeakerID: &c.ID})
	mustMerge(t, d, "speaker", a.ID, b.ID)
	bc := mustMerge(t, d, "speaker", b.ID, c.ID)
	if _, err := d.UndoMerge(bg, bc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Speaker(bg, a.ID); movedTo(err) != b.ID {
		t.Errorf("A after undoing B→C: %v, want moved to B", err)
	}
	if got := countAll(t, d, db.QuoteFilter{SpeakerID: &b.ID}); got != 1 {
		t.Errorf("B's quotes after undoing B→C: %d, want A's one", got)
	}
	if got := countAll(t, d, db.QuoteFilter{SpeakerID: &c.ID}); got != 1 {
		t.Errorf("C's quotes after undoing B→C: %d, want its own", got)
	}
	if got := countAll(t, d, db.QuoteFilter{Q: str("b")}); got != 1 {
		t.Errorf("search by B's name after undo: %d, want 1", got)
	}
}

// Ten merges of one speaker at once, on two handles, into two survivors: one wins, the
// others are told it was merged. Quotes created for it while a merge commits all land.
func testRacingMerges(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	ds := []*db.DB{d, h.Again(t, d)}
	from := mustSpeaker(t, d, db.SpeakerInput{Name: "Racing Kellogg"})
	into := []*db.Speaker{mustSpeaker(t, d, db.SpeakerInput{Name: "Keith Kellogg"}), mustSpeaker(t, d, db.SpeakerInput{Name: "K. Kellogg"})}
	before := mustQuote(t, d, db.QuoteInput{Text: "before", SpeakerID: &from.ID})
	if _, err := ds[1].Quote(bg, before.ID); err != nil { // the other node holds it in its cache
		t.Fatal(err)
	}
	got := tally(race(10, ds, func(d *db.DB, i int) error {
		_, err := d.MergeSpeaker(bg, from.ID, nil, db.MergeInput{Into: into[i%2].ID})
		return err
	}))
	if got["ok"] != 1 || got[db.Conflict] != 9 {
		t.Errorf("10 merges of one speaker at once: %v, want 1 ok and 9 conflict", got)
	}
	// Both nodes agree on the winner: the redirect, and the quote's speaker, cached or not.
	var winner string
	for i, n := range ds {
		_, err := n.Speaker(bg, from.ID)
		to := movedTo(err)
		if to == "" || (winner != "" && to != winner) {
			t.Errorf("node %d: the merged speaker %v, other node %s", i, err, winner)
		}
		winner = to
		if q, err := n.Quote(bg, before.ID); err != nil || q.Speaker.ID != to {
			t.Errorf("node %d: the moved quote's speaker %v %v, want %s", i, q, err, to)
		}
	}
	// A merge while quotes are written for the merged speaker, by ID and by name.
	next := mustSpeaker(t, d, db.SpeakerInput{Name: "Lt. Gen. Kellogg"})
	survivor := into[0]
	const writers = 12
	errs := race(writers+1, ds, func(d *db.DB, i int) error {
		if i == writers {
			_, err := d.MergeSpeaker(bg, next.ID, nil, db.MergeInput{Into: survivor.ID})
			return err
		}
		in := db.QuoteInput{Text: fmt.Sprint("during ", i), SpeakerID: &next.ID}
		if i%2 == 1 {
			in = db.QuoteInput{Text: fmt.Sprint("during ", i), SpeakerName: str("Lt. Gen. Kellogg")}
		}
		_, err := d.CreateQuote(bg, in)
		return err
	})
	if tally(errs)["ok"] != writers+1 {
		t.Fatalf("quotes written during a merge: %v (%v)", tally(errs), errs)
	}
	if n := countAll(t, d, db.QuoteFilter{SpeakerID: &next.ID}); n < writers {
		t.Errorf("quotes of the merged speaker: %d, want at least the %d written during the merge", n, writers)
	}
	for _, q := range listAll(t, d, db.QuoteFilter{Q: str("during")}) {
		if _, err := d.Speaker(bg, q.Speaker.ID); err != nil {
			t.Errorf("quote %s is the merged speaker's still: %v", q.ID, err)
		}
	}
	if c, _ := d.Counts(bg); c.Speakers != 2 {
		t.Errorf("speakers after the merges: %d, want the 2 survivors", c.Speakers)
	}
}

// Outlets merge as speakers do, and their names stay unique across names and aliases.
func testMergeOutlets(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	wsj, err := d.CreateOutlet(bg, db.OutletInput{Name: "The Wall Street Journal", URL: str("https://www.wsj.com")})
	if err != nil {
		t.Fatal(err)
	}
	short, err := d.CreateOutlet(bg, db.OutletInput{Name: "WSJ", Aliases: []string{"Wall Street Journal"}, Country: str("US")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateOutlet(bg, db.OutletInput{Name: "wall street  JOURNAL"}); code(err) != db.Conflict {
		t.Errorf("an outlet named as another's alias: %v", err)
	}
	q := mustQuote(t, d, db.QuoteInput{Text: "printed", SpeakerName: str("Someone"), OutletName: str("Wall Street Journal")})
	if q.Outlet == nil || q.Outlet.ID != short.ID {
		t.Fatalf("outlet by alias: %+v", q.Outlet)
	}
	watch := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: []string{"outlet.merged", "outlet.unmerged"},
		Watches: &db.Watches{Outlets: []string{short.ID}}})
	// An appearance the merged outlet printed is the survivor's while merged, and its own
	// again after the undo.
	printed := q
	app, err := d.CreateAppearance(bg, printed.ID, db.AppearanceInput{Words: "printed", OutletID: &short.ID})
	if err != nil {
		t.Fatal(err)
	}
	printedBy := func() string {
		t.Helper()
		as, err := d.ListAppearances(bg, printed.ID, 10, nil)
		if err != nil || len(as.Data) != 1 || as.Data[0].ID != app.ID || as.Data[0].Outlet == nil {
			t.Fatalf("the appearance: %+v %v", as.Data, err)
		}
		return as.Data[0].Outlet.ID
	}
	m := mustMerge(t, d, "outlet", short.ID, wsj.ID)
	if got := printedBy(); got != wsj.ID {
		t.Errorf("the appearance's outlet while merged: %s, want %s", got, wsj.ID)
	}
	if got := events(t, d, watch.ID); !slices.Equal(got, []string{"outlet.merged " + short.ID}) {
		t.Errorf("events of the merged outlet's watch: %v", got)
	}
	if m.MovedQuotes != 1 {
		t.Errorf("moved %d quotes, want 1", m.MovedQuotes)
	}
	if _, err := d.Outlet(bg, short.ID); movedTo(err) != wsj.ID {
		t.Errorf("the merged outlet: %v", err)
	}
	o, err := d.Outlet(bg, wsj.ID)
	if err != nil || !slices.Equal(o.Aliases, []string{"WSJ", "Wall Street Journal"}) || o.Country == nil || *o.Country != "US" {
		t.Errorf("the surviving outlet: %+v %v", o, err)
	}
	for _, name := range []string{"WSJ", "wall street journal"} {
		q := mustQuote(t, d, db.QuoteInput{Text: "again " + name, SpeakerName: str("Someone"), OutletName: str(name)})
		if q.Outlet == nil || q.Outlet.ID != wsj.ID {
			t.Errorf("outlet %q after the merge: %+v", name, q.Outlet)
		}
	}
	if got := countAll(t, d, db.QuoteFilter{OutletID: &short.ID}); got != 3 {
		t.Errorf("quotes filtered by the merged outlet: %d, want 3", got)
	}
	// New quotes on the survivor do not change it: the undo runs, and the merged outlet
	// takes its names and its one quote back; the quotes written since stay.
	if _, err := d.UndoMerge(bg, m.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Quote(bg, q.ID); err != nil || got.Outlet == nil || got.Outlet.ID != short.ID {
		t.Errorf("the moved quote after undo: %+v %v", got, err)
	}
	if got := printedBy(); got != short.ID {
		t.Errorf("the appearance's outlet after undo: %s, want %s", got, short.ID)
	}
	if got := countAll(t, d, db.QuoteFilter{OutletID: &wsj.ID}); got != 2 {
		t.Errorf("the survivor's quotes after undo: %d, want the 2 written since", got)
	}
	if got := events(t, d, watch.ID); !slices.Contains(got, "outlet.unmerged "+short.ID) {
		t.Errorf("events after the undo: %v", got)
	}
	q = mustQuote(t, d, db.QuoteInput{Text: "after undo", SpeakerName: str("Someone"), OutletName: str("WSJ")})
	if q.Outlet == nil || q.Outlet.ID != short.ID {
		t.Errorf("WSJ after undo: %+v", q.Outlet)
	}
}

// An export taken before a merge restores after it: its quotes are the survivor's, the
// stored ones unchanged, and a merged ID is never made again.
func testRestoreAcrossMerge(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	keith := mustSpeaker(t, d, db.SpeakerInput{Name: "Keith Kellogg"})
	gen := mustSpeaker(t, d, db.SpeakerInput{Name: "Gen. Kellogg"})
	q := mustQuote(t, d, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerID: &gen.ID, OutletName: str("WSJ")})
	records := func(export []byte) []db.ImportRecord {
		var batch []db.ImportRecord
		for i, line := range bytes.Split(bytes.TrimSpace(export), []byte("\n")) {
			var r db.Record
			if err := json.Unmarshal(line, &r); err != nil {
				t.Fatal(err)
			}
			batch = append(batch, db.ImportRecord{Line: i + 1, Exported: &r})
		}
		return batch
	}
	batch := records(exportAll(t, d))
	wsj, err := d.CreateOutlet(bg, db.OutletInput{Name: "The Wall Street Journal"})
	if err != nil {
		t.Fatal(err)
	}
	mustMerge(t, d, "speaker", gen.ID, keith.ID)
	mustMerge(t, d, "outlet", q.Outlet.ID, wsj.ID)
	res, err := d.Import(bg, batch)
	if err != nil || res.Unchanged != 1 || res.Rejected != 0 {
		t.Fatalf("restore of an export from before the merges: %+v %v, want unchanged", res, err)
	}
	// Into an archive that holds the merges but not the quote: it lands on the survivors.
	if err := d.DeleteQuote(bg, q.ID, nil); err != nil {
		t.Fatal(err)
	}
	if res, err := d.Import(bg, batch); err != nil || res.Created != 1 {
		t.Fatalf("restore after the merges: %+v %v", res, err)
	}
	got, err := d.Quote(bg, q.ID)
	if err != nil || got.Speaker.ID != keith.ID || got.Outlet == nil || got.Outlet.ID != wsj.ID {
		t.Errorf("the restored quote: %+v %v, want the survivors'", got, err)
	}
	if _, err := d.Speaker(bg, gen.ID); movedTo(err) != keith.ID {
		t.Errorf("the merged speaker after the restore: %v", err)
	}
}

// Likely duplicates are suggested with their reasons, strongest first, paged without
// repeats; a dismissed pair is not suggested again; a merged one is gone.
func testDuplicates(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	keith := mustSpeaker(t, d, db.SpeakerInput{Name: "Keith Kellogg"})
	initial := mustSpeaker(t, d, db.SpeakerInput{Name: "K. Kellogg"})
	gen := mustSpeaker(t, d, db.SpeakerInput{Name: "Gen. Kellogg"})
	envoy := mustSpeaker(t, d, db.SpeakerInput{Name: "Trump's Ukraine envoy", Aliases: []string{"keith kellogg"}})
	mustSpeaker(t, d, db.SpeakerInput{Name: "Donald Trump"})
	mustSpeaker(t, d, db.SpeakerInput{Name: "Melania Trump"})
	all := func(f db.DuplicateFilter) []*db.Duplicate {
		t.Helper()
		var out []*db.Duplicate
		f.Limit = 1
		for {
			p, err := d.Duplicates(bg, f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Data...)
			if p.NextCursor == nil {
				return out
			}
			f.Cursor = p.NextCursor
		}
	}
	pairOf := func(a, b string) string {
		if b < a {
			a, b = b, a
		}
		return a + " " + b
	}
	got := map[string]string{}
	var scores []float64
	for _, p := range all(db.DuplicateFilter{Kind: "speaker"}) {
		k := pairOf(p.A.ID, p.B.ID)
		if _, seen := got[k]; seen {
			t.Errorf("pair %s suggested twice", k)
		}
		got[k] = fmt.Sprintf("%s %.1f", p.Reasons[0], p.Score)
		scores = append(scores, p.Score)
	}
	want := map[string]string{
		pairOf(keith.ID, envoy.ID):   "same_name 0.9",
		pairOf(keith.ID, initial.ID): "initials 0.7",
		pairOf(keith.ID, gen.ID):     "initials 0.5",
		pairOf(initial.ID, gen.ID):   "initials 0.5",
		pairOf(envoy.ID, initial.ID): "initials 0.7",
		pairOf(envoy.ID, gen.ID):     "initials 0.5",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("pair %s: %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d pairs suggested, want %d (Donald and Melania Trump are not one): %v", len(got), len(want), got)
	}
	if !slices.IsSortedFunc(scores, func(a, b float64) int { return cmp.Compare(b, a) }) {
		t.Errorf("suggestions not strongest first: %v", scores)
	}
	if strong := all(db.DuplicateFilter{Kind: "speaker", MinScore: 0.8}); len(strong) != 1 {
		t.Errorf("suggestions at 0.8 or more: %d, want 1", len(strong))
	}
	// Dismissed, a pair is not suggested again; merged, a speaker leaves every pair.
	if _, err := d.Dismiss(bg, db.DismissalInput{IDs: []string{initial.ID, keith.ID}}); err != nil {
		t.Fatal(err)
	}
	mustMerge(t, d, "speaker", envoy.ID, keith.ID)
	for _, p := range all(db.DuplicateFilter{Kind: "speaker"}) {
		if k := pairOf(p.A.ID, p.B.ID); k == pairOf(keith.ID, initial.ID) || p.A.ID == envoy.ID || p.B.ID == envoy.ID {
			t.Errorf("pair %s suggested after its dismissal or merge", k)
		}
	}
	for _, tc := range []struct {
		name string
		ids  []string
		code string
	}{
		{"one ID", []string{keith.ID}, db.Invalid},
		{"the same twice", []string{keith.ID, keith.ID}, db.Invalid},
		{"across kinds", []string{keith.ID, "out_x"}, db.Invalid},
		{"unknown", []string{keith.ID, "spk_unknown"}, db.Invalid},
		{"merged", []string{gen.ID, envoy.ID}, db.Invalid},
	} {
		if _, err := d.Dismiss(bg, db.DismissalInput{IDs: tc.ids}); code(err) != tc.code {
			t.Errorf("dismiss %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	editor := db.WithActor(bg, db.Actor{Name: "editor", KeyID: "key_editor", Role: "editor"})
	if _, err := d.Duplicates(editor, db.DuplicateFilter{Kind: "speaker"}); code(err) != db.Forbidden {
		t.Errorf("an editor's duplicates: %v", err)
	}
	// Outlets: one web host, or one name but for "The".
	wsj, err := d.CreateOutlet(bg, db.OutletInput{Name: "The Wall Street Journal", URL: str("https://www.wsj.com")})
	if err != nil {
		t.Fatal(err)
	}
	short, err := d.CreateOutlet(bg, db.OutletInput{Name: "WSJ", URL: str("https://wsj.com/news")})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := d.CreateOutlet(bg, db.OutletInput{Name: "Wall Street Journal"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateOutlet(bg, db.OutletInput{Name: "Fox News", URL: str("https://www.foxnews.com")}); err != nil {
		t.Fatal(err)
	}
	outlets := map[string]string{}
	for _, p := range all(db.DuplicateFilter{Kind: "outlet"}) {
		outlets[pairOf(p.A.ID, p.B.ID)] = p.Reasons[0]
	}
	if len(outlets) != 2 || outlets[pairOf(wsj.ID, short.ID)] != "same_host" || outlets[pairOf(wsj.ID, plain.ID)] != "same_name" {
		t.Errorf("outlet pairs: %v", outlets)
	}
}

// Wikidata's redirects merge the speakers holding both QIDs, re-point those holding the
// old alone, follow chains, and report by line what they cannot apply, the rest standing.
func testQIDRedirects(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	a := mustSpeaker(t, d, db.SpeakerInput{Name: "A", WikidataQID: str("Q1")})
	b := mustSpeaker(t, d, db.SpeakerInput{Name: "B", WikidataQID: str("Q3")})
	c := mustSpeaker(t, d, db.SpeakerInput{Name: "C", WikidataQID: str("Q5")})
	e := mustSpeaker(t, d, db.SpeakerInput{Name: "E", WikidataQID: str("Q9")})
	mustSpeaker(t, d, db.SpeakerInput{Name: "F", WikidataQID: str("Q10")})
	q := mustQuote(t, d, db.QuoteInput{Text: "under review", SpeakerID: &e.ID})
	checker := db.WithActor(bg, db.Actor{Name: "checker", KeyID: "key_checker", Role: "factchecker"})
	if _, err := d.ClaimQuote(checker, q.ID, 0); err != nil {
		t.Fatal(err)
	}
	list := `# Wikidata redirects
Q1	Q2
Q2,Q3
Q5 Q6
Q100 Q200
Q7 Q7
not a redirect
Q11 Q12
Q12 Q11
<http://www.wikidata.org/entity/Q9> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q10> .
Q300 Q3
`
	editor := db.WithActor(bg, db.Actor{Name: "editor", KeyID: "key_editor", Role: "editor"})
	if _, err := d.ApplyQIDRedirects(editor, strings.NewReader(list), 0); code(err) != db.Forbidden {
		t.Errorf("an editor applying redirects: %v", err)
	}
	if _, err := d.ApplyQIDRedirects(bg, strings.NewReader(list), 5); code(err) != db.Invalid {
		t.Errorf("a list over the limit: %v", err)
	}
	rep, err := d.ApplyQIDRedirects(bg, strings.NewReader(list), 0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines != 10 || rep.Merged != 1 || rep.Repointed != 1 || rep.Current != 2 || rep.Unknown != 1 || rep.Rejected != 5 {
		t.Errorf("report: %+v", rep)
	}
	var lines []int
	for _, e := range rep.Errors {
		lines = append(lines, e.Line)
	}
	if !slices.Equal(lines, []int{6, 7, 8, 9, 10}) {
		t.Errorf("rejected lines %v, want 6–10: %+v", lines, rep.Errors)
	}
	if len(rep.Changes) != 2 || rep.Changes[0].Action != "merged" || rep.Changes[0].To != "Q3" || rep.Changes[0].Speaker != a.ID ||
		*rep.Changes[0].Into != b.ID || rep.Changes[1].Action != "repointed" || rep.Changes[1].Speaker != c.ID {
		t.Errorf("changes: %+v", rep.Changes)
	}
	if _, err := d.Speaker(bg, a.ID); movedTo(err) != b.ID {
		t.Errorf("the speaker of Q1 after Q1 → Q2 → Q3: %v", err)
	}
	if got, err := d.Speaker(bg, c.ID); err != nil || got.WikidataQID == nil || *got.WikidataQID != "Q6" {
		t.Errorf("the speaker of Q5 after Q5 → Q6: %+v %v", got, err)
	}
	if got, err := d.Speaker(bg, e.ID); err != nil || *got.WikidataQID != "Q9" {
		t.Errorf("the claimed speaker: %+v %v", got, err)
	}
	// Applied again, nothing more changes.
	again, err := d.ApplyQIDRedirects(bg, strings.NewReader(list), 0)
	if err != nil || again.Merged != 0 || again.Repointed != 0 {
		t.Errorf("applied twice: %+v %v", again, err)
	}
	// A QID is one speaker's: a second claim names the holder and offers the merge.
	_, err = d.CreateSpeaker(bg, db.SpeakerInput{Name: "Another B", WikidataQID: str("Q3")})
	if e := (*db.Error)(nil); !errors.As(err, &e) || e.Code != db.Conflict || !strings.Contains(e.Message, b.ID) {
		t.Errorf("a second speaker with Q3: %v", err)
	}
	_, err = d.UpdateSpeaker(bg, c.ID, nil, db.SpeakerPatch{WikidataQID: set("Q3")})
	if e := (*db.Error)(nil); !errors.As(err, &e) || e.Code != db.Conflict || !strings.Contains(e.Message, "merge this speaker into "+b.ID) {
		t.Errorf("giving another speaker Q3: %v", err)
	}
}

// A name two speakers answer to is attached to neither, on every way in that takes a
// speaker by name: the caller hears of both candidates, an import on the line; a merged
// speaker's names find the survivor everywhere.
func testAmbiguousNames(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	keith := mustSpeaker(t, d, db.SpeakerInput{Name: "Keith Kellogg", Aliases: []string{"Kellogg"}})
	other := mustSpeaker(t, d, db.SpeakerInput{Name: "Frank Kellogg", Aliases: []string{"Kellogg"}})
	names := func(err error) bool {
		var e *db.Error
		return errors.As(err, &e) && e.Code == db.Conflict && strings.Contains(e.Message, keith.ID) && strings.Contains(e.Message, other.ID)
	}
	before, _ := d.Counts(bg)
	if _, err := d.CreateQuote(bg, db.QuoteInput{Text: "ambiguous", SpeakerName: str("kellogg")}); !names(err) {
		t.Errorf("create: %v, want a conflict naming both speakers", err)
	}
	art := db.Article{Text: `"NATO isn’t on the table," Kellogg said on Sunday.`}
	read, err := d.Propose(bg, art)
	cands := read.Candidates
	if err != nil || len(cands) != 1 || cands[0].SpeakerName != "Kellogg" {
		t.Fatalf("the extractor's candidates: %+v %v", cands, err)
	}
	if _, err := d.SaveExtracted(bg, art, []db.Pick{db.PickOf(cands[0], art)}); !names(err) {
		t.Errorf("extraction saved: %v, want a conflict naming both speakers", err)
	}
	res, err := d.Import(bg, []db.ImportRecord{
		{Line: 1, Quote: db.QuoteInput{Text: "clear", SpeakerName: str("Keith Kellogg")}},
		{Line: 2, Quote: db.QuoteInput{Text: "ambiguous", SpeakerName: str("KELLOGG")}},
	})
	if err != nil || res.Created != 1 || res.Rejected != 1 || res.Errors[0].Line != 2 || res.Errors[0].Field != "speaker_name" ||
		!strings.Contains(res.Errors[0].Message, keith.ID) || !strings.Contains(res.Errors[0].Message, other.ID) {
		t.Errorf("import: %+v %v, want line 2 refused naming both speakers", res, err)
	}
	if after, _ := d.Counts(bg); after.Speakers != before.Speakers || after.Quotes != before.Quotes+1 {
		t.Errorf("counts %+v, then %+v: only the clear line should be stored", before, after)
	}
	// Merged, the two are one: the name is no longer ambiguous, on any way in.
	mustMerge(t, d, "speaker", other.ID, keith.ID)
	if q, err := d.CreateQuote(bg, db.QuoteInput{Text: "now clear", SpeakerName: str("kellogg")}); err != nil || q.Speaker.ID != keith.ID {
		t.Errorf("create after the merge: %v %v", q, err)
	}
	if ids, err := d.SaveExtracted(bg, art, []db.Pick{db.PickOf(cands[0], art)}); err != nil || len(ids) != 1 {
		t.Errorf("extraction after the merge: %v %v", ids, err)
	}
	res, err = d.Import(bg, []db.ImportRecord{{Line: 1, Quote: db.QuoteInput{Text: "by the merged name", SpeakerName: str("Frank Kellogg")}}})
	if err != nil || res.Created != 1 {
		t.Errorf("import after the merge: %+v %v", res, err)
	}
	if got := countAll(t, d, db.QuoteFilter{SpeakerID: &keith.ID}); got != 4 {
		t.Errorf("the survivor's quotes: %d, want 4", got)
	}
}

// A speaker's positions over time give the role of a quote recorded without one, on the
// day it was said; positions are checked, and a merge keeps both speakers'.
func testPositions(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	keith := mustSpeaker(t, d, db.SpeakerInput{Name: "Keith Kellogg", Positions: []db.Position{
		{Title: "Lieutenant General, US Army", From: str("1967"), To: str("2003-12")},
		{Title: "National Security Advisor to the Vice President", From: str("2018-04"), To: str("2021-01-20")},
		{Title: "US Special Envoy to Ukraine", From: str("2025-01")},
	}})
	tests := []struct {
		said, role, want string
	}{
		{"2025-04-20", "", "US Special Envoy to Ukraine"},
		{"1990", "", "Lieutenant General, US Army"},
		{"2003-12-31", "", "Lieutenant General, US Army"},
		{"2004-01-01", "", ""},
		{"2021-01-20", "", "National Security Advisor to the Vice President"},
		{"2025-04-20", "a retired general", "a retired general"},
		{"", "", ""},
	}
	for _, tt := range tests {
		text := fmt.Sprintf("said on %s as %s", tt.said, cmp.Or(tt.role, "nothing"))
		in := db.QuoteInput{Text: text, SpeakerID: &keith.ID}
		if tt.said != "" {
			in.SaidOn = &tt.said
		}
		if tt.role != "" {
			in.SpeakerRole = &tt.role
		}
		q := mustQuote(t, d, in)
		for _, got := range []*db.Quote{q, listAll(t, d, db.QuoteFilter{Q: str(`"` + text + `"`)})[0]} {
			if p := got.SpeakerPosition; (p == nil) != (tt.want == "") || (p != nil && *p != tt.want) {
				t.Errorf("said %q, role %q: position %v, want %q", tt.said, tt.role, p, tt.want)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		ps    []db.Position
		field string
	}{
		{"ends before it starts", []db.Position{{Title: "x", From: str("2025-02"), To: str("2025-01-31")}}, "positions[0].to"},
		{"a date that is none", []db.Position{{Title: "x", From: str("2025-13")}}, "positions[0].from"},
		{"no title", []db.Position{{Title: " "}}, "positions[0].title"},
	} {
		_, err := d.UpdateSpeaker(bg, keith.ID, nil, db.SpeakerPatch{Positions: set(tc.ps)})
		var e *db.Error
		if !errors.As(err, &e) || e.Code != db.Invalid || (e.Field != tc.field && (len(e.Fields) == 0 || e.Fields[0].Field != tc.field)) {
			t.Errorf("positions %s: %v, want invalid on %s", tc.name, err, tc.field)
		}
	}
	// Merged, the survivor holds both speakers' positions.
	gen := mustSpeaker(t, d, db.SpeakerInput{Name: "Gen. Kellogg", Positions: []db.Position{
		{Title: "Chief of Staff, National Security Council", From: str("2017-01"), To: str("2018-04")}}})
	mustMerge(t, d, "speaker", gen.ID, keith.ID)
	if s, err := d.Speaker(bg, keith.ID); err != nil || len(s.Positions) != 4 {
		t.Errorf("the survivor's positions: %+v %v", s, err)
	}
	q := mustQuote(t, d, db.QuoteInput{Text: "in 2017", SpeakerID: &gen.ID, SaidOn: str("2017-06")})
	if q.SpeakerPosition == nil || *q.SpeakerPosition != "Chief of Staff, National Security Council" {
		t.Errorf("a quote of 2017 after the merge: %v", q.SpeakerPosition)
	}
}
