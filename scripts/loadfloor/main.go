// Command loadfloor measures a bulk load against its floor, side by side in one run, the
// median of -rounds:
//
//   - SQLite: `verbatim import`'s path (ingest.Load into a fresh archive, batches of
//     25,000, everything indexed and audited) against go-sqlite3 loading the same texts
//     and speakers into a bare table and rebuilding an FTS5 index over them — and the
//     same bare load with the archive's own search index (words folded in Go, prefix
//     indexes), to tell what the import costs beyond the search it offers;
//   - PostgreSQL (with -pg, a URL of a database this command may create others beside):
//     the same import into a fresh database against pgx CopyFrom into a bare table and a
//     GIN build over its tsvectors;
//
// and reports each archive's bytes per quote, by table and index, against the NDJSON's.
// For SQLite's breakdown, build with the dbstat table:
//
//	go run -tags sqlite_fts5,sqlite_dbstat ./scripts/loadfloor -ndjson bench/1m.ndjson -pg "$VERBATIM_TEST_POSTGRES"
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/sqlite"
	"github.com/verbatimhq/verbatim/ingest"
)

func main() {
	file := flag.String("ndjson", "", "the NDJSON to load (scripts/gendata -ndjson)")
	rounds := flag.Int("rounds", 3, "rounds of each load")
	pg := flag.String("pg", "", "a postgres:// URL; each load gets a database of its own beside it")
	dir := flag.String("dir", "", "where the SQLite files go (default: a temporary directory)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the first SQLite import here")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		startProfile = func() { _ = pprof.StartCPUProfile(f) }
		stopProfile = pprof.StopCPUProfile
	}
	if *file == "" {
		log.Fatal("-ndjson FILE is required")
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "loadfloor")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	st, err := os.Stat(*file)
	if err != nil {
		log.Fatal(err)
	}
	rows := readRows(*file)
	fmt.Printf("%s: %d records, %d bytes (%.0f per record)\n", *file, len(rows), st.Size(), float64(st.Size())/float64(len(rows)))
	ctx := db.WithActor(context.Background(), db.System)
	type pair struct{ ours, floor []float64 }
	var lite, post pair
	var indexed []float64 // the floor with the archive's search index
	for r := range *rounds {
		path := filepath.Join(*dir, fmt.Sprintf("floor-%d.db", r))
		lite.floor = append(lite.floor, rate(len(rows), func() { sqliteFloor(path, rows) }))
		removeSQLite(path)
		indexed = append(indexed, rate(len(rows), func() { sqliteIndexFloor(path, rows) }))
		removeSQLite(path)
		path = filepath.Join(*dir, fmt.Sprintf("ours-%d.db", r))
		if r == 0 {
			startProfile()
		}
		lite.ours = append(lite.ours, rate(len(rows), func() { load(ctx, path, *file) }))
		if r == 0 {
			stopProfile()
		}
		fmt.Printf("round %d SQLite: import %.0f/s, floor %.0f/s, floor with the archive's search index %.0f/s\n", r+1,
			lite.ours[r], lite.floor[r], indexed[r])
		if r == *rounds-1 {
			sqliteSizes(path, st.Size(), len(rows))
		}
		removeSQLite(path)
		if *pg == "" {
			continue
		}
		dsn := freshDatabase(ctx, *pg, "loadfloor_floor")
		post.floor = append(post.floor, rate(len(rows), func() { pgFloor(ctx, dsn, rows) }))
		dsn = freshDatabase(ctx, *pg, "loadfloor_ours")
		post.ours = append(post.ours, rate(len(rows), func() { load(ctx, dsn, *file) }))
		fmt.Printf("round %d PostgreSQL: import %.0f/s, floor %.0f/s\n", r+1, post.ours[r], post.floor[r])
		if r == *rounds-1 {
			pgSizes(ctx, dsn, st.Size(), len(rows))
		}
	}
	report := func(name string, p pair) {
		ratios := make([]float64, len(p.ours))
		for i := range p.ours {
			ratios[i] = p.ours[i] / p.floor[i]
		}
		fmt.Printf("%s, median: import %.0f/s, floor %.0f/s, ratio %.2f (rounds %s)\n", name, median(p.ours), median(p.floor),
			median(ratios), fmtAll(ratios))
	}
	report("SQLite", lite)
	fmt.Printf("SQLite floor with the archive's search index, median %.0f/s; the import against it %.2f\n", median(indexed),
		median(lite.ours)/median(indexed))
	if *pg != "" {
		report("PostgreSQL", post)
	}
}

type row struct{ text, speaker string }

// readRows reads the texts and speakers the floors load.
// startProfile and stopProfile bracket the first round's SQLite import with -cpuprofile.
var startProfile, stopProfile = func() {}, func() {}

func readRows(path string) []row {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var out []row
	for sc.Scan() {
		var l struct {
			Text        string `json:"text"`
			SpeakerName string `json:"speaker_name"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			log.Fatal(err)
		}
		out = append(out, row{l.Text, l.SpeakerName})
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	return out
}

func rate(n int, f func()) float64 {
	start := time.Now()
	f()
	return float64(n) / time.Since(start).Seconds()
}

// load is `verbatim import FILE --db target`, in process.
func load(ctx context.Context, target, file string) {
	d, err := engines.Open(ctx, target, engines.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	f, err := os.Open(file)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	b := ingest.Batching{Size: 25000}
	if d.Engine().Name() == "postgres" {
		b.InFlight = 2 // as the command does
	}
	res, _, err := ingest.Load(ctx, f, ingest.Options{Format: "ndjson"}, d, b,
		db.LoadInput{Source: filepath.Base(file), Format: "ndjson", Size: st.Size()}, false)
	if err != nil || res.Rejected > 0 {
		log.Fatalf("import: %+v %v", res, err)
	}
}

// sqliteFloor loads the rows into a bare table in batches of 25,000, then builds a
// full-text index over them in one statement: what SQLite itself does at best.
func sqliteFloor(path string, rows []row) { bareLoad(path, rows, "sqlite3", plainIndex) }

// sqliteIndexFloor is sqliteFloor with the archive's own search index — its words folded
// in Go (verbatim_index), prefix indexes of two and three letters, no copy of the words —
// in place of a plain one: what SQLite does at best for the search Verbatim offers.
func sqliteIndexFloor(path string, rows []row) { bareLoad(path, rows, sqlite.DriverName, archiveIndex) }

var (
	plainIndex = []string{`CREATE VIRTUAL TABLE q_fts USING fts5(text, speaker, content='q', content_rowid='id')`,
		`INSERT INTO q_fts (q_fts) VALUES ('rebuild')`}
	archiveIndex = []string{`CREATE VIRTUAL TABLE q_fts USING fts5(text, speaker, tokenize = 'unicode61 remove_diacritics 2',
		prefix = '2 3', content = '', contentless_delete = 1)`,
		`INSERT INTO q_fts (rowid, text, speaker) SELECT id, verbatim_index(text), verbatim_index(speaker) FROM q`}
)

// bareLoad loads the rows into a bare table through driver, then runs index.
func bareLoad(path string, rows []row, driver string, index []string) {
	conn, err := sql.Open(driver, "file:"+path+"?_journal_mode=WAL&_synchronous=NORMAL&_cache_size=-65536")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	must := func(_ sql.Result, err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	must(conn.Exec(`CREATE TABLE q (id INTEGER PRIMARY KEY, text TEXT NOT NULL, speaker TEXT NOT NULL)`))
	for start := 0; start < len(rows); start += 25000 {
		tx, err := conn.Begin()
		if err != nil {
			log.Fatal(err)
		}
		st, err := tx.Prepare(`INSERT INTO q (text, speaker) VALUES (?, ?)`)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range rows[start:min(start+25000, len(rows))] {
			must(st.Exec(r.text, r.speaker))
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			log.Fatal(err)
		}
	}
	for _, stmt := range index {
		must(conn.Exec(stmt))
	}
}

// pgFloor copies the rows into a bare table and builds a GIN index over their search
// vectors.
func pgFloor(ctx context.Context, dsn string, rows []row) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE q (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, text text NOT NULL,
		speaker text NOT NULL, search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text || ' ' || speaker)) STORED)`); err != nil {
		log.Fatal(err)
	}
	src := pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return []any{rows[i].text, rows[i].speaker}, nil })
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"q"}, []string{"text", "speaker"}, src); err != nil {
		log.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE INDEX q_search ON q USING gin (search)`); err != nil {
		log.Fatal(err)
	}
}

// freshDatabase makes an empty database named name beside the one base names, dropping
// one left from before, and returns its URL.
func freshDatabase(ctx context.Context, base, name string) string {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		log.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		log.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		log.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// sqliteSizes prints the archive's bytes per quote by table and index (dbstat), and in
// all with its write-ahead log, against the NDJSON's.
func sqliteSizes(path string, ndjson int64, n int) {
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		if st, err := os.Stat(path + suffix); err == nil {
			total += st.Size()
		}
	}
	fmt.Printf("SQLite archive: %d bytes, %.0f per quote, %.2f× the NDJSON\n", total, float64(total)/float64(n), float64(total)/float64(ndjson))
	conn, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC`)
	if err != nil {
		fmt.Printf("  (by table and index: build with -tags sqlite_fts5,sqlite_dbstat: %v)\n", err)
		return
	}
	defer rows.Close()
	show(scanSizes(rows), n)
}

// pgSizes prints the database's bytes per quote by table and index (TOAST with its
// table), and in all.
func pgSizes(ctx context.Context, dsn string, ndjson int64, n int) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CHECKPOINT`); err != nil {
		log.Fatal(err)
	}
	var total int64
	if err := conn.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&total); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("PostgreSQL database: %d bytes, %.0f per quote, %.2f× the NDJSON\n", total, float64(total)/float64(n), float64(total)/float64(ndjson))
	rows, err := conn.Query(ctx, `SELECT c.relname, pg_relation_size(c.oid) + coalesce(pg_total_relation_size(c.reltoastrelid), 0)
		FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i', 'm') ORDER BY 2 DESC`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	show(scanSizes(rows), n)
}

type size struct {
	name  string
	bytes int64
}

// scanSizes reads (name, bytes) rows, from either driver.
func scanSizes(rows interface {
	Next() bool
	Scan(...any) error
}) []size {
	var sizes []size
	for rows.Next() {
		var s size
		if err := rows.Scan(&s.name, &s.bytes); err != nil {
			log.Fatal(err)
		}
		sizes = append(sizes, s)
	}
	return sizes
}

// show prints the largest tables and indexes, the rest summed.
func show(sizes []size, n int) {
	var rest int64
	for i, s := range sizes {
		if i >= 15 || s.bytes*100 < sizes[0].bytes {
			rest += s.bytes
			continue
		}
		fmt.Printf("  %-32s %12d bytes %8.0f per quote\n", s.name, s.bytes, float64(s.bytes)/float64(n))
	}
	fmt.Printf("  %-32s %12d bytes %8.0f per quote\n", "(the rest)", rest, float64(rest)/float64(n))
}

func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func fmtAll(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}
