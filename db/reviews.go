package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Review is a reviewed quote with everything its ClaimReview names: the quote with its
// current verdict, the speaker in full, and the quote's citations.
type Review struct {
	Quote     *Quote
	Speaker   *Speaker
	Citations []*Citation
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
	var r *Review
	err := d.read(ctx, func(tx *sql.Tx) error {
		q, _, err := findQuote(ctx, tx, quoteID)
		if err != nil {
			return err
		}
		if q.verdictSeq == nil {
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
	var out Page[*Review]
	err := d.read(ctx, func(tx *sql.Tx) error {
		query := `SELECT ` + quoteColumns + quoteFrom + ` JOIN verdicts cv ON cv.seq = q.verdict_seq WHERE 1=1`
		var args []any
		if f.Since != nil {
			query += ` AND cv.created_at >= ?`
			args = append(args, f.Since.UTC().Format(timeFormat))
		}
		page, err := pageBySeq(ctx, d, tx, "reviews", f.Limit, f.Cursor, false, query, args, "q.verdict_seq",
			func(row scanner) (*Quote, int64, error) {
				q, _, err := scanQuote(row)
				if err != nil {
					return nil, 0, err
				}
				return q, *q.verdictSeq, nil
			})
		if err != nil {
			return err
		}
		reviews, err := completeReviews(ctx, tx, page.Data)
		if err != nil {
			return err
		}
		out = Page[*Review]{Data: reviews, NextCursor: page.NextCursor}
		return nil
	})
	return out, err
}

// completeReviews loads the verdicts, speakers and citations of reviewed quotes.
func completeReviews(ctx context.Context, tx *sql.Tx, quotes []*Quote) ([]*Review, error) {
	if err := attachVerdicts(ctx, tx, quotes); err != nil {
		return nil, err
	}
	reviews := make([]*Review, 0, len(quotes))
	speakers := map[string]*Speaker{}
	for _, q := range quotes {
		sp, ok := speakers[q.Speaker.ID]
		if !ok {
			var err error
			if sp, err = findSpeaker(ctx, tx, q.Speaker.ID); err != nil {
				return nil, err
			}
			speakers[q.Speaker.ID] = sp
		}
		r := &Review{Quote: q, Speaker: sp, Citations: []*Citation{}}
		rows, err := tx.QueryContext(ctx, `SELECT `+citationColumns+citationFrom+` WHERE q.id = ? ORDER BY c.seq`, q.ID)
		if err != nil {
			return nil, fmt.Errorf("db: read citations: %w", err)
		}
		for rows.Next() {
			c, _, err := scanCitation(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: read citations: %w", err)
			}
			r.Citations = append(r.Citations, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("db: read citations: %w", err)
		}
		reviews = append(reviews, r)
	}
	return reviews, nil
}
