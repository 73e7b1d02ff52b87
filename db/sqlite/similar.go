package sqlite

import (
	"context"

	"github.com/verbatimhq/verbatim/db"
)

// writeBands stores the LSH band keys a quote is found by, in one statement: a round
// trip per band was a fifth of an import.
func (t *tx) writeBands(ctx context.Context, seq int64, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(keys))
	for _, key := range keys {
		args = append(args, key, seq)
	}
	_, err := t.exec(ctx, "write bands", `INSERT OR IGNORE INTO quote_bands (key, quote_seq) VALUES `+values(len(keys), 2), args...)
	return err
}

// clearBands deletes a quote's band keys. The table is keyed by band only (migration
// 008), so the keys are those its old text gave, computed again rather than looked up.
func (t *tx) clearBands(ctx context.Context, seq int64, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := t.exec(ctx, "clear bands", `DELETE FROM quote_bands WHERE quote_seq = ? AND key IN (`+placeholders(len(keys))+`)`,
		append([]any{seq}, anys(keys)...)...)
	return err
}

func (t *tx) SimilarCandidates(ctx context.Context, bands []int64, exclude int64, limit int) ([]db.Candidate, error) {
	args := append(anys(bands), exclude, limit)
	return collect(ctx, t.q, "similar candidates", func(r scanner) (db.Candidate, error) {
		var c db.Candidate
		return c, r.Scan(&c.Seq, &c.Text)
	}, `SELECT b.quote_seq, q.text FROM (SELECT quote_seq, count(*) AS n FROM quote_bands
		WHERE key IN (`+placeholders(len(bands))+`) AND quote_seq != ? GROUP BY quote_seq ORDER BY n DESC, quote_seq DESC LIMIT ?) b
		JOIN quotes q ON q.seq = b.quote_seq`, args...)
}
