package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

const loadColumns = `id, actor, source, format, size, sha256, state, started_at, finished_at, created, updated, unchanged,
	rejected, batches, first_quote_id, last_quote_id`

func scanLoad(row pgx.Row) (*db.Load, error) {
	var l db.Load
	if err := row.Scan(&l.ID, &l.Actor, &l.Source, &l.Format, &l.Size, &l.SHA256, &l.State, &l.StartedAt, &l.FinishedAt,
		&l.Created, &l.Updated, &l.Unchanged, &l.Rejected, &l.Batches, &l.FirstQuoteID, &l.LastQuoteID); err != nil {
		return nil, err
	}
	l.StartedAt = utc(l.StartedAt)
	if l.FinishedAt != nil {
		f := utc(*l.FinishedAt)
		l.FinishedAt = &f
	}
	return &l, nil
}

func (t *tx) InsertLoad(ctx context.Context, l *db.Load) error {
	_, err := t.exec(ctx, "insert load", `INSERT INTO loads (id, actor, source, format, size, state, started_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, l.ID, l.Actor, l.Source, l.Format, l.Size, l.State, l.StartedAt)
	return err
}

func (t *tx) AddLoadBatch(ctx context.Context, b db.LoadBatch) error {
	if _, err := t.exec(ctx, "add load batch", `INSERT INTO load_batches (load_id, first_line, last_line) VALUES ($1, $2, $3)`,
		b.LoadID, b.FirstLine, b.LastLine); err != nil {
		return err
	}
	_, err := t.exec(ctx, "count load batch", `UPDATE loads SET created = created + $3, updated = updated + $4,
		unchanged = unchanged + $5, rejected = rejected + $6, batches = batches + 1,
		first_quote_id = CASE WHEN $1 = '' THEN first_quote_id ELSE least(first_quote_id, $1) END,
		last_quote_id = CASE WHEN $2 = '' THEN last_quote_id ELSE greatest(last_quote_id, $2) END
		WHERE id = $7`, b.FirstID, b.LastID, b.Result.Created, b.Result.Updated, b.Result.Unchanged, b.Result.Rejected, b.LoadID)
	return err
}

func (t *tx) FinishLoad(ctx context.Context, id, state string, sha256 *string, at time.Time) error {
	_, err := t.exec(ctx, "finish load", `UPDATE loads SET state = $1, sha256 = coalesce($2, sha256), finished_at = $3 WHERE id = $4`,
		state, sha256, at, id)
	return err
}

func (t *tx) Load(ctx context.Context, id string) (*db.Load, error) {
	l, err := scanLoad(t.q.QueryRow(ctx, `SELECT `+loadColumns+` FROM loads WHERE id = $1`, id))
	return l, one("read load", err)
}

func (t *tx) Loads(ctx context.Context, before string, limit int) ([]*db.Load, error) {
	ls, err := collect(ctx, t.q, "list loads", func(r pgx.Row) (*db.Load, error) { return scanLoad(r) },
		`SELECT `+loadColumns+` FROM loads WHERE $1 = '' OR id < $1 ORDER BY id DESC LIMIT $2`, before, limit)
	if ls == nil {
		ls = []*db.Load{}
	}
	return ls, err
}

func (t *tx) UnfinishedLoad(ctx context.Context, actor, source, format string, size int64) (*db.Load, error) {
	l, err := scanLoad(t.q.QueryRow(ctx, `SELECT `+loadColumns+` FROM loads
		WHERE actor = $1 AND source = $2 AND format = $3 AND state IN ('running', 'failed') AND coalesce(size, 0) = $4
		ORDER BY id DESC LIMIT 1`, actor, source, format, size))
	return l, one("find unfinished load", err)
}

func (t *tx) LoadBatches(ctx context.Context, id string) ([][2]int, error) {
	return collect(ctx, t.q, "load batches", func(r pgx.Row) ([2]int, error) {
		var b [2]int
		err := r.Scan(&b[0], &b[1])
		return b, err
	}, `SELECT first_line, last_line FROM load_batches WHERE load_id = $1 ORDER BY first_line`, id)
}
