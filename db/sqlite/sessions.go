package sqlite

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) ExpireSessions(ctx context.Context, before time.Time) error {
	_, err := t.exec(ctx, "expire sessions", `DELETE FROM sessions WHERE expires_at < ?`, ts(before))
	return err
}

func (t *tx) InsertSession(ctx context.Context, s db.SessionRow) error {
	_, err := t.exec(ctx, "insert session", `INSERT INTO sessions (token_hash, key_id, csrf, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, s.TokenHash, s.KeyID, s.CSRF, ts(s.CreatedAt), ts(s.ExpiresAt))
	return err
}

func (t *tx) SessionByHash(ctx context.Context, hash []byte) (*db.SessionRow, error) {
	var s db.SessionRow
	var created, expires string
	err := t.q.QueryRowContext(ctx, `SELECT token_hash, key_id, csrf, created_at, expires_at FROM sessions WHERE token_hash = ?`,
		hash).Scan(&s.TokenHash, &s.KeyID, &s.CSRF, &created, &expires)
	s.CreatedAt, s.ExpiresAt = parseTime(created), parseTime(expires)
	return &s, one("read session", err)
}

func (t *tx) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, "delete session", `DELETE FROM sessions WHERE token_hash = ?`, hash)
	return err
}

func (t *tx) TrimSessions(ctx context.Context, keyID string, keep int) error {
	_, err := t.exec(ctx, "trim sessions", `DELETE FROM sessions WHERE key_id = ? AND token_hash NOT IN (
		SELECT token_hash FROM sessions WHERE key_id = ? ORDER BY created_at DESC, token_hash DESC LIMIT ?)`, keyID, keyID, keep)
	return err
}
