package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

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
