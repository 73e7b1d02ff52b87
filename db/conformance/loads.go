package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/ingest"
)

// A load is recorded — who loaded which source, its SHA-256, what each batch committed,
// the first and last quote it created — and the audit of each quote it created points at
// it instead of copying the record. A load stopped part way is carried on by a resumed
// one past the lines it committed: nothing read twice, nothing lost, even for records
// with no key to find them by.
func testLoads(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	var src strings.Builder
	const n = 23
	for i := 1; i <= n; i++ {
		if i == 5 {
			src.WriteString("{not json\n") // refused by the reader, counted with its batch
			continue
		}
		fmt.Fprintf(&src, `{"text": %q, "speaker_name": "Loader %d"}`+"\n", words(i), i%3)
	}
	body := src.String()
	sum := sha256.Sum256([]byte(body))
	in := db.LoadInput{Source: "corpus.ndjson", Format: "ndjson", Size: int64(len(body))}

	// Stopped after two batches: the store refuses the third.
	stop := &failingStore{DB: d, after: 2}
	_, load, err := ingest.Load(bg, strings.NewReader(body), ingest.Options{}, stop, ingest.Batching{Size: 4}, in, false)
	if err == nil || load == nil || load.State != "failed" || load.Batches != 2 || load.Created != 8 || load.SHA256 != nil {
		t.Fatalf("the stopped load: %+v %v", load, err)
	}
	if _, _, err := d.ResumeLoad(db.WithActor(context.Background(), db.Actor{Name: "someone-else", Role: "editor"}), in); !isCode(err, db.NotFound) {
		t.Errorf("another key resumed the load: %v", err)
	}
	res, done, err := ingest.Load(bg, strings.NewReader(body), ingest.Options{}, d, ingest.Batching{Size: 4}, in, true)
	if err != nil || done.ID != load.ID || done.State != "done" || res.Created != n-1-8 || res.Rejected != 0 { // line 5 was in a committed batch
		t.Fatalf("the resumed load: %+v %+v %v", res, done, err)
	}
	if done.Created != n-1 || done.Rejected != 1 || done.Updated != 0 || done.Unchanged != 0 || done.Actor != db.System.Name ||
		done.SHA256 == nil || *done.SHA256 != hex.EncodeToString(sum[:]) || done.Size == nil || *done.Size != int64(len(body)) ||
		done.FinishedAt == nil || done.Source != "corpus.ndjson" || done.Format != "ndjson" {
		t.Errorf("the load as recorded: %+v", done)
	}
	counts, err := d.Counts(bg)
	if err != nil || counts.Quotes != n-1 {
		t.Errorf("%d quotes after the resumed load, want %d: nothing twice, nothing lost (%v)", counts.Quotes, n-1, err)
	}
	// The first and last quote it created, and each one's audit: a pointer to the load.
	all, err := d.ListQuotes(bg, db.QuoteFilter{Limit: 100, Sort: "created_at"})
	if err != nil || len(all.Data) != n-1 {
		t.Fatalf("quotes: %d %v", len(all.Data), err)
	}
	first, last := all.Data[0].ID, all.Data[0].ID
	for _, q := range all.Data {
		first, last = min(first, q.ID), max(last, q.ID)
	}
	if done.FirstQuoteID == nil || *done.FirstQuoteID != first || done.LastQuoteID == nil || *done.LastQuoteID != last {
		t.Errorf("the load's quotes run %v to %v, the archive's %s to %s", done.FirstQuoteID, done.LastQuoteID, first, last)
	}
	entries, err := d.Audit(bg, db.AuditFilter{Resource: str("quote"), ResourceID: &first, Limit: 10})
	if err != nil || len(entries.Data) != 1 || entries.Data[0].Action != "create" || entries.Data[0].Changes["load"].After != load.ID ||
		len(entries.Data[0].Changes) != 1 {
		t.Errorf("the audit of a loaded quote: %+v %v", entries.Data, err)
	}
	// A quote written by hand keeps its full audit.
	hand := mustQuote(t, d, db.QuoteInput{Text: "Typed in by a person", SpeakerName: str("Someone")})
	if e, _ := d.Audit(bg, db.AuditFilter{Resource: str("quote"), ResourceID: &hand.ID, Limit: 10}); len(e.Data) != 1 || e.Data[0].Changes["text"].After != "Typed in by a person" {
		t.Errorf("a hand-made quote's audit: %+v", e.Data)
	}
	// Listed newest first; a finished load is not resumed again.
	list, err := d.Loads(bg, 10, nil)
	if err != nil || len(list.Data) != 1 || list.Data[0].ID != load.ID {
		t.Errorf("loads: %+v %v", list.Data, err)
	}
	if _, _, err := d.ResumeLoad(bg, in); !isCode(err, db.NotFound) {
		t.Errorf("a finished load resumed: %v", err)
	}
	if _, err := d.Load(bg, "ld_01JS8X2W5Q7K3M9N4P6R8T0V60"); !isCode(err, db.NotFound) {
		t.Errorf("an unknown load: %v", err)
	}
	if _, err := d.Load(db.WithActor(context.Background(), db.Actor{Name: "r", Role: "reader"}), load.ID); !isCode(err, db.Forbidden) {
		t.Errorf("a reader read a load: %v", err)
	}
}

// A load's trail is an entry a batch — which load wrote which lines, who, when — and the
// quotes and appearances a batch creates name that entry instead of having one each. A
// quote's history and the trail of one resource still begin with its creation by the
// load, on the bulk path and the record path alike, paged through the creations that
// share their batch's key one at a time, and filtered as every entry is.
func testLoadAudit(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	l, err := d.StartLoad(bg, db.LoadInput{Source: "wire.ndjson", Format: "ndjson"})
	if err != nil {
		t.Fatal(err)
	}
	printed := func(n, k int) []db.AppearanceInput {
		var out []db.AppearanceInput
		for i := range k {
			out = append(out, db.AppearanceInput{Words: words(n), URL: str(fmt.Sprintf("https://news%d.example/%d", i, n)),
				PublishedOn: str(fmt.Sprintf("2024-03-%02d", 10+i))})
		}
		return out
	}
	batch := []db.ImportRecord{
		{Line: 1, ExternalID: "la-1", Quote: db.QuoteInput{Text: words(101), SpeakerName: str("Loader")}, Appearances: printed(101, 3)},
		// A pinned first appearance takes the record path.
		{Line: 2, ExternalID: "la-2", Quote: db.QuoteInput{Text: words(102), SpeakerName: str("Loader")}, Appearances: printed(102, 2),
			FirstAppearanceURL: str("https://news1.example/102")},
		{Line: 3, ExternalID: "la-3", Quote: db.QuoteInput{Text: words(103), SpeakerName: str("Loader")}},
	}
	res, err := d.Import(db.WithLoad(bg, l.ID), batch)
	if err != nil || res.Created != 3 || res.Rejected != 0 {
		t.Fatalf("the load: %+v %v", res, err)
	}
	// The batch's entry; no entry of a quote or appearance of their own.
	batches, err := d.Audit(bg, db.AuditFilter{Resource: str("load"), Limit: 10})
	if err != nil || len(batches.Data) != 1 || batches.Data[0].Action != "load" || batches.Data[0].ResourceID != l.ID ||
		batches.Data[0].Actor != db.System.Name || batches.Data[0].Changes["lines"].After != "1-3" {
		t.Fatalf("the batch's entry: %+v %v", batches.Data, err)
	}
	entry := batches.Data[0]
	for _, r := range []string{"quote", "appearance"} {
		e, err := d.Audit(bg, db.AuditFilter{Resource: str(r), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range e.Data {
			if x.Action == "create" {
				t.Errorf("the trail holds the creation of %s %s: %+v", r, x.ResourceID, x)
			}
		}
	}

	all, err := d.ListQuotes(bg, db.QuoteFilter{Limit: 10})
	if err != nil || len(all.Data) != len(batch) {
		t.Fatalf("the loaded quotes: %+v %v", all.Data, err)
	}
	for i, rec := range batch {
		k := slices.IndexFunc(all.Data, func(q *db.Quote) bool { return q.Text == rec.Quote.Text })
		if k < 0 {
			t.Fatalf("record %d's quote is missing", i+1)
		}
		q := all.Data[k]
		apps, err := d.ListAppearances(bg, q.ID, 100, nil)
		if err != nil || len(apps.Data) != len(rec.Appearances) {
			t.Fatalf("record %d's appearances: %d, want %d (%v)", i+1, len(apps.Data), len(rec.Appearances), err)
		}
		// An edit after the load: the history is the edit, then the creations, one a page.
		if _, err := d.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Context: set("Read out at the briefing")}); err != nil {
			t.Fatal(err)
		}
		var history []*db.AuditEntry
		var cursor *string
		for range 10 {
			p, err := d.QuoteHistory(bg, q.ID, 1, cursor)
			if err != nil {
				t.Fatalf("record %d's history: %v", i+1, err)
			}
			history = append(history, p.Data...)
			if cursor = p.NextCursor; cursor == nil {
				break
			}
		}
		// (Record 2's pinned first appearance is an update of its own.)
		creations := 1 + len(apps.Data)
		if len(history) < 1+creations || history[0].Action != "update" || history[0].ID <= entry.ID {
			t.Fatalf("record %d's history: %d entries, want %d and more, the edit first: %+v", i+1, len(history), 1+creations, history)
		}
		made := map[string]bool{}
		for _, e := range history[len(history)-creations:] {
			if e.Action != "create" || e.ID != entry.ID || !e.At.Equal(entry.At) || e.Actor != entry.Actor ||
				e.Changes["load"].After != l.ID || e.QuoteID == nil || *e.QuoteID != q.ID || made[e.ResourceID] {
				t.Errorf("record %d's creation: %+v", i+1, e)
			}
			made[e.ResourceID] = true
		}
		if !made[q.ID] {
			t.Errorf("record %d's history lacks its quote's creation: %+v", i+1, history)
		}
		for _, a := range apps.Data {
			if !made[a.ID] {
				t.Errorf("record %d's history lacks appearance %s", i+1, a.ID)
			}
			one, err := d.Audit(bg, db.AuditFilter{ResourceID: &a.ID, Limit: 10})
			if err != nil || len(one.Data) != 1 || one.Data[0].Resource != "appearance" || *one.Data[0].QuoteID != q.ID {
				t.Errorf("appearance %s's trail: %+v %v", a.ID, one.Data, err)
			}
		}
		// Filtered as every entry is: by resource, actor and time.
		cases := []struct {
			name string
			f    db.AuditFilter
			want int
		}{
			{"the quote's", db.AuditFilter{ResourceID: &q.ID}, len(history) - len(apps.Data)},
			{"its appearances'", db.AuditFilter{QuoteID: &q.ID, Resource: str("appearance")}, len(apps.Data)},
			{"another's", db.AuditFilter{QuoteID: &q.ID, Actor: str("someone-else")}, 0},
			{"since the load", db.AuditFilter{QuoteID: &q.ID, Since: &entry.At}, len(history)},
			{"until before it", db.AuditFilter{QuoteID: &q.ID, Until: ptrTo(entry.At.Add(-time.Second))}, 0},
		}
		for _, c := range cases {
			c.f.Limit = 100
			if p, err := d.Audit(bg, c.f); err != nil || len(p.Data) != c.want {
				t.Errorf("record %d, %s entries: %d, want %d (%v)", i+1, c.name, len(p.Data), c.want, err)
			}
		}
	}
}

// words are record i's words, unlike every other record's: the load is not about linking.
func words(i int) string {
	vocab := strings.Fields("harbour lantern quarry meadow falcon ember thistle orchard glacier canyon pewter saffron " +
		"tundra willow cobalt juniper marble nectar oyster prairie quartz rivulet sorrel timber umber velvet walnut yarrow zephyr")
	out := make([]string, 10)
	for k := range out {
		out[k] = vocab[(i*7+k*k*11+k)%len(vocab)]
	}
	return fmt.Sprintf("Record %d: %s", i, strings.Join(out, " "))
}

// failingStore imports as its DB does until after batches have committed, then fails.
type failingStore struct {
	*db.DB
	after, done int
}

func (f *failingStore) Import(ctx context.Context, batch []db.ImportRecord) (db.ImportResult, error) {
	if f.done >= f.after {
		return db.ImportResult{}, errors.New("the disk went away")
	}
	f.done++
	return f.DB.Import(ctx, batch)
}

func isCode(err error, code string) bool {
	var e *db.Error
	return errors.As(err, &e) && e.Code == code
}
