package sqlite

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

const keyColumns = `id, name, role, hint, created_at, revoked_at`

func scanKey(row scanner, extra ...any) (*db.APIKey, error) {
	var k db.APIKey
	var created string
	var revoked *string
	if err := row.Scan(append([]any{&k.ID, &k.Name, &k.Role, &k.Hint, &created, &revoked}, extra...)...); err != nil {
		return nil, err
	}
	k.CreatedAt = parseTime(created)
	if revoked != nil {
		t := parseTime(*revoked)
		k.RevokedAt = &t
	}
	return &k, nil
}

func (t *tx) InsertKey(ctx context.Context, k *db.APIKey, hash []byte) error {
	_, err := t.exec(ctx, "insert key", `INSERT INTO api_keys (id, name, role, hash, hint, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.Role, hash, k.Hint, ts(k.CreatedAt))
	return err
}

func (t *tx) KeyByHash(ctx context.Context, hash []byte) (*db.APIKey, []byte, error) {
	var stored []byte
	k, err := scanKey(t.q.QueryRowContext(ctx, `SELECT `+keyColumns+`, hash FROM api_keys WHERE hash = ?`, hash), &stored)
	return k, stored, one("authenticate", err)
}

func (t *tx) Key(ctx context.Context, id string, _ bool) (*db.APIKey, error) {
	k, err := scanKey(t.q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id))
	return k, one("find key", err)
}

func (t *tx) Keys(ctx context.Context) ([]*db.APIKey, error) {
	keys, err := collect(ctx, t.q, "list keys", func(r scanner) (*db.APIKey, error) { return scanKey(r) },
		`SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`)
	if keys == nil {
		keys = []*db.APIKey{}
	}
	return keys, err
}

func (t *tx) RevokeKey(ctx context.Context, id string, at time.Time) error {
	res, err := t.exec(ctx, "revoke key", `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(at), id)
	if err != nil {
		return err
	}
	return affected("revoke key", res)
}
