package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// testdata/quotebank.jsonl is written for these tests: both of Quotebank's shapes, every
// member, and the odd lines a corpus of 235M has — "None" speakers, many QIDs, no URLs,
// an empty quotation, a quoteID twice, bad probabilities and dates, non-UTF-8 bytes.
// quotebank.jsonl.bz2 is the same file through bzip2 -9.
func TestQuotebank(t *testing.T) {
	t.Parallel()
	plain, err := os.ReadFile("testdata/quotebank.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	bz, err := os.ReadFile("testdata/quotebank.jsonl.bz2")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	for name, in := range map[string][]byte{"plain": plain, "bzip2": bz, "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			recs, bad := readAll(t, string(in), Options{Format: "quotebank"})
			checkQuotebank(t, recs, bad)
		})
	}
}

func checkQuotebank(t *testing.T, recs []db.ImportRecord, bad []db.ImportLineError) {
	t.Helper()
	var lines []int
	for _, r := range recs {
		lines = append(lines, r.Line)
		if !r.Reappears || r.Via != "import" || r.Quote.Lang == nil || *r.Quote.Lang != "en" {
			t.Errorf("line %d: %+v", r.Line, r)
		}
	}
	if !slices.Equal(lines, []int{1, 2, 3, 4, 5, 8, 11}) {
		t.Fatalf("records from lines %v", lines)
	}
	for _, r := range recs {
		if r.Printed != (r.Line == 8) {
			t.Errorf("line %d: printed words %v: only an article's are", r.Line, r.Printed)
		}
	}
	trump := recs[0]
	if trump.ExternalID != "quotebank:2015-08-31-000271" || *trump.Quote.SpeakerName != "Donald Trump" ||
		*trump.Quote.SpeakerQID != "Q22686" || *trump.Quote.SaidOn != "2015-08-31" || *trump.Quote.DatePrecision != "day" {
		t.Errorf("the quotation: %+v", trump.Quote)
	}
	if ctx := *trump.Quote.Context; !strings.Contains(ctx, "Quotebank 2015-08-31-000271, phase E, 3 occurrences") ||
		!strings.Contains(ctx, "Donald Trump 0.8123, None 0.1500, Mike Pence 0.0377") {
		t.Errorf("what the quote keeps of Quotebank's model: %q", ctx)
	}
	// Three URLs, one of them twice: two appearances, the first dated.
	if as := trump.Appearances; len(as) != 2 || *as[0].OutletName != "breitbart.com" || *as[0].PublishedOn != "2015-08-31" ||
		*as[1].OutletName != "nytimes.com" || as[1].PublishedOn != nil || as[0].Words != trump.Quote.Text {
		t.Errorf("the appearances: %+v", as)
	}
	if none := recs[1]; *none.Quote.SpeakerName != unknownSpeaker || !none.Quote.SpeakerAnonymous || none.Quote.SpeakerQID != nil ||
		len(none.Appearances) != 0 {
		t.Errorf(`speaker "None": %+v`, none)
	}
	if many := recs[2]; *many.Quote.SpeakerName != "John Smith" || many.Quote.SpeakerQID != nil || many.Quote.SpeakerAnonymous {
		t.Errorf("four QIDs for one name: %+v", many.Quote)
	}
	if empty := recs[3]; empty.Quote.Text != "" {
		t.Errorf("an empty quotation: %+v (the reader passes it on; storage refuses it)", empty.Quote)
	}
	if again := recs[4]; again.ExternalID != trump.ExternalID || len(again.Appearances) != 1 {
		t.Errorf("the quoteID again: %+v", again)
	}
	article := recs[5]
	if article.ExternalID != trump.ExternalID || *article.Quote.SpeakerQID != "Q22686" || len(article.Appearances) != 1 ||
		!strings.Contains(article.Appearances[0].Words, "we're") || *article.Appearances[0].OutletName != "desmoinesregister.com" ||
		*article.Appearances[0].PublishedOn != "2015-09-01" || !strings.Contains(*article.Quote.Context, "Donald Trump 0.8123 (Q22686)") {
		t.Errorf("an article's quotation: %+v %+v", article.Quote, article.Appearances)
	}
	if extra := recs[6]; *extra.Quote.SpeakerQID != "Q5" {
		t.Errorf("a line with members the reader does not know: %+v", extra.Quote)
	}
	want := []struct {
		line  int
		field string
	}{{6, "probas"}, {7, "date"}, {8, "quotations[1]"}, {9, ""}, {10, ""}, {12, "quotation"}}
	if len(bad) != len(want) {
		t.Fatalf("rejected %+v", bad)
	}
	for i, w := range want {
		if bad[i].Line != w.line || bad[i].Field != w.field || bad[i].Message == "" {
			t.Errorf("rejection %d: %+v, want line %d field %q", i, bad[i], w.line, w.field)
		}
	}
}

// A bzip2 stream cut short is an error of the whole read where it stops — never a line
// read in part.
func TestQuotebankTruncatedStream(t *testing.T) {
	t.Parallel()
	plain, err := os.ReadFile("testdata/quotebank.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := readAll(t, string(plain), Options{Format: "quotebank"})
	texts := map[string]bool{}
	for _, r := range whole {
		texts[r.Quote.Text] = true
	}
	bz, err := os.ReadFile("testdata/quotebank.jsonl.bz2")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(bytes.NewReader(bz[:len(bz)*2/3]), Options{Format: "quotebank"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			t.Fatal("a truncated stream read to its end without an error")
		}
		if err != nil {
			break
		}
		if r.Err == nil && !texts[r.Quote.Text] {
			t.Errorf("a record read in part: %q", r.Quote.Text)
		}
	}
}
