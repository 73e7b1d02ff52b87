package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// querier is a *sql.Tx or *sql.DB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// tx is a db.Tx over a transaction (sqlTx set when it may write) or the reader pool.
// Every statement of a transaction runs on its connection: a transaction that waited for
// a second connection of a pool its peers hold would wait for ever.
type tx struct {
	q     querier
	sqlTx *sql.Tx
	bands *bandFilter // the writer's; nil on reads
	watch *quoteWatch // the writer's; nil on reads
}

var _ db.Tx = (*tx)(nil)

func (t *tx) exec(ctx context.Context, what, query string, args ...any) (sql.Result, error) {
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, classify(err))
	}
	return res, nil
}

// one is a query's single row's error as the core expects it: ErrNoRow when absent.
func one(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return db.ErrNoRow
	}
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// affected turns a conditional write that matched no row into ErrStale.
func affected(what string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n == 0 {
		return db.ErrStale
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// collect reads every row of a query with scan.
func collect[T any](ctx context.Context, q querier, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}

func equalStrings(a, b []string) bool {
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

// Savepoints bracket one record of an import.
func (t *tx) Savepoint(ctx context.Context) error {
	_, err := t.exec(ctx, "savepoint", `SAVEPOINT record`)
	return err
}

func (t *tx) RollbackToSavepoint(ctx context.Context) error {
	_, err := t.exec(ctx, "rollback to savepoint", `ROLLBACK TO record`)
	return err
}

func (t *tx) ReleaseSavepoint(ctx context.Context) error {
	_, err := t.exec(ctx, "release savepoint", `RELEASE record`)
	return err
}

// values is "(?, ?), (?, ?)" for n rows of width columns.
func values(n, width int) string {
	one := "(" + placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func optTime(s *string) *time.Time {
	if s == nil {
		return nil
	}
	t := parseTime(*s)
	return &t
}

func optTS(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v) // string slices and structs of them
	return string(b)
}
