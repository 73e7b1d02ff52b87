package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"github.com/verbatimhq/verbatim/db"
)

// Backup writes a consistent copy of the live database to path with VACUUM INTO, on a
// connection of its own: the copy is one snapshot, and the server's writers are not held
// back while it is taken. path must not exist. The copy is then verified.
func (e *Engine) Backup(ctx context.Context, path string) (db.Report, error) {
	if _, err := os.Stat(path); err == nil {
		return db.Report{}, fmt.Errorf("sqlite: backup: %s exists; choose a new path", path)
	}
	conn, err := sql.Open(DriverName, sqliteURI(e.path, url.Values{"_busy_timeout": {"5000"}}))
	if err != nil {
		return db.Report{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return db.Report{}, fmt.Errorf("sqlite: backup: %w", classify(err))
	}
	return Verify(ctx, path)
}

// Verify checks the open database as Verify checks a file.
func (e *Engine) Verify(ctx context.Context) (db.Report, error) { return Verify(ctx, e.path) }

// Verify checks a database file: SQLite's integrity check, the search index's own check
// (and that it indexes every quote), and counts of what it holds.
func Verify(ctx context.Context, path string) (db.Report, error) {
	if _, err := os.Stat(path); err != nil {
		return db.Report{}, fmt.Errorf("sqlite: verify: %w", err)
	}
	// mode=rw: verifying never creates the file it is given (the search index check is
	// an INSERT by its form, so the file is opened for writing).
	conn, err := sql.Open(DriverName, sqliteURI(path, url.Values{"_busy_timeout": {"5000"}, "mode": {"rw"}}))
	if err != nil {
		return db.Report{}, fmt.Errorf("sqlite: verify: %w", err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	var r db.Report
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&r.Integrity); err != nil {
		return r, fmt.Errorf("sqlite: integrity check: %w", err)
	}
	// A file whose first open was cut short during its migrations (each its own
	// transaction) is sound but lacks tables: say so, rather than fail to count them.
	var version, tables int
	if err := conn.QueryRowContext(ctx, `SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema
		WHERE name IN ('quotes', 'speakers', 'outlets', 'verdicts', 'citations', 'audit_log', 'quotes_fts'))`).Scan(&version, &tables); err != nil {
		return r, fmt.Errorf("sqlite: verify: %w", err)
	}
	if tables < 7 && version < LatestSchemaVersion() {
		if r.Integrity == "ok" {
			r.Integrity = fmt.Sprintf("migrated to %d of %d: the next open migrates the rest", version, LatestSchemaVersion())
		}
		return r, nil
	}
	var indexed int64
	err = conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM speakers),
		(SELECT count(*) FROM outlets), (SELECT count(*) FROM verdicts), (SELECT count(*) FROM citations),
		(SELECT count(*) FROM audit_log), (SELECT count(*) FROM quotes_fts)`).
		Scan(&r.Quotes, &r.Speakers, &r.Outlets, &r.Verdicts, &r.Citations, &r.AuditLog, &indexed)
	if err != nil {
		return r, fmt.Errorf("sqlite: count: %w", err)
	}
	_, ftsErr := conn.ExecContext(ctx, `INSERT INTO quotes_fts (quotes_fts, rank) VALUES ('integrity-check', 1)`)
	r.SearchIndexOK = ftsErr == nil && indexed == r.Quotes
	// A load under way, or cut short, has indexes still to build (the next open builds
	// them). An archive older than migration 21 has no such table: nothing deferred.
	var deferred sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT group_concat(name, ', ') FROM deferred_indexes`).Scan(&deferred); err == nil &&
		deferred.Valid && r.Integrity == "ok" {
		r.Integrity = "indexes a load has not built yet: " + deferred.String
	}
	return r, nil
}

// Restore verifies the backup at from and puts a copy of it at to, atomically (a copy in
// the same directory, synced, then renamed over). The server must not be running on to.
// An existing database at to is replaced only with force.
func Restore(ctx context.Context, from, to string, force bool) (db.Report, error) {
	rep, err := Verify(ctx, from)
	if err != nil {
		return rep, err
	}
	if !rep.OK() {
		return rep, fmt.Errorf("sqlite: restore: %s fails its checks (integrity %q, search index ok %v)", from, rep.Integrity, rep.SearchIndexOK)
	}
	if _, err := os.Stat(to); err == nil && !force {
		return rep, fmt.Errorf("sqlite: restore: %s exists; stop the server and pass --force to replace it", to)
	}
	// Replacing a database a server has open would lose the writes it acknowledges
	// after: the file is held for this process alone until it is replaced.
	held, err := holdAlone(to)
	if err != nil {
		return rep, fmt.Errorf("sqlite: restore: %w", err)
	}
	if held != nil {
		defer held.Close()
	}
	src, err := os.Open(from)
	if err != nil {
		return rep, fmt.Errorf("sqlite: restore: %w", err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), ".restore-*")
	if err != nil {
		return rep, fmt.Errorf("sqlite: restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return rep, fmt.Errorf("sqlite: restore: %w", err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return rep, fmt.Errorf("sqlite: restore: %w", err)
	}
	// The old database's WAL belongs to the old file: it must not be replayed onto the new.
	for _, side := range []string{to + "-wal", to + "-shm"} {
		if err := os.Remove(side); err != nil && !os.IsNotExist(err) {
			return rep, fmt.Errorf("sqlite: restore: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), to); err != nil {
		return rep, fmt.Errorf("sqlite: restore: %w", err)
	}
	return rep, nil
}
