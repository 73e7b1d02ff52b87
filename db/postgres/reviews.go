package postgres

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) ListReviewed(ctx context.Context, since *time.Time, after int64, limit int) ([]*db.Quote, error) {
	where, args := `q.verdict_seq > $1`, []any{after, limit}
	if since != nil {
		where, args = where+` AND cv.created_at >= $3`, append(args, *since)
	}
	return collect(ctx, t.q, "list reviews", scanQuote, `SELECT `+quoteColumns+quoteFrom+
		` JOIN verdicts cv ON cv.seq = q.verdict_seq WHERE `+where+` ORDER BY q.verdict_seq LIMIT $2`, args...)
}
