package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/ingest"
)

// cutReader fails like a dropped connection once n bytes are read.
type cutReader struct {
	r io.Reader
	n int
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errors.New("connection reset by peer")
	}
	n, err := c.r.Read(p[:min(len(p), c.n)])
	c.n -= n
	return n, err
}

// With several batches written at once, totals and progress follow the file in order,
// every record is stored once, and an input cut off part way counts only the batches
// before the cut (a re-run stores the rest).
func TestRunInFlight(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 230 {
		if i == 57 {
			b.WriteString("not json\n")
		}
		fmt.Fprintf(&b, `{"external_id": "c-%03d", "text": "words %d", "speaker_name": "Speaker %d"}`+"\n", i, i, i%7)
	}
	file := b.String()
	for _, inFlight := range []int{1, 3} {
		d := dbtest.Open(t)
		rd, err := ingest.NewReader(strings.NewReader(file), ingest.Options{Format: "ndjson"})
		if err != nil {
			t.Fatal(err)
		}
		var lines []int
		res, err := ingest.Run(dbtest.Operator, rd, d, ingest.Batching{Size: 20, InFlight: inFlight, Progress: func(total db.ImportResult, last int) {
			lines = append(lines, last)
			if n := total.Created + total.Rejected; n != min(20*len(lines)+1, 231) && n != 20*len(lines) {
				t.Errorf("in flight %d: after line %d the totals are %+v", inFlight, last, total)
			}
		}})
		if err != nil || res.Created != 230 || res.Rejected != 1 || res.LastLine != 231 || res.Errors[0].Line != 58 {
			t.Fatalf("in flight %d: %+v %v", inFlight, res, err)
		}
		for i := 1; i < len(lines); i++ {
			if lines[i] <= lines[i-1] {
				t.Errorf("in flight %d: progress went from line %d to %d", inFlight, lines[i-1], lines[i])
			}
		}
		if c, _ := d.Counts(dbtest.Operator); c.Quotes != 230 || c.Speakers != 7 {
			t.Errorf("in flight %d: stored %+v", inFlight, c)
		}
	}
	d := dbtest.Open(t)
	rd, err := ingest.NewReader(&cutReader{r: strings.NewReader(file), n: len(file) / 2}, ingest.Options{Format: "ndjson"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Run(dbtest.Operator, rd, d, ingest.Batching{Size: 20, InFlight: 3})
	var re *ingest.ReadError
	// Batches end at lines 20, 40, 61 (the 58th is the bad one), 81, 101…; the cut is at
	// about line 116, inside the sixth.
	if !errors.As(err, &re) || !slices.Contains([]int{20, 40, 61, 81, 101}, res.LastLine) {
		t.Fatalf("a cut input: %+v %v", res, err)
	}
	c, _ := d.Counts(dbtest.Operator)
	if int64(res.Created) > c.Quotes {
		t.Errorf("counted %d created, %d stored", res.Created, c.Quotes)
	}
}

// slowStore is the real archive whose transactions take perRecord for each record, as a
// large archive's do: what the batching sees is their time.
type slowStore struct {
	*db.DB
	perRecord time.Duration
	mu        sync.Mutex
	sizes     []int
}

func (s *slowStore) Import(ctx context.Context, batch []db.ImportRecord) (db.ImportResult, error) {
	s.mu.Lock()
	s.sizes = append(s.sizes, len(batch))
	s.mu.Unlock()
	time.Sleep(time.Duration(len(batch)) * s.perRecord)
	return s.DB.Import(ctx, batch)
}

// With a time budget and company, transactions shrink to fit the budget and rest after
// each; alone, the import runs at full size.
func TestRunKeepsToItsBudgetInCompany(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 8000 {
		fmt.Fprintf(&b, `{"external_id": "b-%04d", "text": "words %d", "speaker_name": "Speaker %d"}`+"\n", i, i, i%11)
	}
	for _, company := range []bool{true, false} {
		s := &slowStore{DB: dbtest.Open(t), perRecord: 100 * time.Microsecond}
		rd, err := ingest.NewReader(strings.NewReader(b.String()), ingest.Options{Format: "ndjson"})
		if err != nil {
			t.Fatal(err)
		}
		asked := 0
		res, err := ingest.Run(dbtest.Operator, rd, s, ingest.Batching{Size: 2500, Budget: 30 * time.Millisecond, Rest: time.Millisecond,
			Shared: func() bool { asked++; return company }})
		if err != nil || res.Created != 8000 {
			t.Fatalf("company %v: %+v %v", company, res, err)
		}
		if asked < len(s.sizes) {
			t.Errorf("company %v: asked %d times for %d batches", company, asked, len(s.sizes))
		}
		largest := slices.Max(s.sizes)
		if company && largest > 1000 {
			t.Errorf("in company, batches of %v: want them under the budget's 300 records or so (the first at 1000)", s.sizes)
		}
		// The reader runs two batches ahead of the writer: the third is the first cut to
		// the budget.
		if company && slices.Max(s.sizes[3:]) > 400 {
			t.Errorf("in company, batches of %v did not come down to the budget", s.sizes)
		}
		if !company && !slices.Equal(s.sizes, []int{2500, 2500, 2500, 500}) {
			t.Errorf("alone, batches of %v: want the full size", s.sizes)
		}
	}
}
