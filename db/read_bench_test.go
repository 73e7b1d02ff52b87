package db

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkQuoteByID reads 1,000 quotes by ID from 2 goroutines with nothing written
// meanwhile: after the first round every read is answered by the quote cache.
func BenchmarkQuoteByID(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	ids := make([]string, 1000)
	for i := range ids {
		name := fmt.Sprint("Speaker ", i%50)
		q, err := d.CreateQuote(ctx, QuoteInput{Text: fmt.Sprintf("NATO isn’t on the table, said for the %dth time", i), SpeakerName: &name})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = q.ID
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := d.Quote(ctx, ids[i%len(ids)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
