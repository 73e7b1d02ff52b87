// Package sqlite keeps Verbatim's archive in SQLite, the embedded default: one file, one
// writer connection and a pool of readers beside it (WAL), full-text search in FTS5. It
// implements db.Engine; every rule is in package db.
package sqlite

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
	"github.com/verbatimhq/verbatim/db"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Engine is an open SQLite database: one writer connection, so that writers queue in Go
// instead of meeting SQLITE_BUSY, and a pool of read-only connections that WAL lets run
// beside it.
type Engine struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// version reads PRAGMA data_version on a connection of its own: the value is only
	// comparable on one connection, and changes when any other connection commits.
	version     *sql.DB
	versionStmt *sql.Stmt
	// held is the database file, open for its shared lock (holdFile).
	held *os.File
	// bands filters bulk imports' band look-ups (bandFilter); the writer's alone.
	bands bandFilter
	// watch records the quotes changed through the writer (QuotesChanged).
	watch *quoteWatch
}

var _ db.Engine = (*Engine)(nil)

// Open opens (creating if needed) the database at path and migrates it to the schema
// this binary knows. A database migrated by a newer binary is refused.
func Open(ctx context.Context, path string) (*Engine, error) { return OpenReaders(ctx, path, 0) }

// OpenReaders is Open with a reader pool of readers connections (0: two per core, at
// least four): a pool of one shows a read that would wait on a second connection.
func OpenReaders(ctx context.Context, path string, readers int) (*Engine, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
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
	writer, err := sql.Open(DriverName, sqliteURI(path, w))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	e := &Engine{path: path, writer: writer, watch: newQuoteWatch()}
	if err := e.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	// A load cut short (a crash, a kill) left its indexes to build: build them now.
	if err := e.buildDeferred(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	if e.held, err = holdFile(path); err != nil {
		writer.Close()
		return nil, err
	}

	r := cloneValues(common)
	r.Set("_query_only", "true")
	if e.reader, err = sql.Open(DriverName, sqliteURI(path, r)); err != nil {
		e.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	if readers > 0 {
		n = readers
	}
	e.reader.SetMaxOpenConns(n)
	e.reader.SetMaxIdleConns(n)
	e.reader.SetConnMaxIdleTime(0)
	e.reader.SetConnMaxLifetime(0)

	if e.version, err = sql.Open(DriverName, sqliteURI(path, r)); err != nil {
		e.Close()
		return nil, fmt.Errorf("sqlite: open version reader: %w", err)
	}
	e.version.SetMaxOpenConns(1)
	e.version.SetMaxIdleConns(1)
	e.version.SetConnMaxIdleTime(0)
	e.version.SetConnMaxLifetime(0)
	if e.versionStmt, err = e.version.PrepareContext(ctx, `PRAGMA data_version`); err != nil {
		e.Close()
		return nil, fmt.Errorf("sqlite: prepare version read: %w", err)
	}
	if err := e.Ping(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// OpenDB opens the database at path as a Verbatim archive.
func OpenDB(ctx context.Context, path string, opt db.Options) (*db.DB, error) {
	return OpenDBReaders(ctx, path, 0, opt)
}

// OpenDBReaders is OpenDB with a reader pool of readers connections (see OpenReaders).
func OpenDBReaders(ctx context.Context, path string, readers int, opt db.Options) (*db.DB, error) {
	e, err := OpenReaders(ctx, path, readers)
	if err != nil {
		return nil, err
	}
	d, err := db.New(ctx, e, opt)
	if err != nil {
		e.Close()
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

// Name is "sqlite".
func (e *Engine) Name() string { return "sqlite" }

// RankWindow is 50,000. Scoring costs bm25 about a microsecond a match on a 2-core
// machine, on top of a fixed cost per word (bm25 counts the word's quotes over the whole
// archive, 25 ms for a word in three quarters of a million quotes): with 100,000 a query
// of two such words took 200 ms, and the corpus-like search list's p99 was 167 ms at 2
// clients; with 50,000 it is 99 ms (docs/BENCHMARKS.md). 50,000 ranks 2,500 pages of
// twenty.
func (e *Engine) RankWindow() int { return 50_000 }

// Path is the database file.
func (e *Engine) Path() string { return e.path }

// Close checkpoints the WAL and closes every connection.
func (e *Engine) Close() error {
	var errs []error
	if e.watch != nil {
		e.watch.close()
	}
	if e.reader != nil {
		errs = append(errs, e.reader.Close())
	}
	if e.versionStmt != nil {
		errs = append(errs, e.versionStmt.Close())
	}
	if e.version != nil {
		errs = append(errs, e.version.Close())
	}
	if e.writer != nil {
		// A clean shutdown leaves no WAL behind to replay.
		if _, err := e.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, fmt.Errorf("sqlite: checkpoint: %w", err))
		}
		errs = append(errs, e.writer.Close())
	}
	if e.held != nil {
		errs = append(errs, e.held.Close()) // after SQLite's connections: closing it releases the lock
	}
	return errors.Join(errs...)
}

// Ping checks that a reader can query the database.
func (e *Engine) Ping(ctx context.Context) error {
	var one int
	if err := e.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// DataVersion reads SQLite's data_version, which moves whenever another connection —
// of this process or another — commits.
func (e *Engine) DataVersion(ctx context.Context) (string, error) {
	var v int64
	if err := e.versionStmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return "", err
	}
	return strconv.FormatInt(v, 10), nil
}

// Secret reads a key made by the migrations.
func (e *Engine) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := e.writer.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("sqlite: read secret %s: %w", name, err)
	}
	return v, nil
}

// SchemaVersion is the migration the database is at.
func (e *Engine) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := e.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: read schema version: %w", err)
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
		return nil, fmt.Errorf("sqlite: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqlite: migration %q is not named NNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migrations must be numbered 1, 2, 3…; %s breaks the sequence", m.name)
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
func (e *Engine) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	cur, err := e.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return fmt.Errorf("sqlite: %s is at schema version %d but this binary knows only up to %d; run a newer verbatim", e.path, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		if err := e.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) applyMigration(ctx context.Context, m migration) error {
	tx, err := e.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlite: apply migration %s: %w", m.name, err)
	}
	if step := goSteps[m.version]; step != nil {
		if err := step(ctx, tx); err != nil {
			return fmt.Errorf("sqlite: apply migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return fmt.Errorf("sqlite: record migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit migration %s: %w", m.name, err)
	}
	return nil
}

// goSteps are the parts of migrations SQL cannot do, run in the migration's transaction
// after its SQL.
var goSteps = map[int]func(context.Context, *sql.Tx) error{
	3: backfillBands,
}

// Write runs fn in one immediate transaction on the writer connection.
func (e *Engine) Write(ctx context.Context, fn func(db.Tx) error) error {
	t, err := e.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", classify(err))
	}
	defer t.Rollback()
	if err := fn(&tx{q: uninterrupted{t}, sqlTx: t, bands: &e.bands, watch: e.watch}); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", classify(err))
	}
	return nil
}

// uninterrupted runs a write transaction's statements without their context's
// cancellation. go-sqlite3 watches a cancellable context from a goroutine of its own for
// every statement — 8 µs a statement here, a tenth of a corpus load — to interrupt it
// part way. A write's statements are short (the longest, re-pointing a merged speaker's
// quotes, runs to its end first), and the transaction stays bound to the context:
// cancelled, it is rolled back (database/sql) and its next statement refused.
type uninterrupted struct{ t *sql.Tx }

func (u uninterrupted) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return u.t.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (u uninterrupted) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return u.t.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

func (u uninterrupted) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.t.ExecContext(context.WithoutCancel(ctx), query, args...)
}

// Read runs fn in one read transaction, so multi-statement reads see one snapshot.
func (e *Engine) Read(ctx context.Context, fn func(db.Tx) error) error {
	t, err := e.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer t.Rollback()
	return fn(&tx{q: t})
}

// ReadReplica is Read: SQLite has no replicas.
func (e *Engine) ReadReplica(ctx context.Context, fn func(db.Tx) error) error { return e.Read(ctx, fn) }

// Reads returns a Tx whose statements run on the reader pool, each on its own.
func (e *Engine) Reads() db.Tx { return &tx{q: e.reader} }

// classify turns the SQLite errors a client can cause or wait out into coded errors,
// and constraint violations into the core's errors.
func classify(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Code == sqlite3.ErrFull:
		return db.NewError(db.Full, "the database has no room left; nothing was written — free space or raise the size cap, then retry", err)
	case se.Code == sqlite3.ErrBusy, se.Code == sqlite3.ErrLocked:
		return db.NewError(db.Unavailable, "the database is busy; try again", err)
	case se.ExtendedCode == sqlite3.ErrConstraintUnique, se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey:
		return fmt.Errorf("%w: %w", db.ErrDuplicate, err)
	case se.ExtendedCode == sqlite3.ErrConstraintForeignKey:
		return fmt.Errorf("%w: %w", db.ErrReferenced, err)
	}
	return err
}

// timeFormat is RFC 3339 in UTC with fixed-width fractional seconds, so that stored
// timestamps also sort as text.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// LimitSize caps the database file at about maxBytes (SQLite's max_page_count on the
// writer connection); a write past it fails as Full and writes nothing. Zero or less
// lifts the cap. It is the operator's guard against a runaway import filling the disk.
func (e *Engine) LimitSize(ctx context.Context, maxBytes int64) error {
	var pageSize int64
	if err := e.writer.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return fmt.Errorf("sqlite: page size: %w", err)
	}
	pages := int64(4294967294) // SQLite's own ceiling
	if maxBytes > 0 {
		pages = max(1, maxBytes/pageSize)
	}
	var got int64
	if err := e.writer.QueryRowContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)).Scan(&got); err != nil {
		return fmt.Errorf("sqlite: max page count: %w", err)
	}
	return nil
}
