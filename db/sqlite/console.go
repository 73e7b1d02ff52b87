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

func (t *tx) ClaimQuote(ctx context.Context, c *db.Claim, now time.Time) (bool, error) {
	res, err := t.exec(ctx, "claim quote", `INSERT INTO quote_claims (quote_seq, key_id, name, claimed_at, expires_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (quote_seq) DO UPDATE SET key_id = excluded.key_id, name = excluded.name,
			claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
		WHERE quote_claims.key_id = excluded.key_id OR quote_claims.expires_at <= ?`,
		c.QuoteSeq, c.KeyID, c.Name, ts(c.ClaimedAt), ts(c.ExpiresAt), ts(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) ClaimsOf(ctx context.Context, seqs []int64) (map[int64]*db.Claim, error) {
	out := map[int64]*db.Claim{}
	if len(seqs) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read claims", func(row scanner) (*db.Claim, error) {
		var c db.Claim
		var claimed, expires string
		err := row.Scan(&c.QuoteSeq, &c.KeyID, &c.Name, &claimed, &expires)
		c.ClaimedAt, c.ExpiresAt = parseTime(claimed), parseTime(expires)
		return &c, err
	}, `SELECT quote_seq, key_id, name, claimed_at, expires_at FROM quote_claims WHERE quote_seq IN (`+placeholders(len(seqs))+`)`,
		anys(seqs)...)
	for _, c := range rows {
		out[c.QuoteSeq] = c
	}
	return out, err
}

func (t *tx) ReleaseClaim(ctx context.Context, quoteSeq int64, keyID string) error {
	_, err := t.exec(ctx, "release claim", `DELETE FROM quote_claims WHERE quote_seq = ? AND (? = '' OR key_id = ?)`,
		quoteSeq, keyID, keyID)
	return err
}
