// Package engines opens a Verbatim archive in the engine its address names: a
// postgres:// or postgresql:// URL is PostgreSQL, anything else is an SQLite file. It is
// the one place that links both drivers; the API and everything above the core never do.
package engines

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/postgres"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// Options say how to open an archive.
type Options struct {
	db.Options
	// Replica is a PostgreSQL hot standby the archive-wide reads may go to.
	Replica string
	// MaxBytes caps an SQLite file (writes past it are refused as storage full); zero
	// caps nothing. PostgreSQL's disk and quotas are its operators'.
	MaxBytes int64
	// Connections caps the connections reads take — SQLite's reader pool, PostgreSQL's
	// pool (pool_max_conns) — when not zero; tests run a pool of one, where a read that
	// waited for a second connection would wait for ever.
	Connections int
	// Existing opens only an archive that is already there: the commands that read or
	// change an archive (verify, export, keys, backup) must fail on a mistyped --db, not
	// create an empty archive and report on it. Only serve, migrate and import create.
	Existing bool
}

// ErrNoArchive is what Open answers, with Existing, where no archive is.
var ErrNoArchive = errors.New("no Verbatim archive there (serve, migrate and import create one)")

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens (creating and migrating as needed) the archive dsn names.
func Open(ctx context.Context, dsn string, opt Options) (*db.DB, error) {
	if IsPostgres(dsn) {
		if opt.Existing {
			// An empty PostgreSQL database is not an archive either; its tables are
			// created only by the commands that create.
			has, err := postgres.HasArchive(ctx, dsn)
			if err != nil {
				return nil, err
			}
			if !has {
				return nil, fmt.Errorf("%s: %w", Redact(dsn), ErrNoArchive)
			}
		}
		if opt.MaxBytes > 0 {
			return nil, errors.New("a size cap is for an SQLite file; on PostgreSQL, size the server's disk and quotas instead")
		}
		if opt.Connections > 0 {
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			dsn += sep + "pool_max_conns=" + strconv.Itoa(opt.Connections)
		}
		return postgres.OpenDB(ctx, postgres.Options{DSN: dsn, Replica: opt.Replica}, opt.Options)
	}
	if opt.Replica != "" {
		return nil, errors.New("a replica is for PostgreSQL; an SQLite archive is one file")
	}
	if opt.Existing {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", dsn, ErrNoArchive)
		}
	}
	d, err := sqlite.OpenDBReaders(ctx, dsn, opt.Connections, opt.Options)
	if err != nil || opt.MaxBytes <= 0 {
		return d, err
	}
	if err := d.Engine().(*sqlite.Engine).LimitSize(ctx, opt.MaxBytes); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Redact is dsn with its password, if any, replaced: fit for logs, output and errors.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
