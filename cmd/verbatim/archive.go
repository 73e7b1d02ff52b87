package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/verbatimhq/verbatim/archive"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/sqlite"
	"github.com/verbatimhq/verbatim/ingest"
)

func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import FILE [flags]", getenv, stdout, stderr)
	dbPath := dbFlag(fs, "database")
	var opt ingest.Options
	fs.StringVar(&opt.Format, "format", "", "ndjson, csv, tsv, claimreview or quotebank (default: from the file's name); bzip2 and gzip files are read as they are")
	fs.StringVar(&opt.Map, "map", "", "CSV/TSV columns: text=3,speaker=5,external_id=1+2 (numbers from 1, or header names)")
	fs.BoolVar(&opt.Header, "header", false, "the first CSV/TSV row names the columns")
	batch := fs.Int("batch", 25000, "records per transaction: each commit rewrites the index pages it touched, so fewer, larger commits write far less (memory grows with the batch)")
	parallel := fs.Int("parallel", 0, "batches written at once, each in its own transaction (default: 2 on PostgreSQL, 1 on SQLite, which writes one at a time)")
	server := fs.String("server", "", "import through a running server at this URL instead of the database")
	quiet := fs.Bool("quiet", false, "no progress on standard error: only the result on standard output")
	resume := fs.Bool("resume", false, "carry on this file's last unfinished load (killed, or stopped by an error) past the lines it committed; start one if there is none")
	key := fs.String("key", "", "API key for --server (an editor's or above)")
	link := linkFlags(fs)
	pos, err := fs.parseArgs(args, "the file to import")
	if err != nil {
		return err
	}
	path := pos[0]
	if opt.Format == "" {
		opt.Format = formatOf(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	prog := newProgress(stderr, *quiet, st.Size(), "import")
	in := &countingReader{r: f, n: &prog.done}
	start := time.Now()
	var res db.ImportResult
	if *server != "" {
		res, err = importRemote(ctx, *server, *key, in, opt, st.Size())
	} else {
		if getenv("GOGC") == "" { // an operator's own GOGC wins
			// An import allocates each batch's records and lets them go: at the default the
			// collector took a fifth of its CPU. Collecting a quarter as often made a
			// million-quote import 9 % faster for twice the memory (313 → 702 MB).
			debug.SetGCPercent(400)
		}
		if getenv("GOMEMLIMIT") == "" {
			// ... and the memory that costs is slack the collector may give back: with a
			// soft limit it collects more often only near it. A million Quotebank
			// quotations peaked at 1.6 GB without one; 100k at 1.54 GB without, 0.82 GB
			// under 700 MiB, in the same time.
			debug.SetMemoryLimit(1 << 30)
		}
		var store *db.DB
		if store, err = engines.Open(ctx, *dbPath, engines.Options{Options: db.Options{Link: link()}}); err != nil {
			return err
		}
		defer store.Close()
		b := ingest.Batching{Size: *batch, InFlight: *parallel, Progress: func(total db.ImportResult, last int) {
			// One line per committed batch in a log: what it says is in the database.
			if !prog.tty {
				prog.say("committed through line %d: %d created, %d updated, %d unchanged, %d rejected",
					last, total.Created, total.Updated, total.Unchanged, total.Rejected)
			}
			prog.update(total.Created + total.Updated + total.Unchanged + total.Rejected)
		}}
		if store.Engine().Name() == "postgres" {
			if b.InFlight <= 0 {
				// The server stores one batch while this process prepares the next: with
				// two under way both cores work (1M quotes: 63 → 55 s on two cores).
				b.InFlight = 2
			}
		} else if eng, ok := store.Engine().(*sqlite.Engine); ok {
			// SQLite writes one transaction at a time, for every process: a server
			// beside the import writes between its transactions.
			b.Budget, b.Rest, b.Shared = sqliteBudget, sqliteRest, eng.Shared
			if eng.Shared() {
				prog.say("another process (a server?) has the archive open: transactions of about %v, so that its writes go between them", sqliteBudget)
			}
		}
		var load *db.Load
		res, load, err = ingest.Load(ctx, in, opt, store, b, db.LoadInput{Source: filepath.Base(path), Format: opt.Format, Size: st.Size()}, *resume)
		if load != nil {
			prog.say("load %s: %d created, %d updated, %d unchanged, %d rejected over %d batches", load.ID,
				load.Created, load.Updated, load.Unchanged, load.Rejected, load.Batches)
		}
	}
	prog.finish()
	if err != nil {
		return fmt.Errorf("import stopped: %w (run it again with --resume to carry on past the committed lines; without, committed records are found unchanged)", err)
	}
	el := time.Since(start)
	n := res.Created + res.Updated + res.Unchanged + res.Rejected
	prog.say("%d records in %s (%.0f/s)", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return err
	}
	if res.Rejected > 0 {
		// The rest is committed; the exit status tells a script that not everything was.
		return fmt.Errorf("%d of %d records rejected (each is listed above with its line and field)", res.Rejected, n)
	}
	return nil
}

// sqliteBudget and sqliteRest pace an import into SQLite while another process has the
// archive open, so that a server beside it keeps writing: transactions of about a second
// at most, a pause after each long enough for SQLite's busy handler (which looks every
// 100 ms at most) to find the lock free. With 25,000-record transactions, API writes
// beside an import waited up to 4.6 s, and some were refused as busy. An import alone is
// not paced: the pace costs it a quarter or more (see docs/BENCHMARKS.md).
const (
	sqliteBudget = time.Second
	sqliteRest   = 150 * time.Millisecond
)

func formatOf(path string) string {
	path = strings.TrimSuffix(strings.TrimSuffix(path, ".bz2"), ".gz") // read through either
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, ".json") && (strings.HasPrefix(base, "quotes-") || strings.HasPrefix(base, "quotebank-")):
		return "quotebank" // Quotebank's own file names: quotes-2015.json.bz2, quotebank-2015.json.bz2
	case strings.HasSuffix(path, ".csv"):
		return "csv"
	case strings.HasSuffix(path, ".tsv"):
		return "tsv"
	case strings.HasSuffix(path, ".jsonld"):
		return "claimreview"
	}
	return "ndjson"
}

// importRemote streams the file to POST /v1/import.
func importRemote(ctx context.Context, server, key string, body io.Reader, opt ingest.Options, size int64) (db.ImportResult, error) {
	var res db.ImportResult
	q := url.Values{"format": {opt.Format}}
	if opt.Map != "" {
		q.Set("map", opt.Map)
	}
	if opt.Header {
		q.Set("header", "true")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+"/v1/import?"+q.Encode(), body)
	if err != nil {
		return res, err
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("server answered %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	return res, json.Unmarshal(b, &res)
}

func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("export [flags]", getenv, stdout, stderr)
	dbPath := dbFlag(fs, "database")
	format := fs.String("format", "ndjson", "ndjson or csv")
	out := fs.String("out", "", "file to write (default: standard output)")
	query := fs.String("query", "", "only the quotes a search finds, as GET /v1/export's parameters: 'q=nato&said_from=2025&speaker_id=spk_…'")
	quiet := fs.Bool("quiet", false, "no progress on standard error")
	if err := fs.parse(args); err != nil {
		return err
	}
	filter := db.QuoteFilter{Sort: "created_at"}
	if *query != "" {
		values, err := url.ParseQuery(*query)
		if err != nil {
			return fmt.Errorf("--query: %w", err)
		}
		for name := range values {
			if !slices.Contains(db.SearchParams, name) {
				return fmt.Errorf("--query: %s is not a search parameter; known: %s", name, strings.Join(db.SearchParams, ", "))
			}
		}
		if filter, err = db.QuoteFilterFrom(values); err != nil {
			return fmt.Errorf("--query: %w", err)
		}
		if filter.Sort == "" && filter.Q == nil {
			filter.Sort = "created_at"
		}
	}
	store, err := engines.Open(ctx, *dbPath, engines.Options{Existing: true})
	if err != nil {
		return err
	}
	defer store.Close()
	var w io.Writer = stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	counts, err := store.Counts(ctx)
	if err != nil {
		return err
	}
	if _, ok := archive.Formats[*format]; !ok {
		fmt.Fprintf(stderr, "export: unknown format %q: ndjson or csv\n", *format)
		return errUsage
	}
	total := counts.Quotes
	if *query != "" {
		total = 0 // how many a search finds is known at its end
	}
	prog := newProgress(stderr, *quiet, total, "export")
	seen := 0
	n, err := archive.Stream(w, *format, func(each func(*db.Record) error) error {
		return store.Export(ctx, filter, func(r *db.Record) error {
			seen++
			prog.update(seen)
			return each(r)
		})
	}, func() {})
	prog.finish()
	if err != nil {
		return err
	}
	prog.say("%d quotes exported", n)
	return nil
}

func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("backup PATH [--db PATH]", getenv, stdout, stderr)
	dbPath := fs.String("db", "./verbatim.db", "SQLite database file (may be in use by a server)")
	pos, err := fs.parseArgs(args, "the backup's path")
	if err != nil {
		return err
	}
	path := pos[0]
	store, err := engines.Open(ctx, *dbPath, engines.Options{Existing: true})
	if err != nil {
		return err
	}
	defer store.Close()
	eng, ok := store.Engine().(*sqlite.Engine)
	if !ok {
		return errors.New("backup copies an SQLite file; back PostgreSQL up with pg_dump (see the README)")
	}
	rep, err := eng.Backup(ctx, path)
	if err != nil {
		return err
	}
	return report(stdout, "backup "+path, rep)
}

func restoreCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("restore BACKUP [--db PATH] [--force]", getenv, stdout, stderr)
	dbPath := fs.String("db", "./verbatim.db", "SQLite database file to restore into")
	force := fs.Bool("force", false, "replace an existing database (stop the server first)")
	pos, err := fs.parseArgs(args, "the backup to restore")
	if err != nil {
		return err
	}
	path := pos[0]
	if engines.IsPostgres(*dbPath) {
		return errors.New("restore puts an SQLite backup in place; restore PostgreSQL with pg_restore (see the README)")
	}
	rep, err := sqlite.Restore(ctx, path, *dbPath, *force)
	if err != nil {
		return err
	}
	return report(stdout, "restored "+*dbPath+" from "+path, rep)
}

func report(w io.Writer, what string, rep db.Report) error {
	fmt.Fprintf(w, "%s: integrity %s, search index %v; %d quotes, %d speakers, %d outlets, %d verdicts, %d citations, %d audit entries\n",
		what, rep.Integrity, map[bool]string{true: "ok", false: "BROKEN"}[rep.SearchIndexOK], rep.Quotes, rep.Speakers,
		rep.Outlets, rep.Verdicts, rep.Citations, rep.AuditLog)
	if !rep.OK() {
		return errors.New("verification failed")
	}
	return nil
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n *atomic.Int64 // read by the progress bar while another goroutine reads the input
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress tells on standard error how a long import or export goes: on a terminal a line
// updated in place (records, rate, how far through the file, time left); in a log a line
// every few seconds; nothing with --quiet. Standard output is the command's result alone.
type progress struct {
	w        io.Writer // nil: quiet
	tty      bool
	total    int64        // bytes of input (import) or records (export); 0 when unknown
	done     atomic.Int64 // bytes read so far, when total counts bytes
	records  int
	what     string
	start    time.Time
	lastShow time.Time
}

func newProgress(w io.Writer, quiet bool, total int64, what string) *progress {
	p := &progress{total: total, what: what, start: time.Now()}
	if quiet {
		return p
	}
	p.w = w
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(records int) {
	p.records = records
	now := time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if p.w == nil || now.Sub(p.lastShow) < every {
		return
	}
	p.lastShow = now
	fmt.Fprint(p.w, p.line(now))
}

// line is the progress as it stands: time left only once there is something to tell it
// from (two seconds, and a hundredth of the way), never a guess from the first record.
func (p *progress) line(now time.Time) string {
	el := now.Sub(p.start).Seconds()
	rate := float64(p.records) / max(el, 1e-9)
	var b strings.Builder
	frac := -1.0
	switch {
	case p.total <= 0:
	case p.what == "export":
		frac = float64(p.records) / float64(p.total)
	default:
		frac = float64(p.done.Load()) / float64(p.total)
	}
	if p.tty {
		b.WriteString("\r")
	}
	fmt.Fprintf(&b, "%s: %d records, %.0f/s", p.what, p.records, rate)
	if frac >= 0 {
		if p.what != "export" {
			fmt.Fprintf(&b, ", %s of %s read", bytesOf(p.done.Load()), bytesOf(p.total))
		}
		fmt.Fprintf(&b, ", %.0f%%", min(frac, 1)*100)
		if el >= 2 && frac >= 0.01 && frac < 1 {
			fmt.Fprintf(&b, ", %s left", time.Duration(el/frac*(1-frac)*float64(time.Second)).Round(time.Second))
		}
	}
	if p.tty {
		b.WriteString("   ")
	} else {
		b.WriteString("\n")
	}
	return b.String()
}

func bytesOf(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d kB", n>>10)
}

func (p *progress) finish() {
	if p.w != nil && p.tty && !p.lastShow.IsZero() {
		fmt.Fprintln(p.w)
	}
}

// say writes a line of the command's story on standard error, unless quiet.
func (p *progress) say(format string, args ...any) {
	if p.w == nil {
		return
	}
	if p.tty && !p.lastShow.IsZero() {
		fmt.Fprint(p.w, "\r\033[K") // over the progress line, which the next update redraws
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}
