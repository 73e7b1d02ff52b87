package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// watch tells whether anything has been committed to the database since it last looked —
// by this process or another, such as `verbatim keys revoke` run beside a server — so
// that what is cached in memory is dropped the moment it may be stale. It reads SQLite's
// data_version, which changes when any other connection commits and is only comparable
// on one connection, so it keeps a connection of its own.
type watch struct {
	mu   sync.Mutex
	db   *sql.DB
	stmt *sql.Stmt
	last int64
	gen  uint64 // counts the changes seen
}

func newWatch(ctx context.Context, dsn string) (*watch, error) {
	conn, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open watch: %w", err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	conn.SetConnMaxLifetime(0)
	stmt, err := conn.PrepareContext(ctx, `PRAGMA data_version`)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("db: prepare watch: %w", err)
	}
	return &watch{db: conn, stmt: stmt}, nil
}

// generation is a number that moves whenever the database has changed since the last call.
func (w *watch) generation(ctx context.Context) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var v int64
	if err := w.stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("db: data version: %w", err)
	}
	if v != w.last {
		w.last = v
		w.gen++
	}
	return w.gen, nil
}

func (w *watch) close() error {
	w.stmt.Close()
	return w.db.Close()
}

// keyCache holds the keys requests have authenticated with, by hash, for as long as
// nothing in the database changes: every request is authenticated, and looking its key up
// in SQLite was a fifth of a read by ID. Revoking a key is a commit, so the next request
// finds the cache stale and reads the key again.
type keyCache struct {
	mu   sync.RWMutex
	gen  uint64
	keys map[string]APIKey
}

// maxCachedKeys bounds the cache; only keys that exist are cached, so it is never reached
// in practice.
const maxCachedKeys = 10000

func (c *keyCache) get(gen uint64, hash []byte) (*APIKey, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen != gen {
		return nil, false
	}
	k, ok := c.keys[string(hash)]
	return &k, ok
}

func (c *keyCache) put(gen uint64, hash []byte, k *APIKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return // read before a change another request has already seen
	}
	if gen != c.gen || c.keys == nil || len(c.keys) >= maxCachedKeys {
		c.keys, c.gen = map[string]APIKey{}, gen
	}
	c.keys[string(hash)] = *k
}
