package db

import (
	"context"
	"fmt"
	"testing"
)

// A bulk batch indexes its quotes for search in one statement with the row trigger
// standing aside; afterwards the trigger indexes ordinary writes again, the index passes
// its own check, and every quote has its variant bands and its audit entry.
func TestImportIndexesBulkBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	str := func(s string) *string { return &s }
	var batch []ImportRecord
	for i := range 250 {
		batch = append(batch, ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("k", i), Quote: QuoteInput{
			Text:        fmt.Sprintf("Sanctions on grain number %d are not on the table", i),
			SpeakerName: str(fmt.Sprint("Speaker ", i%7)), OutletName: str(fmt.Sprint("Outlet ", i%3)), Context: str("zebracontext"),
			Tags: []string{"Grain", "grain", fmt.Sprint("t", i%4)}}})
	}
	// One record with a verdict takes the record-at-a-time path inside the same batch,
	// and one repeats a key already in the batch.
	batch = append(batch, ImportRecord{Line: 251, ExternalID: "v", Quote: QuoteInput{Text: "Verdicted sanctions words",
		SpeakerName: str("Speaker 1")}, Verdicts: []ImportVerdict{{Attribution: "paraphrased", Summary: "The gist, not the words."}}})
	batch = append(batch, ImportRecord{Line: 252, ExternalID: "k0", Quote: batch[0].Quote})
	res, err := d.Import(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 251 || res.Unchanged != 1 || res.Rejected != 0 {
		t.Fatalf("import: %+v", res)
	}
	count := func(q string) int {
		t.Helper()
		n, page := 0, QuotePage{}
		f := QuoteFilter{Q: &q, Limit: 100}
		for {
			var err error
			if page, err = d.ListQuotes(ctx, f); err != nil {
				t.Fatal(err)
			}
			n += len(page.Data)
			if page.NextCursor == nil {
				return n
			}
			f.Cursor = page.NextCursor
		}
	}
	for q, want := range map[string]int{"sanctions": 251, "grain": 250, `"speaker 3"`: 36, "zebracontext": 250, "verdicted": 1} {
		if got := count(q); got != want {
			t.Errorf("search %q: %d hits, want %d", q, got, want)
		}
	}
	// The trigger is back for everything written after the batch.
	if _, err := d.CreateQuote(ctx, QuoteInput{Text: "Afterwards sanctions", SpeakerName: str("Speaker 2")}); err != nil {
		t.Fatal(err)
	}
	if got := count("afterwards"); got != 1 {
		t.Errorf("a quote created after the import: %d hits", got)
	}
	var flags, bandless, audited int
	if err := d.reader.QueryRowContext(ctx, `SELECT count(*) FROM fts_deferred`).Scan(&flags); err != nil || flags != 0 {
		t.Errorf("fts_deferred holds %d rows (%v)", flags, err)
	}
	if err := d.reader.QueryRowContext(ctx, `SELECT count(*) FROM quotes WHERE seq NOT IN (SELECT quote_seq FROM quote_bands)`).Scan(&bandless); err != nil || bandless != 0 {
		t.Errorf("%d quotes without variant bands (%v)", bandless, err)
	}
	if err := d.reader.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'create' AND resource = 'quote'`).Scan(&audited); err != nil || audited != 252 {
		t.Errorf("%d creations audited, want 252 (%v)", audited, err)
	}
	rep, err := Verify(ctx, d.path)
	if err != nil || !rep.OK() || rep.Quotes != 252 {
		t.Errorf("verify: %+v (%v)", rep, err)
	}
}
