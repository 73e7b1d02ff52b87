package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered, as Stripe does.
const IdempotencyTTL = 24 * time.Hour

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
	owner := actorOf(ctx).KeyID
	var prev *IdempotentRun
	err := d.write(ctx, func(tx *sql.Tx) error {
		prev = nil
		cutoff := d.now().Add(-IdempotencyTTL).Format(timeFormat)
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, cutoff); err != nil {
			return fmt.Errorf("db: expire idempotency keys: %w", classify(err))
		}
		var run IdempotentRun
		var hash sql.NullString
		var status sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT request_hash, status, response FROM idempotency_keys WHERE key_id = ? AND key = ?`,
			owner, key).Scan(&hash, &status, &run.Response)
		switch {
		case err == nil:
			run.RequestHash, run.Status = hash.String, int(status.Int64)
			prev = &run
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("db: find idempotency key: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (key_id, key, created_at) VALUES (?, ?, ?)`,
			owner, key, d.timestamp())
		if err != nil {
			return fmt.Errorf("db: claim idempotency key: %w", classify(err))
		}
		return nil
	})
	return prev, err
}

// CompleteIdempotencyKey remembers the answer to the request that claimed key.
func (d *DB) CompleteIdempotencyKey(ctx context.Context, key, requestHash string, status int, response []byte) error {
	return d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET request_hash = ?, status = ?, response = ? WHERE key_id = ? AND key = ?`,
			requestHash, status, response, actorOf(ctx).KeyID, key)
		if err != nil {
			return fmt.Errorf("db: complete idempotency key: %w", classify(err))
		}
		return nil
	})
}

// ReleaseIdempotencyKey forgets a claim whose request failed, so that a retry runs it.
func (d *DB) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	return d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE key_id = ? AND key = ? AND status IS NULL`,
			actorOf(ctx).KeyID, key)
		if err != nil {
			return fmt.Errorf("db: release idempotency key: %w", classify(err))
		}
		return nil
	})
}
