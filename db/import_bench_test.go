package db

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkImport loads b.N generated quotes in batches of 2,000 into an empty database,
// indexes included; quotes/s is the figure the bulk import is judged by.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	recs := make([]ImportRecord, 0, 2000)
	flush := func() {
		if _, err := d.Import(ctx, recs); err != nil {
			b.Fatal(err)
		}
		recs = recs[:0]
	}
	b.ResetTimer()
	for i := range b.N {
		speaker := fmt.Sprintf("Speaker %d", i%5000)
		outlet := fmt.Sprintf("Outlet %d", i%150)
		said := fmt.Sprintf("20%02d-%02d-%02d", i%25, i%12+1, i%28+1)
		recs = append(recs, ImportRecord{Line: i + 1, ExternalID: fmt.Sprint("b-", i), Quote: QuoteInput{
			Text:        fmt.Sprintf("the quick brown fox %d jumps over the lazy dog near the table of nato %d", i, i*7),
			SpeakerName: &speaker, OutletName: &outlet, SaidOn: &said, Tags: []string{"nato", fmt.Sprint("t", i%40)}}})
		if len(recs) == cap(recs) {
			flush()
		}
	}
	flush()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "quotes/s")
}
