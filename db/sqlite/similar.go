package sqlite

import (
	"context"
	"fmt"
	"strings"

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
	if _, err := t.exec(ctx, "write bands", `INSERT OR IGNORE INTO quote_bands (key, quote_seq) VALUES `+values(len(keys), 2), args...); err != nil {
		return err
	}
	t.bands.added(keys)
	return nil
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

// SimilarCandidates reads at most bandDepth of each band's newest holders: a band shared
// by thousands of quotes (templated words) made every look-up count them all, and an
// import of such words quadratic.
func (t *tx) SimilarCandidates(ctx context.Context, bands []int64, exclude int64, limit int) ([]db.Candidate, error) {
	parts := make([]string, len(bands))
	args := make([]any, 0, 2*len(bands)+1)
	for i, b := range bands {
		parts[i] = `SELECT * FROM (SELECT quote_seq FROM quote_bands WHERE key = ? AND quote_seq != ? ORDER BY quote_seq DESC LIMIT ` +
			fmt.Sprint(bandDepth(limit)) + `)`
		args = append(args, b, exclude)
	}
	args = append(args, limit)
	return collect(ctx, t.q, "similar candidates", func(r scanner) (db.Candidate, error) {
		var c db.Candidate
		return c, r.Scan(&c.Seq, &c.ID, &c.Text, &c.SpeakerID)
	}, `SELECT b.quote_seq, q.id, q.text, q.speaker_id FROM (SELECT quote_seq, count(*) AS n FROM (`+strings.Join(parts, " UNION ALL ")+`)
		GROUP BY quote_seq ORDER BY n DESC, quote_seq DESC LIMIT ?) b
		JOIN quotes q ON q.seq = b.quote_seq ORDER BY b.n DESC, b.quote_seq DESC`, args...)
}

// bandDepth is how many of a band's newest holders a look-up for limit candidates reads.
func bandDepth(limit int) int { return max(64, 4*limit) }

// BandHolders reads each key's newest perBand holders, skipping the keys the writer's
// filter says no quote holds. Most keys have a few holders, and one IN over them is the
// cheapest read; a hot band (a stock phrase's, tens of thousands of holders) would have it
// read every holder to keep perBand, so keys found hot once are read by a limited look-up
// each from then on.
func (t *tx) BandHolders(ctx context.Context, keys []int64, perBand int) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	var hot []int64
	if t.bands != nil {
		var err error
		if keys, err = t.bands.held(ctx, t, keys); err != nil {
			return nil, err
		}
		keys, hot = t.bands.splitHot(keys)
	}
	type holder struct{ key, seq int64 }
	scan := func(r scanner) (holder, error) {
		var h holder
		return h, r.Scan(&h.key, &h.seq)
	}
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		rows, err := collect(ctx, t.q, "band holders", scan,
			`SELECT key, quote_seq FROM quote_bands WHERE key IN (`+placeholders(len(chunk))+`) ORDER BY key DESC, quote_seq DESC`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		for _, h := range rows {
			if n := len(out[h.key]); n < perBand {
				out[h.key] = append(out[h.key], h.seq)
			} else if n == perBand {
				t.bands.foundHot(h.key)
			}
		}
	}
	for start := 0; start < len(hot); start += 200 { // a compound SELECT takes at most 500
		chunk := hot[start:min(start+200, len(hot))]
		parts := make([]string, len(chunk))
		args := make([]any, 0, 2*len(chunk))
		for i, k := range chunk {
			parts[i] = `SELECT * FROM (SELECT key, quote_seq FROM quote_bands WHERE key = ? ORDER BY quote_seq DESC LIMIT ?)`
			args = append(args, k, perBand)
		}
		rows, err := collect(ctx, t.q, "band holders", scan, strings.Join(parts, " UNION ALL "), args...)
		if err != nil {
			return nil, err
		}
		for _, h := range rows {
			out[h.key] = append(out[h.key], h.seq)
		}
	}
	return out, nil
}

func (t *tx) CandidatesBySeq(ctx context.Context, seqs []int64) ([]db.Candidate, error) {
	var out []db.Candidate
	for start := 0; start < len(seqs); start += 500 {
		chunk := seqs[start:min(start+500, len(seqs))]
		rows, err := collect(ctx, t.q, "read candidates", func(r scanner) (db.Candidate, error) {
			var c db.Candidate
			return c, r.Scan(&c.Seq, &c.ID, &c.Text, &c.SpeakerID)
		}, `SELECT seq, id, text, speaker_id FROM quotes WHERE seq IN (`+placeholders(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
