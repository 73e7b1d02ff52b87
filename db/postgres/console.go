package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
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

func (t *tx) ClaimQuote(ctx context.Context, c *db.Claim, now time.Time) (bool, error) {
	tag, err := t.exec(ctx, "claim quote", `INSERT INTO quote_claims (quote_seq, key_id, name, claimed_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (quote_seq) DO UPDATE SET key_id = excluded.key_id, name = excluded.name,
			claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
		WHERE quote_claims.key_id = excluded.key_id OR quote_claims.expires_at <= $6`,
		c.QuoteSeq, c.KeyID, c.Name, c.ClaimedAt, c.ExpiresAt, now)
	return tag.RowsAffected() == 1, err
}

func (t *tx) ClaimsOf(ctx context.Context, seqs []int64) (map[int64]*db.Claim, error) {
	out := map[int64]*db.Claim{}
	if len(seqs) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read claims", func(row pgx.Row) (*db.Claim, error) {
		var c db.Claim
		err := row.Scan(&c.QuoteSeq, &c.KeyID, &c.Name, &c.ClaimedAt, &c.ExpiresAt)
		return &c, err
	}, `SELECT quote_seq, key_id, name, claimed_at, expires_at FROM quote_claims WHERE quote_seq = ANY($1)`, seqs)
	for _, c := range rows {
		out[c.QuoteSeq] = c
	}
	return out, err
}

func (t *tx) ReleaseClaim(ctx context.Context, quoteSeq int64, keyID string) error {
	_, err := t.exec(ctx, "release claim", `DELETE FROM quote_claims WHERE quote_seq = $1 AND ($2 = '' OR key_id = $2)`,
		quoteSeq, keyID)
	return err
}
