package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

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
