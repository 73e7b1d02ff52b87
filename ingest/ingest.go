// Package ingest reads the files newsrooms and researchers bring — Verbatim's own NDJSON
// (the export shape or the create shape), CSV and TSV with a column mapping, schema.org
// ClaimReview JSON-LD, and Quotebank's JSON lines; plain, bzip2 or gzip — into records
// for the bulk import. It reads as it goes:
// memory stays flat whatever the file's size.
package ingest

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/ratings"
)

// Formats the reader knows.
var Formats = []string{"ndjson", "csv", "tsv", "claimreview", "quotebank"}

// Fields a CSV or TSV column can be mapped to.
var Fields = []string{"text", "speaker", "speaker_role", "said_on", "date_precision", "outlet", "context", "setting",
	"lang", "source_url", "tags", "external_id", "rating", "summary"}

// Options say how to read a file.
type Options struct {
	Format string
	// Map maps fields to columns for CSV and TSV: "text=3,speaker=5,external_id=1+2"
	// (1-based column numbers, or header names with Header; "+" joins columns with ":").
	// Without one, a header row's names that are field names are used.
	Map    string
	Header bool // the first CSV or TSV row names the columns
}

// Record is a record read, or the reason a line could not be.
type Record struct {
	db.ImportRecord
	Err *db.ImportLineError
}

// Reader reads records one at a time. It only reads: the rules every record is held to
// are storage's, which applies them to whatever reaches it.
type Reader struct {
	next func() (*Record, error)
}

// NewReader returns a reader of r in the given format. A mapping that names unknown
// fields or columns is an error before anything is read.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	rd := &Reader{}
	if (opt.Map != "" || opt.Header) && opt.Format != "csv" && opt.Format != "tsv" {
		return nil, errors.New("a column mapping and a header row apply to csv and tsv only")
	}
	r, err := decompressed(r)
	if err != nil {
		return nil, err
	}
	switch opt.Format {
	case "ndjson", "":
		rd.next = rd.ndjson(r)
	case "claimreview":
		rd.next = rd.claimReview(r)
	case "quotebank":
		rd.next = rd.quotebank(r)
	case "csv", "tsv":
		next, err := rd.table(r, opt)
		if err != nil {
			return nil, err
		}
		rd.next = next
	default:
		return nil, fmt.Errorf("unknown format %q: use one of %s", opt.Format, strings.Join(Formats, ", "))
	}
	return rd, nil
}

// decompressed reads r through bzip2 or gzip when its first bytes say it is compressed —
// corpora ship so (Quotebank as .bz2) — as it goes: a file is never unpacked to disk.
// A stream cut short fails the read where it ends (a ReadError), not a line.
func decompressed(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), nil
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("a gzip stream that cannot be read: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// Next returns the next record, io.EOF at the end, or an error that stops the read (the
// input itself failing). A bad line is a Record with Err set, never an error.
func (r *Reader) Next() (*Record, error) { return r.next() }

func lineError(line int, field, msg string) *Record {
	return &Record{ImportRecord: db.ImportRecord{Line: line}, Err: &db.ImportLineError{Line: line, Field: field, Message: msg}}
}

// line is one NDJSON line in the create shape; export records are told apart by their
// speaker_detail.
type line struct {
	db.QuoteInput
	ExternalID *string            `json:"external_id"`
	Rating     *string            `json:"rating_label"`
	Verdicts   []lineVerdict      `json:"verdicts"`
	Citations  []db.CitationInput `json:"citations"`
}

type lineVerdict struct {
	Attribution  string   `json:"attribution"`
	Rating       *string  `json:"rating"`
	Summary      string   `json:"summary"`
	CitationURLs []string `json:"citation_urls"`
}

func (r *Reader) ndjson(in io.Reader) func() (*Record, error) {
	next := lines(in)
	return func() (*Record, error) {
		n, b, err := next()
		if err != nil {
			return nil, err
		}
		return r.decodeLine(n, b), nil
	}
}

// lines reads JSON lines: each non-blank line with its number, io.EOF at the end.
func lines(in io.Reader) func() (int, []byte, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	return func() (int, []byte, error) {
		for sc.Scan() {
			n++
			if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
				return n, b, nil
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return 0, nil, fmt.Errorf("line %d is over 16 MiB", n+1)
			}
			return 0, nil, err
		}
		return 0, nil, io.EOF
	}
}

func (r *Reader) decodeLine(n int, b []byte) *Record {
	if bad := unreadable(b); bad != nil {
		return bad(n)
	}
	// Only an exported record has speaker_detail; the create shape, most lines of most
	// files, is not parsed twice to find out (the probe was a sixth of reading a file).
	var probe struct {
		SpeakerDetail json.RawMessage `json:"speaker_detail"`
	}
	if bytes.Contains(b, []byte(`"speaker_detail"`)) {
		if err := json.Unmarshal(b, &probe); err != nil {
			return lineError(n, "", "not a JSON object: "+err.Error())
		}
	}
	if probe.SpeakerDetail != nil {
		rec := &db.Record{}
		if err := json.Unmarshal(b, rec); err != nil {
			return lineError(n, "", "not an exported record: "+err.Error())
		}
		return &Record{ImportRecord: db.ImportRecord{Line: n, Exported: rec}}
	}
	var l line
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
			return lineError(n, "", "not a JSON object: "+strings.TrimPrefix(err.Error(), "json: "))
		}
		return lineError(n, "", strings.TrimPrefix(err.Error(), "json: "))
	}
	rec := db.ImportRecord{Line: n, Quote: l.QuoteInput, Citations: l.Citations}
	if l.ExternalID != nil {
		rec.ExternalID = *l.ExternalID
	}
	for _, v := range l.Verdicts {
		rec.Verdicts = append(rec.Verdicts, db.ImportVerdict{Attribution: v.Attribution, Rating: v.Rating, Summary: v.Summary,
			CitationURLs: v.CitationURLs})
	}
	if l.Rating != nil {
		v, bad := labelVerdict(*l.Rating)
		if bad != "" {
			return lineError(n, "rating_label", bad)
		}
		rec.Verdicts = append(rec.Verdicts, v)
	}
	return &Record{ImportRecord: rec}
}

// unreadable refuses what a JSON decoder would replace with U+FFFD — bytes that are not
// UTF-8, a lone surrogate escape — before it sees them: the words are never altered.
func unreadable(b []byte) func(line int) *Record {
	if !utf8.Valid(b) {
		off := db.InvalidUTF8Offset(b)
		return func(line int) *Record {
			return lineError(line, db.JSONFieldAt(b, off), fmt.Sprintf("invalid UTF-8 at byte %d of the line; text must be UTF-8", off+1))
		}
	}
	if off := db.LoneSurrogateOffset(b); off >= 0 {
		return func(line int) *Record { return lineError(line, db.JSONFieldAt(b, off), db.LoneSurrogateMessage) }
	}
	return nil
}

// labelVerdict turns a published rating label into a verdict through the normaliser; an
// unknown label is reported, never guessed.
func labelVerdict(label string) (db.ImportVerdict, string) {
	v, err := ratings.Normalize(label)
	if err != nil {
		return db.ImportVerdict{}, err.Error()
	}
	out := db.ImportVerdict{Attribution: "unverified", Summary: "Imported rating: " + strings.TrimSpace(label)}
	if v.Attribution != "" {
		out.Attribution = v.Attribution
	}
	if v.Rating != "" {
		out.Rating = &v.Rating
	}
	return out, ""
}

// table reads CSV or TSV through a column mapping.
func (r *Reader) table(in io.Reader, opt Options) (func() (*Record, error), error) {
	read := rowReader(in, opt.Format)
	var header []string
	if opt.Header || opt.Map == "" {
		h, _, err := read()
		if err != nil {
			return nil, fmt.Errorf("reading the header row: %w", err)
		}
		header = append([]string(nil), h...)
	}
	cols, err := mapping(opt.Map, header)
	if err != nil {
		return nil, err
	}
	if _, ok := cols["text"]; !ok {
		return nil, errors.New("the mapping gives no column for text")
	}
	if _, ok := cols["speaker"]; !ok {
		return nil, errors.New("the mapping gives no column for speaker")
	}
	return func() (*Record, error) {
		row, n, err := read()
		if err == io.EOF {
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return lineError(pe.Line, "", pe.Err.Error()), nil
		}
		if err != nil {
			return nil, err
		}
		get := func(field string) *string {
			idx, ok := cols[field]
			if !ok {
				return nil
			}
			var parts []string
			for _, i := range idx {
				if i < len(row) && strings.TrimSpace(row[i]) != "" {
					parts = append(parts, strings.TrimSpace(row[i]))
				}
			}
			if len(parts) == 0 {
				return nil
			}
			v := strings.Join(parts, ":")
			return &v
		}
		rec := db.ImportRecord{Line: n}
		if t := get("text"); t != nil {
			rec.Quote.Text = *t
		}
		rec.Quote.SpeakerName = get("speaker")
		rec.Quote.SpeakerRole = get("speaker_role")
		rec.Quote.SaidOn = compactDate(get("said_on"))
		rec.Quote.DatePrecision = get("date_precision")
		rec.Quote.OutletName = get("outlet")
		rec.Quote.Context = get("context")
		rec.Quote.Setting = get("setting")
		rec.Quote.Lang = get("lang")
		rec.Quote.SourceURL = get("source_url")
		if tags := get("tags"); tags != nil {
			rec.Quote.Tags = strings.FieldsFunc(*tags, func(r rune) bool { return r == ',' || r == '|' || r == ';' })
		}
		if id := get("external_id"); id != nil {
			rec.ExternalID = *id
		}
		if label := get("rating"); label != nil {
			v, bad := labelVerdict(*label)
			if bad != "" {
				return lineError(n, "rating", bad), nil
			}
			if s := get("summary"); s != nil {
				v.Summary = *s
			}
			rec.Verdicts = append(rec.Verdicts, v)
		}
		return &Record{ImportRecord: rec}, nil
	}, nil
}

// rowReader returns rows with their line numbers. CSV follows RFC 4180 quoting; TSV is
// one row per line split on tabs, with quote marks as plain text — the way data sets
// write it (LIAR's statements open quotes they never close).
func rowReader(in io.Reader, format string) func() ([]string, int, error) {
	if format == "tsv" {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		n := 0
		return func() ([]string, int, error) {
			for sc.Scan() {
				n++
				if line := strings.TrimRight(sc.Text(), "\r"); line != "" {
					return strings.Split(line, "\t"), n, nil
				}
			}
			if err := sc.Err(); err != nil {
				return nil, n, err
			}
			return nil, n, io.EOF
		}
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return func() ([]string, int, error) {
		row, err := cr.Read()
		n, _ := cr.FieldPos(0)
		return row, n, err
	}
}

// compactDate accepts YYYYMMDD too, as data sets write it.
func compactDate(s *string) *string {
	if s == nil || len(*s) != 8 {
		return s
	}
	if _, err := strconv.Atoi(*s); err != nil {
		return s
	}
	d := (*s)[:4] + "-" + (*s)[4:6] + "-" + (*s)[6:]
	return &d
}

// mapping parses "field=col[+col…],…" against the header (names) or as 1-based numbers;
// without a spec, header names that are field names map themselves.
func mapping(spec string, header []string) (map[string][]int, error) {
	cols := map[string][]int{}
	known := map[string]bool{}
	for _, f := range Fields {
		known[f] = true
	}
	if strings.TrimSpace(spec) == "" {
		for i, h := range header {
			if h = strings.ToLower(strings.TrimSpace(h)); known[h] {
				cols[h] = []int{i}
			}
		}
		return cols, nil
	}
	for _, part := range strings.Split(spec, ",") {
		field, ref, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !known[field] {
			return nil, fmt.Errorf("mapping %q: the field must be one of %s", part, strings.Join(Fields, ", "))
		}
		for _, c := range strings.Split(ref, "+") {
			c = strings.TrimSpace(c)
			if n, err := strconv.Atoi(c); err == nil && n >= 1 {
				cols[field] = append(cols[field], n-1)
				continue
			}
			found := false
			for i, h := range header {
				if strings.EqualFold(strings.TrimSpace(h), c) {
					cols[field], found = append(cols[field], i), true
				}
			}
			if !found {
				return nil, fmt.Errorf("mapping %q: %q is neither a column number nor a header name", part, c)
			}
		}
	}
	return cols, nil
}
