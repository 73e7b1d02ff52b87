package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/outbound"
	"github.com/verbatimhq/verbatim/webhook"
)

// The engine is the test engine (VERBATIM_TEST_ENGINE); run with -benchtime=Nx.
//
//	go test -tags sqlite_fts5 ./webhook -run '^$' -bench . -benchtime 5000x -count 5

var bg = dbtest.Operator

func quote(i int) db.QuoteInput {
	s := fmt.Sprintf("Speaker %d", i%50)
	return db.QuoteInput{Text: fmt.Sprintf("NATO isn’t on the table, said for the %dth time", i), SpeakerName: &s,
		Tags: []string{"nato", fmt.Sprint("t", i%7)}}
}

// BenchmarkDelivery measures how fast the outbox empties: b.N quote.created events are
// queued (untimed), then a dispatcher with 16 workers delivers them, signed, to a local
// receiver answering 200 at once.
func BenchmarkDelivery(b *testing.B) {
	d := dbtest.Open(b)
	var got atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	defer recv.Close()
	u, _ := url.Parse(recv.URL)
	port, _ := strconv.Atoi(u.Port())
	if _, _, err := d.CreateWebhook(bg, db.WebhookInput{URL: recv.URL, EventTypes: []string{"quote.created"}}); err != nil {
		b.Fatal(err)
	}
	recs := make([]db.ImportRecord, 0, 1000)
	for i := range b.N {
		recs = append(recs, db.ImportRecord{Line: i + 1, Quote: quote(i)})
		if len(recs) == cap(recs) || i == b.N-1 {
			if _, err := d.Import(bg, recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	ctx, cancel := context.WithCancel(bg)
	disp := &webhook.Dispatcher{DB: d, BaseURL: "https://verbatim.example", Workers: 16,
		Client: outbound.New(outbound.Options{AllowPrivate: true, Ports: []int{port}})}
	b.ResetTimer()
	done := make(chan struct{})
	go func() { defer close(done); disp.Run(ctx) }()
	for got.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkWriteWithEndpoints measures what the outbox adds to a write: creating quotes
// with no endpoint, and with five listening (three narrowed by watches, one of which the
// quote touches), whose events and deliveries the write's transaction also writes.
func BenchmarkWriteWithEndpoints(b *testing.B) {
	for _, endpoints := range []int{0, 5} {
		b.Run(fmt.Sprintf("endpoints=%d", endpoints), func(b *testing.B) {
			d := dbtest.Open(b)
			watches := []*db.Watches{nil, nil, {Tags: []string{"nato"}}, {Tags: []string{"economy"}}, {Speakers: []string{"spk_none"}}}
			for i := range endpoints {
				if _, _, err := d.CreateWebhook(bg, db.WebhookInput{URL: fmt.Sprintf("https://r%d.example/", i),
					EventTypes: []string{"quote.created", "speaker.created"}, Watches: watches[i]}); err != nil {
					b.Fatal(err)
				}
			}
			for i := range 100 { // the speakers exist: each write is one quote
				if _, err := d.CreateQuote(bg, quote(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := d.CreateQuote(bg, quote(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
