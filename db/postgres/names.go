package postgres

import (
	"context"
)

// LockNames takes a transaction's advisory locks on the names — released at commit or
// rollback, so they hold behind a transaction-pooling proxy too — in the order of the
// locks' own keys, whatever the order of names: two writers locking many names at once
// wait for one another instead of deadlocking.
func (t *tx) LockNames(ctx context.Context, kind string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	named := make([]string, len(keys))
	for i, k := range keys {
		named[i] = kind + ":" + k
	}
	_, err := t.exec(ctx, "lock names", `SELECT count(pg_advisory_xact_lock(h)) FROM
		(SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS locks`, named)
	return err
}
