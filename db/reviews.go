package db

import (
	"context"
	"fmt"
	"time"
)

// Review is a reviewed quote with everything its ClaimReview names: the quote with its
// current verdict, the speaker in full, and the quote's citations.
type Review struct {
	Quote     *Quote
	Speaker   *Speaker
	Citations []*Citation
	// Appearances are the quote's confirmed appearances, in the chain's order.
	Appearances []*Appearance
}

// ReviewFilter selects reviewed quotes for the ClaimReview feed.
type ReviewFilter struct {
	Since  *time.Time // only quotes whose current verdict is this new or newer
	Limit  int
	Cursor *string
}

// Review returns a quote's review. NotFound when the quote does not exist or has no
// verdict yet.
func (d *DB) Review(ctx context.Context, quoteID string) (*Review, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	var r *Review
	err := d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		if q.VerdictSeq == nil {
			return errorf(NotFound, "", "this quote has no verdict yet")
		}
		reviews, err := completeReviews(ctx, tx, []*Quote{q})
		if err != nil {
			return err
		}
		r = reviews[0]
		return nil
	})
	return r, err
}

// ListReviews returns reviewed quotes in the order their current verdicts were given, so
// an aggregator can poll with the last cursor and see each new verdict once. Malformed.
func (d *DB) ListReviews(ctx context.Context, f ReviewFilter) (Page[*Review], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Review]{}, err
	}
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "reviews")
	if err != nil {
		return Page[*Review]{}, err
	}
	var out Page[*Review]
	err = d.readHeavy(ctx, func(tx Tx) error {
		quotes, err := tx.ListReviewed(ctx, f.Since, seqAfter(c), limit+1)
		if err != nil {
			return fmt.Errorf("db: list reviews: %w", err)
		}
		p := page(d, quotes, limit, func(q *Quote) Cursor { return Cursor{Sort: "reviews", Seq: *q.VerdictSeq} })
		reviews, err := completeReviews(ctx, tx, p.Data)
		if err != nil {
			return err
		}
		out = Page[*Review]{Data: reviews, NextCursor: p.NextCursor}
		return nil
	})
	return out, err
}

// completeReviews loads the verdicts, speakers and citations of reviewed quotes.
func completeReviews(ctx context.Context, tx Tx, quotes []*Quote) ([]*Review, error) {
	if err := attachDerived(ctx, tx, quotes); err != nil {
		return nil, err
	}
	speakers, err := tx.Speakers(ctx, speakerIDs(quotes))
	if err != nil {
		return nil, fmt.Errorf("db: read speakers: %w", err)
	}
	citations, err := tx.CitationsOf(ctx, quoteSeqs(quotes))
	if err != nil {
		return nil, fmt.Errorf("db: read citations: %w", err)
	}
	apps, err := tx.AppearancesOf(ctx, quoteSeqs(quotes))
	if err != nil {
		return nil, fmt.Errorf("db: read appearances: %w", err)
	}
	reviews := make([]*Review, 0, len(quotes))
	for _, q := range quotes {
		r := &Review{Quote: q, Speaker: speakers[q.Speaker.ID], Citations: citations[q.Seq]}
		for _, a := range apps[q.Seq] {
			if a.State == "confirmed" {
				r.Appearances = append(r.Appearances, a)
			}
		}
		if r.Citations == nil {
			r.Citations = []*Citation{}
		}
		withExcerptCheck(q.Text, r.Citations...)
		reviews = append(reviews, r)
	}
	return reviews, nil
}

func speakerIDs(quotes []*Quote) []string {
	seen := map[string]bool{}
	var ids []string
	for _, q := range quotes {
		if !seen[q.Speaker.ID] {
			seen[q.Speaker.ID] = true
			ids = append(ids, q.Speaker.ID)
		}
	}
	return ids
}

func quoteSeqs(quotes []*Quote) []int64 {
	seqs := make([]int64, len(quotes))
	for i, q := range quotes {
		seqs[i] = q.Seq
	}
	return seqs
}
