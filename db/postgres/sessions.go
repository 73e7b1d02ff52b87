package postgres

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) ExpireSessions(ctx context.Context, before time.Time) error {
	_, err := t.exec(ctx, "expire sessions", `DELETE FROM sessions WHERE expires_at < $1`, before)
	return err
}

func (t *tx) InsertSession(ctx context.Context, s db.SessionRow) error {
	_, err := t.exec(ctx, "insert session", `INSERT INTO sessions (token_hash, key_id, csrf, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, s.TokenHash, s.KeyID, s.CSRF, s.CreatedAt, s.ExpiresAt)
	return err
}

func (t *tx) SessionByHash(ctx context.Context, hash []byte) (*db.SessionRow, error) {
	var s db.SessionRow
	err := t.q.QueryRow(ctx, `SELECT token_hash, key_id, csrf, created_at, expires_at FROM sessions WHERE token_hash = $1`,
		hash).Scan(&s.TokenHash, &s.KeyID, &s.CSRF, &s.CreatedAt, &s.ExpiresAt)
	return &s, one("read session", err)
}

func (t *tx) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, "delete session", `DELETE FROM sessions WHERE token_hash = $1`, hash)
	return err
}

func (t *tx) TrimSessions(ctx context.Context, keyID string, keep int) error {
	_, err := t.exec(ctx, "trim sessions", `DELETE FROM sessions WHERE key_id = $1 AND token_hash NOT IN (
		SELECT token_hash FROM sessions WHERE key_id = $1 ORDER BY created_at DESC, token_hash DESC LIMIT $2)`, keyID, keep)
	return err
}
