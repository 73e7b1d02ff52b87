package engines_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
)

// No read takes a second connection: on a pool of one, searches that re-score a cursor,
// probe the rank window and count facets, and exports of every kind, run side by side
// and all finish. (A search that ran a statement on the pool beside its transaction
// waited for itself here; on a pool of four, six exports froze a server.)
func TestAPoolOfOneNeverWaitsOnItself(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn := filepath.Join(t.TempDir(), "one.db")
			if engine == "postgres" {
				dsn = dbtest.PostgresDSN(t)
			}
			d, err := engines.Open(dbtest.Operator, dsn, engines.Options{Connections: 1, Options: db.Options{RankWindow: 5}})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ins := make([]db.QuoteInput, 40)
			for i := range ins {
				ins[i] = db.QuoteInput{Text: fmt.Sprintf("grain talks on the table, round %d", i), SpeakerName: ptr("Keith Kellogg"),
					SaidOn: ptr(fmt.Sprintf("2025-%02d", 1+i%12)), Tags: []string{"grain"}}
			}
			if err := d.CreateQuotes(dbtest.Operator, ins); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(dbtest.Operator, 60*time.Second)
			defer cancel()
			q := ptr("grain table")
			work := []func() error{
				func() error { // relevance, a page and the next: the cursor is re-scored
					p, err := d.ListQuotes(ctx, db.QuoteFilter{Q: q, Limit: 3})
					if err == nil && p.NextCursor != nil {
						_, err = d.ListQuotes(ctx, db.QuoteFilter{Q: q, Limit: 3, Cursor: p.NextCursor})
					}
					return err
				},
				func() error { // facets over the whole result
					_, err := d.ListQuotes(ctx, db.QuoteFilter{Q: q, Facets: db.Facets})
					return err
				},
				func() error { // an export in relevance order: the rank window's probe
					return d.Export(ctx, db.QuoteFilter{Q: q}, func(*db.Record) error { return nil })
				},
				func() error { // an export by date
					return d.Export(ctx, db.QuoteFilter{Sort: "said_on"}, func(*db.Record) error { return nil })
				},
			}
			var wg sync.WaitGroup
			errs := make(chan error, 3*len(work))
			for range 3 {
				for _, w := range work {
					wg.Add(1)
					go func() { defer wg.Done(); errs <- w() }()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("on a pool of one: %v", err)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
