package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered, as Stripe does.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyLease is how long a claim without an answer holds its key. A request's claim
// is released when it fails, but a server stopped mid-request, or one that lost its
// database, cannot release it: past the lease a retry runs the request rather than being
// told for a day that it is still running. It is longer than any request but an import
// runs (the write timeout is two minutes), and an import run twice adds nothing twice.
const IdempotencyLease = 5 * time.Minute

// IdempotentRun is what is remembered of a request sent with an Idempotency-Key. Status
// zero means it is still running.
type IdempotentRun struct {
	RequestHash string
	Status      int
	Response    []byte
}

// ClaimIdempotencyKey claims key for the context's API key. It returns nil when the
// claim is new — the caller runs the request, then completes or releases the claim — and
// the remembered run when the key was used within IdempotencyTTL (Status zero: still
// running). Keys belong to the API key that sent them: two keys never share one.
func (d *DB) ClaimIdempotencyKey(ctx context.Context, key string) (*IdempotentRun, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	owner := actorOf(ctx).KeyID
	var prev *IdempotentRun
	err := d.write(ctx, func(tx Tx) error {
		prev = nil
		now := d.now()
		if err := tx.ExpireIdempotency(ctx, now.Add(-IdempotencyTTL), now.Add(-IdempotencyLease)); err != nil {
			return fmt.Errorf("db: expire idempotency keys: %w", err)
		}
		claimed, err := tx.ClaimIdempotency(ctx, owner, key, now)
		if err != nil {
			return fmt.Errorf("db: claim idempotency key: %w", err)
		}
		if claimed {
			return nil
		}
		prev, err = tx.IdempotentRun(ctx, owner, key)
		if errors.Is(err, ErrNoRow) {
			return ErrRetry // expired between the claim and the read: claim it again
		}
		if err != nil {
			return fmt.Errorf("db: find idempotency key: %w", err)
		}
		return nil
	})
	return prev, err
}

// CompleteIdempotencyKey remembers the answer to the request that claimed key.
func (d *DB) CompleteIdempotencyKey(ctx context.Context, key, requestHash string, status int, response []byte) error {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		err := tx.CompleteIdempotency(ctx, actorOf(ctx).KeyID, key, IdempotentRun{RequestHash: requestHash, Status: status, Response: response})
		if err != nil {
			return fmt.Errorf("db: complete idempotency key: %w", err)
		}
		return nil
	})
}

// ReleaseIdempotencyKey forgets a claim whose request failed, so that a retry runs it.
func (d *DB) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		if err := tx.ReleaseIdempotency(ctx, actorOf(ctx).KeyID, key); err != nil {
			return fmt.Errorf("db: release idempotency key: %w", err)
		}
		return nil
	})
}
