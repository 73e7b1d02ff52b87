package conformance

import (
	"fmt"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// BenchImport loads b.N generated quotes in batches of 2,000 into the empty archive d,
// indexes included; quotes/s is the figure the bulk import is judged by.
func BenchImport(b *testing.B, d *db.DB) {
	recs := make([]db.ImportRecord, 0, 2000)
	flush := func() {
		if _, err := d.Import(bg, recs); err != nil {
			b.Fatal(err)
		}
		recs = recs[:0]
	}
	b.ResetTimer()
	for i := range b.N {
		speaker := fmt.Sprintf("Speaker %d", i%5000)
		outlet := fmt.Sprintf("Outlet %d", i%150)
		said := fmt.Sprintf("20%02d-%02d-%02d", i%25, i%12+1, i%28+1)
		recs = append(recs, db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("b-", i), Quote: db.QuoteInput{
			Text:        fmt.Sprintf("the quick brown fox %d jumps over the lazy dog near the table of nato %d", i, i*7),
			SpeakerName: &speaker, OutletName: &outlet, SaidOn: &said, Tags: []string{"nato", fmt.Sprint("t", i%40)}}})
		if len(recs) == cap(recs) {
			flush()
		}
	}
	flush()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "quotes/s")
}

// BenchQuoteByID reads 1,000 quotes by ID from parallel goroutines with nothing written
// meanwhile: after the first round every read is answered by the quote cache, after one
// look at the database's version a read.
func BenchQuoteByID(b *testing.B, d *db.DB) {
	ids := make([]string, 1000)
	for i := range ids {
		q := mustQuote(b, d, db.QuoteInput{Text: fmt.Sprintf("NATO isn’t on the table, said for the %dth time", i),
			SpeakerName: str(fmt.Sprint("Speaker ", i%50))})
		ids[i] = q.ID
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := d.Quote(bg, ids[i%len(ids)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchDuplicates asks for the strongest suggested duplicates among n speakers whose
// names share surnames as a newsroom's do (n/2,000 speakers a surname, given names of 26
// initials, one in ten written as the initial alone): every request reads every name and
// compares within blocks.
func BenchDuplicates(b *testing.B, d *db.DB, n int) {
	recs := make([]db.ImportRecord, 0, 2000)
	for i := range n {
		first := fmt.Sprintf("%cgiven%d", 'A'+(i/2000)%26, i/2000/26)
		if i%10 == 0 {
			first = first[:1] + "."
		}
		name := fmt.Sprintf("%s Surname%d", first, i%2000)
		recs = append(recs, db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("d-", i), Quote: db.QuoteInput{
			Text: fmt.Sprint("words ", i), SpeakerName: &name}})
		if len(recs) == cap(recs) || i == n-1 {
			if _, err := d.Import(bg, recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := d.Duplicates(bg, db.DuplicateFilter{Kind: "speaker", Limit: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
