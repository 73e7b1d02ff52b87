package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

// writeBands stores the LSH band keys a quote is found by, in one statement.
func (t *tx) writeBands(ctx context.Context, seq int64, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := t.exec(ctx, "write bands", `INSERT INTO quote_bands (key, quote_seq) SELECT k, $2 FROM unnest($1::bigint[]) k
		ON CONFLICT DO NOTHING`, keys, seq)
	return err
}

func (t *tx) clearBands(ctx context.Context, seq int64, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := t.exec(ctx, "clear bands", `DELETE FROM quote_bands WHERE quote_seq = $1 AND key = ANY($2)`, seq, keys)
	return err
}

func (t *tx) SimilarCandidates(ctx context.Context, bands []int64, exclude int64, limit int) ([]db.Candidate, error) {
	return collect(ctx, t.q, "similar candidates", func(r pgx.Row) (db.Candidate, error) {
		var c db.Candidate
		return c, r.Scan(&c.Seq, &c.Text)
	}, `SELECT b.quote_seq, q.text FROM (SELECT quote_seq, count(*) AS n FROM quote_bands
		WHERE key = ANY($1) AND quote_seq <> $2 GROUP BY quote_seq ORDER BY n DESC, quote_seq DESC LIMIT $3) b
		JOIN quotes q ON q.seq = b.quote_seq ORDER BY b.n DESC, b.quote_seq DESC`, bands, exclude, limit)
}
