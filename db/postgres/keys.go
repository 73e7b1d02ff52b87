package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

const keyColumns = `id, name, role, hint, created_at, revoked_at`

func scanKey(row pgx.Row, extra ...any) (*db.APIKey, error) {
	var k db.APIKey
	if err := row.Scan(append([]any{&k.ID, &k.Name, &k.Role, &k.Hint, &k.CreatedAt, &k.RevokedAt}, extra...)...); err != nil {
		return nil, err
	}
	k.CreatedAt = utc(k.CreatedAt)
	if k.RevokedAt != nil {
		r := utc(*k.RevokedAt)
		k.RevokedAt = &r
	}
	return &k, nil
}

func (t *tx) InsertKey(ctx context.Context, k *db.APIKey, hash []byte) error {
	_, err := t.exec(ctx, "insert key", `INSERT INTO api_keys (id, name, role, hash, hint, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.Name, k.Role, hash, k.Hint, k.CreatedAt)
	return err
}

func (t *tx) KeyByHash(ctx context.Context, hash []byte) (*db.APIKey, []byte, error) {
	var stored []byte
	k, err := scanKey(t.q.QueryRow(ctx, `SELECT `+keyColumns+`, hash FROM api_keys WHERE hash = $1`, hash), &stored)
	return k, stored, one("authenticate", err)
}

func (t *tx) Key(ctx context.Context, id string, lock bool) (*db.APIKey, error) {
	query := `SELECT ` + keyColumns + ` FROM api_keys WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	k, err := scanKey(t.q.QueryRow(ctx, query, id))
	return k, one("find key", err)
}

func (t *tx) Keys(ctx context.Context) ([]*db.APIKey, error) {
	keys, err := collect(ctx, t.q, "list keys", func(r pgx.Row) (*db.APIKey, error) { return scanKey(r) },
		`SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`)
	if keys == nil {
		keys = []*db.APIKey{}
	}
	return keys, err
}

func (t *tx) RevokeKey(ctx context.Context, id string, at time.Time) error {
	tag, err := t.exec(ctx, "revoke key", `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, at, id)
	if err != nil {
		return err
	}
	return conditional(tag)
}
