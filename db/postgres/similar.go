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

// SimilarCandidates reads at most bandDepth of each band's newest holders: a band shared
// by thousands of quotes (templated words) made every look-up count them all, and an
// import of such words quadratic.
func (t *tx) SimilarCandidates(ctx context.Context, bands []int64, exclude int64, limit int) ([]db.Candidate, error) {
	return collect(ctx, t.q, "similar candidates", func(r pgx.Row) (db.Candidate, error) {
		var c db.Candidate
		return c, r.Scan(&c.Seq, &c.ID, &c.Text, &c.SpeakerID)
	}, `SELECT b.quote_seq, q.id, q.text, q.speaker_id FROM (SELECT h.quote_seq, count(*) AS n FROM unnest($1::bigint[]) AS k(key)
		CROSS JOIN LATERAL (SELECT quote_seq FROM quote_bands WHERE key = k.key AND quote_seq <> $2
			ORDER BY quote_seq DESC LIMIT $4) h
		GROUP BY h.quote_seq ORDER BY n DESC, h.quote_seq DESC LIMIT $3) b
		JOIN quotes q ON q.seq = b.quote_seq ORDER BY b.n DESC, b.quote_seq DESC`, bands, exclude, limit, bandDepth(limit))
}

// bandDepth is how many of a band's newest holders a look-up for limit candidates reads.
func bandDepth(limit int) int { return max(64, 4*limit) }

func (t *tx) BandHolders(ctx context.Context, keys []int64, perBand int) (map[int64][]int64, error) {
	type holder struct{ key, seq int64 }
	rows, err := collect(ctx, t.q, "band holders", func(r pgx.Row) (holder, error) {
		var h holder
		return h, r.Scan(&h.key, &h.seq)
	}, `SELECT b.key, b.quote_seq FROM unnest($1::bigint[]) AS k(key)
		CROSS JOIN LATERAL (SELECT key, quote_seq FROM quote_bands WHERE key = k.key ORDER BY quote_seq DESC LIMIT $2) b
		ORDER BY b.key, b.quote_seq DESC`, keys, perBand)
	out := map[int64][]int64{}
	for _, h := range rows {
		out[h.key] = append(out[h.key], h.seq)
	}
	return out, err
}

func (t *tx) CandidatesBySeq(ctx context.Context, seqs []int64) ([]db.Candidate, error) {
	return collect(ctx, t.q, "read candidates", func(r pgx.Row) (db.Candidate, error) {
		var c db.Candidate
		return c, r.Scan(&c.Seq, &c.ID, &c.Text, &c.SpeakerID)
	}, `SELECT seq, id, text, speaker_id FROM quotes WHERE seq = ANY($1::bigint[])`, seqs)
}

// QuotesChanged cannot tell: several nodes write, and what one of them keeps would have to
// follow every other's commits. Every batch reads its candidates' words afresh.
func (t *tx) QuotesChanged(context.Context) ([]int64, bool, error) { return nil, true, nil }
