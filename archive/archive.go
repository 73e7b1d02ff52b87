// Package archive writes exported quotes in the formats researchers and newsrooms take
// away: NDJSON (one record per line, the API's shape, which import reads back) and CSV
// (one row per quote, for spreadsheets).
package archive

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// Formats are the export formats, with their media types.
var Formats = map[string]string{
	"ndjson": "application/x-ndjson",
	"csv":    "text/csv; charset=utf-8",
}

// Writer writes records one at a time; Flush pushes what is buffered to the underlying
// writer. Neither holds more than a record in memory.
type Writer interface {
	Write(r *db.Record) error
	Flush() error
}

// NewWriter returns a writer of the named format.
func NewWriter(format string, w io.Writer) (Writer, error) {
	switch format {
	case "ndjson":
		bw := bufio.NewWriterSize(w, 64<<10)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &ndjsonWriter{buf: bw, enc: enc}, nil
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return nil, fmt.Errorf("archive: write CSV header: %w", err)
		}
		return &csvWriter{w: cw}, nil
	}
	return nil, fmt.Errorf("archive: unknown format %q", format)
}

type ndjsonWriter struct {
	buf *bufio.Writer
	enc *json.Encoder
}

func (n *ndjsonWriter) Write(r *db.Record) error { return n.enc.Encode(r) }
func (n *ndjsonWriter) Flush() error             { return n.buf.Flush() }

// csvHeader names the columns; list-valued columns join their values with " | ". The
// speaker's Wikidata QID and aliases let a researcher join the quotes with Wikidata;
// they come last, so that readers of the older columns by position read them still.
var csvHeader = []string{"id", "text", "speaker_id", "speaker_name", "speaker_role", "said_on", "date_precision",
	"outlet_id", "outlet_name", "context", "setting", "lang", "source_url", "tags", "attribution", "rating",
	"verdict_summary", "verdict_reviewed_by", "verdict_at", "citation_urls", "version", "created_at", "updated_at",
	"speaker_position", "speaker_wikidata_qid", "speaker_aliases"}

type csvWriter struct{ w *csv.Writer }

func (c *csvWriter) Write(r *db.Record) error {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var outletID, outletName, summary, reviewer, at string
	if r.Outlet != nil {
		outletID, outletName = r.Outlet.ID, r.Outlet.Name
	}
	if v := r.CurrentVerdict; v != nil {
		summary, reviewer, at = v.Summary, v.ReviewedBy, v.CreatedAt.Format(time.RFC3339Nano)
	}
	var qid, aliases string
	if sp := r.SpeakerDetail; sp != nil {
		qid, aliases = str(sp.WikidataQID), strings.Join(sp.Aliases, " | ")
	}
	urls := make([]string, len(r.Citations))
	for i, cit := range r.Citations {
		urls[i] = cit.URL
	}
	row := []string{r.ID, r.Text, r.Speaker.ID, r.Speaker.Name, str(r.SpeakerRole), str(r.SaidOn),
		str(r.DatePrecision), outletID, outletName, str(r.Context), str(r.Setting), str(r.Lang), str(r.SourceURL),
		strings.Join(r.Tags, " | "), r.Attribution, str(r.Rating), summary, reviewer, at, strings.Join(urls, " | "),
		fmt.Sprint(r.Version), r.CreatedAt.Format(time.RFC3339Nano), r.UpdatedAt.Format(time.RFC3339Nano),
		str(r.SpeakerPosition), qid, aliases}
	for i := range row {
		row[i] = NeutralizeCell(row[i])
	}
	return c.w.Write(row)
}

// NeutralizeCell keeps a spreadsheet from running a cell as a formula, as OWASP's CSV
// injection advice says: a cell that begins with = + - @, a tab or a carriage return
// (every text column can: quotes, names, summaries and URLs are the public's words)
// gets a leading apostrophe, which spreadsheets show as text and do not display. The
// CSV is for reading in a spreadsheet; the NDJSON export keeps the words exactly and is
// the one to import again.
func NeutralizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (c *csvWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// Stream writes every record export yields to w in format, pushing them out every 500
// records (flush is then called, to send them on to the client) so that a long export
// arrives as it goes and holds little in memory. It returns how many records it wrote.
//
// Nothing reaches w before the first push: an export that fails at once (a filter its
// first read refuses) has written nothing, and an HTTP handler can still answer with the
// error instead of a cut-off body.
func Stream(w io.Writer, format string, export func(each func(*db.Record) error) error, flush func()) (int, error) {
	aw, err := NewWriter(format, w)
	if err != nil {
		return 0, err
	}
	n := 0
	err = export(func(r *db.Record) error {
		if err := aw.Write(r); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			if err := aw.Flush(); err != nil {
				return err
			}
			flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, aw.Flush()
}
