// Package postgres keeps Verbatim's archive in PostgreSQL, for deployments of several
// API nodes: pgx's pool on the primary, another on a replica for the archive-wide reads
// when one is given, migrations that several nodes starting at once do not race, and
// full-text search over a tsvector Verbatim builds itself so that it finds what SQLite's
// FTS5 finds. It implements db.Engine; every rule is in package db.
package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/fold"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Engine is an open PostgreSQL archive.
type Engine struct {
	primary *pgxpool.Pool
	replica *pgxpool.Pool // nil without one
}

var _ db.Engine = (*Engine)(nil)

// Options say where the archive is.
type Options struct {
	// DSN is the primary's connection string (postgres://…); pgx's pool_max_conns and
	// the other pool_* parameters apply.
	DSN string
	// Replica, when set, is a hot standby the archive-wide reads may go to.
	Replica string
}

// Open connects to the database, migrates it to the schema this binary knows and checks
// the replica answers. A database migrated by a newer binary is refused.
func Open(ctx context.Context, opt Options) (*Engine, error) {
	primary, err := pool(ctx, opt.DSN, "primary")
	if err != nil {
		return nil, err
	}
	e := &Engine{primary: primary}
	if err := e.migrate(ctx); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.repairLoad(ctx); err != nil {
		e.Close()
		return nil, fmt.Errorf("postgres: build the indexes of an interrupted load: %w", err)
	}
	if opt.Replica != "" {
		if e.replica, err = pool(ctx, opt.Replica, "replica"); err != nil {
			e.Close()
			return nil, err
		}
		var standby bool
		if err := e.replica.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil {
			e.Close()
			return nil, fmt.Errorf("postgres: replica: %w", err)
		}
		if !standby {
			e.Close()
			return nil, errors.New("postgres: the replica is not a standby (pg_is_in_recovery() is false); give a hot standby of the primary")
		}
	}
	return e, nil
}

func pool(ctx context.Context, dsn, what string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s address: %w", what, err)
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "verbatim"
	// Times are read and written in UTC whatever the server's default.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to the %s: %w", what, err)
	}
	if err := p.Ping(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("postgres: connect to the %s: %w", what, err)
	}
	return p, nil
}

// OpenDB opens the archive opt names.
func OpenDB(ctx context.Context, opt Options, dbOpt db.Options) (*db.DB, error) {
	e, err := Open(ctx, opt)
	if err != nil {
		return nil, err
	}
	d, err := db.New(ctx, e, dbOpt)
	if err != nil {
		e.Close()
		return nil, err
	}
	return d, nil
}

// Name is "postgres".
func (e *Engine) Name() string { return "postgres" }

// RankWindow is 10,000. ts_rank reads each match's whole vector from the table, and the
// window's floor is found by reading the newest quotes until that many match: at a
// million quotes 50,000 cost a common word 60–240 ms where 10,000 costs 15–45 ms
// (docs/BENCHMARKS.md). 10,000 ranks 500 pages of twenty.
func (e *Engine) RankWindow() int { return 10_000 }

// Pool is the primary's pool, for tests and operations that need the database itself.
func (e *Engine) Pool() *pgxpool.Pool { return e.primary }

// Close closes both pools.
func (e *Engine) Close() error {
	if e.replica != nil {
		e.replica.Close()
	}
	if e.primary != nil {
		e.primary.Close()
	}
	return nil
}

// Ping checks that the primary answers. A replica that does not is no reason to stop
// serving: the reads meant for it go to the primary (ReadReplica).
func (e *Engine) Ping(ctx context.Context) error {
	if err := e.primary.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", classify(err))
	}
	return nil
}

// DataVersion is the primary's current snapshot, which every commit of any writer — on
// this node or another — changes, and nothing else does. Reading it is exact where a
// LISTEN/NOTIFY message is not: a notification arrives after the commit, so a client's
// next request through another node could overtake it; and a NOTIFY takes a lock at
// every commit that serialises all writers.
func (e *Engine) DataVersion(ctx context.Context) (string, error) {
	var v string
	if err := e.primary.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&v); err != nil {
		return "", classify(err)
	}
	return v, nil
}

// Secret reads a key made by the migrations.
func (e *Engine) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := e.primary.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("postgres: read secret %s: %w", name, classify(err))
	}
	return v, nil
}

// SchemaVersion is the migration the database is at.
func (e *Engine) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := e.primary.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM verbatim_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("postgres: read schema version: %w", classify(err))
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
		return nil, fmt.Errorf("postgres: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("postgres: migration %q is not named NNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("postgres: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migrations must be numbered 1, 2, 3…; %s breaks the sequence", m.name)
		}
	}
	return ms, nil
}

// SchemaFingerprint names the schema this binary's migrations make, for tests that keep a
// migrated database to copy: any change to a migration changes it.
func SchemaFingerprint() string {
	ms, _ := migrations()
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.sql))
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// LatestSchemaVersion is the schema version this binary migrates to.
func LatestSchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrateLock is the advisory lock that serialises migrations: nodes starting at once
// take turns, and each finds the work of the one before it done.
const migrateLock = 0x76657262_6d696772 // "verbmigr"

// migrate applies each migration the database lacks in a transaction of its own, holding
// the migration lock for that transaction only (a session lock would not survive a
// transaction-pooling proxy).
func (e *Engine) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for {
		done, err := e.migrateOne(ctx, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, if any; done when none is left.
func (e *Engine) migrateOne(ctx context.Context, ms []migration) (done bool, err error) {
	err = pgx.BeginFunc(ctx, e.primary, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS verbatim_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM verbatim_migrations`).Scan(&cur); err != nil {
			return err
		}
		if cur > len(ms) {
			return fmt.Errorf("the database is at schema version %d but this binary knows only up to %d; run a newer verbatim", cur, len(ms))
		}
		if cur == len(ms) {
			done = true
			return nil
		}
		m := ms[cur]
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("apply %s: %w", m.name, err)
		}
		if step := goSteps[m.version]; step != nil {
			if err := step(ctx, tx); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO verbatim_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgres: migrate: %w", err)
	}
	return done, nil
}

// goSteps are the parts of migrations SQL cannot do, run in the migration's transaction
// after its SQL.
var goSteps = map[int]func(context.Context, pgx.Tx) error{
	8: refold,
	1: func(ctx context.Context, tx pgx.Tx) error {
		// The cursor-signing key, from Go's CSPRNG: PostgreSQL's random() is not one.
		var key [32]byte
		_, _ = rand.Read(key[:])
		_, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ('cursor', $1)`, key[:])
		return err
	},
}

// refold computes again what Go folds and the database keeps: every quote's search vector
// (by speaker, under the speaker's names) and every name key. Two outlets whose names
// fold alike only now keep their old keys, names being one outlet's.
func refold(ctx context.Context, pt pgx.Tx) error {
	t := &tx{q: pt}
	type named struct{ id, name string }
	scan := func(r pgx.Row) (named, error) {
		var n named
		return n, r.Scan(&n.id, &n.name)
	}
	// Each speaker's names, then the quotes in batches by seq: a round trip per 10,000
	// quotes, not one per speaker.
	names := map[string]string{}
	rows, err := collect(ctx, t.q, "read speaker names", scan, `SELECT speaker_id, string_agg(name, ' ' ORDER BY ord)
		FROM speaker_names GROUP BY speaker_id`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		names[r.id] = r.name
	}
	type quote struct {
		seq                    int64
		speaker, text, context string
	}
	for after := int64(0); ; {
		batch, err := collect(ctx, t.q, "read quotes", func(r pgx.Row) (quote, error) {
			var q quote
			var context *string
			err := r.Scan(&q.seq, &q.speaker, &q.text, &context)
			q.context = deref(context)
			return q, err
		}, `SELECT seq, speaker_id, text, context FROM quotes WHERE seq > $1 ORDER BY seq LIMIT 10000`, after)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		seqs, vecs := make([]int64, len(batch)), make([]pgtype.TSVector, len(batch))
		for i, q := range batch {
			seqs[i], vecs[i] = q.seq, vector(q.text, names[q.speaker], q.context)
		}
		if _, err := pt.Exec(ctx, `UPDATE quotes q SET search = v.vec FROM unnest($1::bigint[], $2::tsvector[]) AS v(seq, vec)
			WHERE q.seq = v.seq`, seqs, vecs); err != nil {
			return err
		}
		after = batch[len(batch)-1].seq
	}
	for _, table := range []struct{ name, unique string }{
		{"speakers", ""}, {"speaker_names", ""}, {"outlets", "outlets"}, {"outlet_names", "outlet_names"},
	} {
		rows, err := collect(ctx, t.q, "read names", func(r pgx.Row) ([2]string, error) {
			var x [2]string
			return x, r.Scan(&x[0], &x[1])
		}, `SELECT ctid::text, name FROM `+table.name)
		if err != nil {
			return err
		}
		for _, r := range rows {
			key := fold.String(r[1])
			q := `UPDATE ` + table.name + ` SET name_key = $1 WHERE ctid = $2::tid AND name_key <> $1`
			if table.unique != "" {
				q += ` AND NOT EXISTS (SELECT 1 FROM ` + table.unique + ` WHERE name_key = $1)`
			}
			if _, err := pt.Exec(ctx, q, key, r[0]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Write runs fn in one READ COMMITTED transaction on the primary. The core locks what it
// reads to write (FOR UPDATE) and writes versions conditionally, which is what keeps two
// writers from both winning; a deadlock or serialization failure is ErrRetry.
func (e *Engine) Write(ctx context.Context, fn func(db.Tx) error) error {
	t, err := e.primary.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", classify(err))
	}
	defer t.Rollback(context.WithoutCancel(ctx))
	if err := fn(&tx{q: t}); err != nil {
		return classify(err)
	}
	if err := t.Commit(ctx); err != nil {
		if lostConnection(err) {
			// The commit may have reached the server before the connection broke: nothing
			// here can tell. A retry with the same idempotency key is safe either way.
			return db.NewError(db.Unavailable, "the connection to the database was lost while committing, so the write may or may not have been stored; retry it with the same idempotency key, or read before writing it again", err)
		}
		return fmt.Errorf("postgres: commit: %w", classify(err))
	}
	return nil
}

// Read runs fn in one read-only REPEATABLE READ transaction on the primary: every
// statement sees one snapshot.
func (e *Engine) Read(ctx context.Context, fn func(db.Tx) error) error {
	return read(ctx, e.primary, fn)
}

// ReadReplica runs fn as Read does, on the replica when there is one — or on the primary
// when the replica cannot be reached, so that a standby down for maintenance slows the
// heavy reads rather than failing them.
func (e *Engine) ReadReplica(ctx context.Context, fn func(db.Tx) error) error {
	if e.replica == nil {
		return read(ctx, e.primary, fn)
	}
	err := read(ctx, e.replica, fn)
	if db.ErrorCode(err) == db.Unavailable && ctx.Err() == nil {
		return read(ctx, e.primary, fn)
	}
	return err
}

func read(ctx context.Context, p *pgxpool.Pool, fn func(db.Tx) error) error {
	t, err := p.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin read: %w", classify(err))
	}
	defer t.Rollback(context.WithoutCancel(ctx))
	return classify(fn(&tx{q: t}))
}

// Reads returns a Tx whose statements run on the primary's pool, each on its own.
func (e *Engine) Reads() db.Tx { return &tx{q: e.primary} }

// classify turns the PostgreSQL errors the core acts on into its errors.
func classify(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return db.NewError(db.Unavailable, "the database cannot be reached; try again", err)
	}
	if lostConnection(err) {
		return db.NewError(db.Unavailable, "the connection to the database was lost; try again", err)
	}
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "23505": // unique_violation
		return fmt.Errorf("%w: %w", db.ErrDuplicate, err)
	case pe.Code == "23503": // foreign_key_violation
		return fmt.Errorf("%w: %w", db.ErrReferenced, err)
	case pe.Code == "40001", pe.Code == "40P01": // serialization_failure, deadlock_detected
		return fmt.Errorf("%w: %w", db.ErrRetry, err)
	case pe.Code == "53100": // disk_full
		return db.NewError(db.Full, "the database has no room left; nothing was written — free space, then retry", err)
	case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P03", pe.Code == "53300": // connection lost, shutdown, cannot connect now, too many connections
		return db.NewError(db.Unavailable, "the database is unavailable; try again", err)
	}
	return err
}

// lostConnection reports whether err is a connection that broke under a statement — the
// server restarting, the network gone — rather than anything the statement did.
func lostConnection(err error) bool {
	if pgconn.Timeout(err) || errors.Is(err, context.Canceled) {
		return false // the caller's deadline or cancellation, which the core reports itself
	}
	var ne *net.OpError
	return errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.As(err, &ne)
}

// HasArchive reports whether the database dsn names holds a Verbatim archive (its
// migrations table), without creating anything.
func HasArchive(ctx context.Context, dsn string) (bool, error) {
	p, err := pool(ctx, dsn, "primary")
	if err != nil {
		return false, err
	}
	defer p.Close()
	var has bool
	if err := p.QueryRow(ctx, `SELECT to_regclass('verbatim_migrations') IS NOT NULL`).Scan(&has); err != nil {
		return false, fmt.Errorf("postgres: %w", err)
	}
	return has, nil
}
