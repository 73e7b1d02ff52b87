package postgres

import (
	"context"
	"hash/fnv"
	"slices"
)

// nameLocks is how many locks the names of one kind are spread over. A transaction takes
// at most this many however many names it creates — a batch of 25,000 records naming
// 10,000 new speakers takes 64, not 10,000, which a server with the default
// max_locks_per_transaction (64 × max_connections in all) could not hold — and two
// writers creating different names wait for each other only when their names share a
// lock, for the moment it takes to look them up.
const nameLocks = 64

// nameLockSpace keys the locks of each kind apart from the other advisory locks.
var nameLockSpace = map[string]int32{"speaker": 746101, "outlet": 746102, "key": 746103, "webhook": 746104}

// LockNames takes a transaction's advisory locks on the names — released at commit or
// rollback, so they hold behind a transaction-pooling proxy too — in the order of the
// locks' own keys, whatever the order of names: two writers locking many names at once
// wait for one another instead of deadlocking.
func (t *tx) LockNames(ctx context.Context, kind string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	var buckets []int32
	for _, k := range keys {
		h := fnv.New32a()
		h.Write([]byte(k))
		buckets = append(buckets, int32(h.Sum32()%nameLocks))
	}
	slices.Sort(buckets)
	buckets = slices.Compact(buckets)
	_, err := t.exec(ctx, "lock names", `SELECT count(pg_advisory_xact_lock($1, b)) FROM
		(SELECT b FROM unnest($2::int[]) AS b ORDER BY b) AS locks`, nameLockSpace[kind], buckets)
	return err
}
