package db

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/verbatimhq/verbatim/similar"
)

// Similarity thresholds: what /similar lists, and what a new quote is warned about.
const (
	SimilarMin   = 0.3
	DuplicateMin = 0.6
	// candidateCap bounds the work of one lookup: the candidates sharing most bands win.
	candidateCap = 200
)

// SimilarQuote is a quote with its similarity (Jaccard over normalised words and word
// pairs, 0..1) to another.
type SimilarQuote struct {
	Score float64 `json:"score" example:"0.82"`
	Quote *Quote  `json:"quote"`
} //@name SimilarQuote

// writeBands sets the LSH band keys a quote is found by. old is the text whose bands it
// had, nil for a quote just inserted.
func writeBands(ctx context.Context, tx *sql.Tx, seq int64, old *string, text string) error {
	if old != nil {
		if err := clearBands(ctx, tx, seq, *old); err != nil {
			return err
		}
	}
	keys := similar.BandKeys(similar.Features(text))
	if len(keys) == 0 {
		return nil
	}
	// One statement for all bands: a round trip per band was a fifth of an import.
	args := make([]any, 0, 2*len(keys))
	for _, key := range keys {
		args = append(args, key, seq)
	}
	stmt := `INSERT OR IGNORE INTO quote_bands (key, quote_seq) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?),", len(keys)), ",")
	if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
		return fmt.Errorf("db: write bands: %w", classify(err))
	}
	return nil
}

// clearBands deletes the band keys of a quote whose text was text. The table is keyed by
// band only (migration 008), so the keys are computed again rather than looked up.
func clearBands(ctx context.Context, tx *sql.Tx, seq int64, text string) error {
	keys := similar.BandKeys(similar.Features(text))
	if len(keys) == 0 {
		return nil
	}
	args := make([]any, 0, 1+len(keys))
	args = append(args, seq)
	for _, key := range keys {
		args = append(args, key)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM quote_bands WHERE quote_seq = ? AND key IN (`+placeholders(len(keys))+`)`, args...); err != nil {
		return fmt.Errorf("db: clear bands: %w", classify(err))
	}
	return nil
}

type scored struct {
	seq   int64
	score float64
}

// similarTo finds the stored quotes (other than exclude) whose words are at least minScore
// similar to text, best first, at most limit.
func similarTo(ctx context.Context, tx *sql.Tx, text string, exclude int64, minScore float64, limit int) ([]scored, error) {
	features := similar.Features(text)
	keys := similar.BandKeys(features)
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(keys)+2)
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, exclude, candidateCap)
	rows, err := tx.QueryContext(ctx, `SELECT b.quote_seq, q.text FROM (SELECT quote_seq, count(*) AS n FROM quote_bands
		WHERE key IN (`+placeholders(len(keys))+`) AND quote_seq != ? GROUP BY quote_seq ORDER BY n DESC, quote_seq DESC LIMIT ?) b
		JOIN quotes q ON q.seq = b.quote_seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("db: similar candidates: %w", err)
	}
	defer rows.Close()
	var out []scored
	for rows.Next() {
		var s scored
		var other string
		if err := rows.Scan(&s.seq, &other); err != nil {
			return nil, fmt.Errorf("db: similar candidates: %w", err)
		}
		if s.score = similar.Jaccard(features, similar.Features(other)); s.score >= minScore {
			out = append(out, s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: similar candidates: %w", err)
	}
	slices.SortFunc(out, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.seq, a.seq))
	})
	return out[:min(len(out), limit)], nil
}

// similarQuotes loads the scored quotes, in order, with their current verdicts.
func similarQuotes(ctx context.Context, tx *sql.Tx, hits []scored) ([]SimilarQuote, error) {
	seqs := make([]int64, len(hits))
	for i, h := range hits {
		seqs[i] = h.seq
	}
	quotes, err := quotesBySeq(ctx, tx, seqs)
	if err != nil {
		return nil, err
	}
	out := make([]SimilarQuote, len(hits))
	for i, h := range hits {
		out[i] = SimilarQuote{Score: float64(int(h.score*1000+0.5)) / 1000, Quote: quotes[i]}
	}
	return out, attachVerdicts(ctx, tx, quotes)
}

// Similar returns the stored variants of a quote, most similar first. NotFound.
func (d *DB) Similar(ctx context.Context, id string, limit int) ([]SimilarQuote, error) {
	var out []SimilarQuote
	err := d.read(ctx, func(tx *sql.Tx) error {
		q, seq, err := findQuote(ctx, tx, id)
		if err != nil {
			return err
		}
		hits, err := similarTo(ctx, tx, q.Text, seq, SimilarMin, clampLimit(limit))
		if err != nil {
			return err
		}
		out, err = similarQuotes(ctx, tx, hits)
		return err
	})
	return out, err
}

// backfillBands computes the bands of quotes stored before variants were indexed.
func backfillBands(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT seq, text FROM quotes WHERE seq NOT IN (SELECT quote_seq FROM quote_bands)`)
	if err != nil {
		return fmt.Errorf("db: backfill bands: %w", err)
	}
	type row struct {
		seq  int64
		text string
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.text); err != nil {
			rows.Close()
			return fmt.Errorf("db: backfill bands: %w", err)
		}
		todo = append(todo, r)
	}
	rows.Close()
	for _, r := range todo {
		if err := writeBands(ctx, tx, r.seq, nil, r.text); err != nil {
			return err
		}
	}
	return rows.Err()
}
