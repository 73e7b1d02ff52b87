package db

import (
	"cmp"
	"context"
	"fmt"
	"slices"

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

type scored struct {
	seq   int64
	score float64
}

// similarTo finds the stored quotes (other than exclude) whose words are at least minScore
// similar to text, best first, at most limit.
func similarTo(ctx context.Context, tx Tx, text string, exclude int64, minScore float64, limit int) ([]scored, error) {
	features := similar.Features(text)
	keys := similar.BandKeys(features)
	if len(keys) == 0 {
		return nil, nil
	}
	candidates, err := tx.SimilarCandidates(ctx, keys, exclude, candidateCap)
	if err != nil {
		return nil, fmt.Errorf("db: similar candidates: %w", err)
	}
	var out []scored
	for _, c := range candidates {
		if score := similar.Jaccard(features, similar.Features(c.Text)); score >= minScore {
			out = append(out, scored{c.Seq, score})
		}
	}
	slices.SortFunc(out, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.seq, a.seq))
	})
	return out[:min(len(out), limit)], nil
}

// similarQuotes loads the scored quotes, in order, with their current verdicts.
func similarQuotes(ctx context.Context, tx Tx, hits []scored) ([]SimilarQuote, error) {
	seqs := make([]int64, len(hits))
	for i, h := range hits {
		seqs[i] = h.seq
	}
	quotes, err := tx.QuotesBySeq(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("db: read quotes: %w", err)
	}
	out := make([]SimilarQuote, len(hits))
	for i, h := range hits {
		out[i] = SimilarQuote{Score: float64(int(h.score*1000+0.5)) / 1000, Quote: quotes[i]}
	}
	return out, attachDerived(ctx, tx, quotes)
}

// Similar returns the stored variants of a quote, most similar first. NotFound.
func (d *DB) Similar(ctx context.Context, id string, limit int) ([]SimilarQuote, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	var out []SimilarQuote
	err := d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, id, false)
		if err != nil {
			return err
		}
		hits, err := similarTo(ctx, tx, q.Text, q.Seq, SimilarMin, clampLimit(limit))
		if err != nil {
			return err
		}
		out, err = similarQuotes(ctx, tx, hits)
		return err
	})
	return out, err
}
