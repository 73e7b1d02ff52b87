package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) ExpireIdempotency(ctx context.Context, expired, abandoned time.Time) error {
	_, err := t.exec(ctx, "expire idempotency keys", `DELETE FROM idempotency_keys
		WHERE created_at < ? OR (status IS NULL AND created_at < ?)`, ts(expired), ts(abandoned))
	return err
}

func (t *tx) ClaimIdempotency(ctx context.Context, owner, key string, at time.Time) (bool, error) {
	res, err := t.exec(ctx, "claim idempotency key", `INSERT INTO idempotency_keys (key_id, key, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key_id, key) DO NOTHING`, owner, key, ts(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) IdempotentRun(ctx context.Context, owner, key string) (*db.IdempotentRun, error) {
	var run db.IdempotentRun
	var hash sql.NullString
	var status sql.NullInt64
	err := t.q.QueryRowContext(ctx, `SELECT request_hash, status, response FROM idempotency_keys WHERE key_id = ? AND key = ?`,
		owner, key).Scan(&hash, &status, &run.Response)
	run.RequestHash, run.Status = hash.String, int(status.Int64)
	return &run, one("find idempotency key", err)
}

func (t *tx) CompleteIdempotency(ctx context.Context, owner, key string, run db.IdempotentRun) error {
	_, err := t.exec(ctx, "complete idempotency key", `UPDATE idempotency_keys SET request_hash = ?, status = ?, response = ?
		WHERE key_id = ? AND key = ?`, run.RequestHash, run.Status, run.Response, owner, key)
	return err
}

func (t *tx) ReleaseIdempotency(ctx context.Context, owner, key string) error {
	_, err := t.exec(ctx, "release idempotency key", `DELETE FROM idempotency_keys WHERE key_id = ? AND key = ? AND status IS NULL`,
		owner, key)
	return err
}
