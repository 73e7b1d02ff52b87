package sqlite

import (
	"context"
)

// LockNames does nothing: SQLite has one writer at a time.
func (t *tx) LockNames(context.Context, string, []string) error { return nil }
