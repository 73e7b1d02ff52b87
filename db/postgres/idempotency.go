package postgres

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) ExpireIdempotency(ctx context.Context, expired, abandoned time.Time) error {
	_, err := t.exec(ctx, "expire idempotency keys", `DELETE FROM idempotency_keys
		WHERE created_at < $1 OR (status IS NULL AND created_at < $2)`, expired, abandoned)
	return err
}

func (t *tx) ClaimIdempotency(ctx context.Context, owner, key string, at time.Time) (bool, error) {
	tag, err := t.exec(ctx, "claim idempotency key", `INSERT INTO idempotency_keys (key_id, key, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (key_id, key) DO NOTHING`, owner, key, at)
	return tag.RowsAffected() == 1, err
}

func (t *tx) IdempotentRun(ctx context.Context, owner, key string) (*db.IdempotentRun, error) {
	var run db.IdempotentRun
	var hash *string
	var status *int
	err := t.q.QueryRow(ctx, `SELECT request_hash, status, response FROM idempotency_keys WHERE key_id = $1 AND key = $2`,
		owner, key).Scan(&hash, &status, &run.Response)
	if hash != nil {
		run.RequestHash = *hash
	}
	if status != nil {
		run.Status = *status
	}
	return &run, one("find idempotency key", err)
}

func (t *tx) CompleteIdempotency(ctx context.Context, owner, key string, run db.IdempotentRun) error {
	_, err := t.exec(ctx, "complete idempotency key", `UPDATE idempotency_keys SET request_hash = $1, status = $2, response = $3
		WHERE key_id = $4 AND key = $5`, run.RequestHash, run.Status, run.Response, owner, key)
	return err
}

func (t *tx) ReleaseIdempotency(ctx context.Context, owner, key string) error {
	_, err := t.exec(ctx, "release idempotency key", `DELETE FROM idempotency_keys WHERE key_id = $1 AND key = $2 AND status IS NULL`,
		owner, key)
	return err
}
