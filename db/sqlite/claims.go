package sqlite

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

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
