package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/db"
)

// querier is a pgx.Tx or the pool.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// pipelineSize is how many statements a pipelined write sends in one round trip.
const pipelineSize = 1000

// pipelined sends n statements — queue(b, i) queues the i-th — pipelineSize at a time,
// each batch in one round trip, and returns the first error.
func (t *tx) pipelined(ctx context.Context, what string, n int, queue func(b *pgx.Batch, i int)) error {
	for start := 0; start < n; start += pipelineSize {
		b := &pgx.Batch{}
		for i := start; i < min(start+pipelineSize, n); i++ {
			queue(b, i)
		}
		if err := t.q.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("postgres: %s: %w", what, classify(err))
		}
	}
	return nil
}

// tx is a db.Tx over a transaction or the pool.
type tx struct{ q querier }

var _ db.Tx = (*tx)(nil)

func (t *tx) exec(ctx context.Context, what, query string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.q.Exec(ctx, query, args...)
	if err != nil {
		return tag, fmt.Errorf("postgres: %s: %w", what, classify(err))
	}
	return tag, nil
}

// one is a single row's error as the core expects it: ErrNoRow when absent.
func one(what string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return db.ErrNoRow
	}
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, classify(err))
	}
	return nil
}

// conditional turns a conditional write that matched no row into ErrStale.
func conditional(tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return db.ErrStale
	}
	return nil
}

// collect reads every row of a query with scan.
func collect[T any](ctx context.Context, q querier, what string, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, classify(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, classify(err))
	}
	return out, nil
}

// date is a nullable YYYY-MM-DD as the core keeps it, to and from a date column.
func date(d pgtype.Date) *string {
	if !d.Valid {
		return nil
	}
	s := d.Time.Format("2006-01-02")
	return &s
}

// dateArg passes a YYYY-MM-DD the core has checked to a date column.
func dateArg(s *string) pgtype.Date {
	if s == nil {
		return pgtype.Date{}
	}
	t, err := time.Parse("2006-01-02", *s)
	if err != nil {
		return pgtype.Date{} // the core checks dates before storing them
	}
	return pgtype.Date{Time: t, Valid: true}
}

func utc(t time.Time) time.Time { return t.UTC() }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Savepoints bracket one record of an import.
func (t *tx) Savepoint(ctx context.Context) error {
	_, err := t.exec(ctx, "savepoint", `SAVEPOINT record`)
	return err
}

func (t *tx) RollbackToSavepoint(ctx context.Context) error {
	_, err := t.exec(ctx, "rollback to savepoint", `ROLLBACK TO SAVEPOINT record`)
	return err
}

func (t *tx) ReleaseSavepoint(ctx context.Context) error {
	_, err := t.exec(ctx, "release savepoint", `RELEASE SAVEPOINT record`)
	return err
}

// uniq returns keys without repeats, in order.
func uniq[T comparable](keys []T) []T {
	seen := make(map[T]bool, len(keys))
	out := make([]T, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func optUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
