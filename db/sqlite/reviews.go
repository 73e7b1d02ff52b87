package sqlite

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) ListReviewed(ctx context.Context, since *time.Time, after int64, limit int) ([]*db.Quote, error) {
	query := `SELECT ` + quoteColumns + quoteFrom + ` JOIN verdicts cv ON cv.seq = q.verdict_seq WHERE q.verdict_seq > ?`
	args := []any{after}
	if since != nil {
		query += ` AND cv.created_at >= ?`
		args = append(args, ts(*since))
	}
	return collect(ctx, t.q, "list reviews", scanQuote, query+` ORDER BY q.verdict_seq LIMIT ?`, append(args, limit)...)
}
