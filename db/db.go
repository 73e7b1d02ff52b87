// Package db stores Verbatim's archive in SQLite: the schema and its migrations, the
// domain types, and one file per resource. It knows nothing of HTTP.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open Verbatim database: one writer connection, so that writers queue in Go
// instead of meeting SQLITE_BUSY, and a pool of read-only connections that WAL lets run
// beside it.
type DB struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// now is the clock; tests may replace it.
	now func() time.Time
	// rankWindow is how many of the newest matches relevance ranks (defaultRankWindow).
	rankWindow int
	// watch sees every commit. Until the next one, keys holds the keys requests have
	// authenticated with (by hash) — every request is authenticated — and quotes the
	// quotes read by ID: reading one from SQLite cost six times a bare Echo handler.
	watch *watch
	// held is the database file, open for its shared lock (holdFile).
	held *os.File
	// cursorKey signs list cursors (migration 010).
	cursorKey []byte
	keys      cache[string, APIKey]
	quotes    cache[string, *Quote]
}

// Open opens (creating if needed) the database at path and migrates it to the schema
// this binary knows. A database migrated by a newer binary is refused.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("db: empty database path")
	}
	// busy_timeout comes first so that every later pragma already waits for locks.
	common := url.Values{}
	common.Set("_busy_timeout", "5000")
	common.Set("_journal_mode", "WAL")
	common.Set("_foreign_keys", "on")
	common.Set("_synchronous", "NORMAL")
	// Each connection keeps its prepared statements: preparing was a fifth of a read by ID.
	common.Set("_stmt_cache_size", "64")
	// database/sql never shares a connection between goroutines, so SQLite's own
	// per-connection mutex is pure overhead.
	common.Set("_mutex", "no")

	w := cloneValues(common)
	w.Set("_txlock", "immediate")
	// The writer's own page cache, 64 MiB: a batch touches pages all over the indexes, and
	// with the default 2 MiB it spilled and re-read them (an import ran 1.4 times faster).
	w.Set("_cache_size", "-65536")
	writer, err := sql.Open("sqlite3", sqliteURI(path, w))
	if err != nil {
		return nil, fmt.Errorf("db: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	d := &DB{path: path, writer: writer, now: func() time.Time { return time.Now().UTC() }, rankWindow: defaultRankWindow,
		keys: cache[string, APIKey]{max: 10000}, quotes: cache[string, *Quote]{max: 50000}}
	if err := d.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	if d.held, err = holdFile(path); err != nil {
		writer.Close()
		return nil, err
	}
	if err := writer.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = 'cursor'`).Scan(&d.cursorKey); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: read the cursor key: %w", err)
	}

	r := cloneValues(common)
	r.Set("_query_only", "true")
	reader, err := sql.Open("sqlite3", sqliteURI(path, r))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("db: open readers: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(0)
	reader.SetConnMaxLifetime(0)
	d.reader = reader
	if d.watch, err = newWatch(ctx, sqliteURI(path, r)); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// Close checkpoints the WAL and closes every connection.
func (d *DB) Close() error {
	var errs []error
	if d.reader != nil {
		errs = append(errs, d.reader.Close())
	}
	if d.watch != nil {
		errs = append(errs, d.watch.close())
	}
	if d.writer != nil {
		// A clean shutdown leaves no WAL behind to replay.
		if _, err := d.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, fmt.Errorf("db: checkpoint: %w", err))
		}
		errs = append(errs, d.writer.Close())
	}
	if d.held != nil {
		errs = append(errs, d.held.Close()) // after SQLite's connections: closing it releases the lock
	}
	return errors.Join(errs...)
}

// Ping checks that a reader can query the database.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}

// SchemaVersion is the migration the database is at.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := d.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("db: read schema version: %w", err)
	}
	return v, nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("db: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("db: migration %q is not named NNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("db: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("db: migrations must be numbered 1, 2, 3…; %s breaks the sequence", m.name)
		}
	}
	return ms, nil
}

// LatestSchemaVersion is the schema version this binary migrates to.
func LatestSchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies, each in its own transaction, the migrations the database lacks. The
// schema version lives in PRAGMA user_version, written in the same transaction.
func (d *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	cur, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return fmt.Errorf("db: %s is at schema version %d but this binary knows only up to %d; run a newer verbatim", d.path, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		if err := d.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) applyMigration(ctx context.Context, m migration) error {
	tx, err := d.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("db: apply migration %s: %w", m.name, err)
	}
	if step := goSteps[m.version]; step != nil {
		if err := step(ctx, tx); err != nil {
			return fmt.Errorf("db: apply migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return fmt.Errorf("db: record migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit migration %s: %w", m.name, err)
	}
	return nil
}

// goSteps are the parts of migrations SQL cannot do, run in the migration's transaction
// after its SQL.
var goSteps = map[int]func(context.Context, *sql.Tx) error{
	3: backfillBands,
}

// write runs fn in one immediate transaction on the writer connection.
func (d *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", classify(err))
	}
	d.committed()
	return nil
}

// read runs fn in one read transaction, so multi-statement reads see one snapshot.
func (d *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("db: begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// classify turns the SQLite errors a client can cause or wait out into coded errors.
func classify(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sqlite3.ErrFull:
		return &Error{Code: Full, Message: "the database has no room left; nothing was written — free space or raise the size cap, then retry", err: err}
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return &Error{Code: Unavailable, Message: "the database is busy; try again", err: err}
	}
	return err
}

func (d *DB) timestamp() string {
	return d.now().UTC().Format(timeFormat)
}

// timeFormat is RFC 3339 in UTC with fixed-width fractional seconds, so that stored
// timestamps also sort as text.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// Counts is how many of each resource the database holds.
type Counts struct {
	Quotes   int64 `json:"quotes"`
	Speakers int64 `json:"speakers"`
	Outlets  int64 `json:"outlets"`
}

// Counts counts the stored resources in one snapshot.
func (d *DB) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := d.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM speakers),
			(SELECT count(*) FROM outlets)`).Scan(&c.Quotes, &c.Speakers, &c.Outlets)
	})
	if err != nil {
		return Counts{}, fmt.Errorf("db: count: %w", err)
	}
	return c, nil
}

// LimitSize caps the database file at about maxBytes (SQLite's max_page_count on the
// writer connection); a write past it fails as Full and writes nothing. Zero or less
// lifts the cap. It is the operator's guard against a runaway import filling the disk.
func (d *DB) LimitSize(ctx context.Context, maxBytes int64) error {
	var pageSize int64
	if err := d.writer.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return fmt.Errorf("db: page size: %w", err)
	}
	pages := int64(4294967294) // SQLite's own ceiling
	if maxBytes > 0 {
		pages = max(1, maxBytes/pageSize)
	}
	var got int64
	if err := d.writer.QueryRowContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)).Scan(&got); err != nil {
		return fmt.Errorf("db: max page count: %w", err)
	}
	return nil
}
