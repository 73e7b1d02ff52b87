package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/fold"
)

const outletColumns = `id, name, url, country, version, created_at, updated_at`

func scanOutlet(row pgx.Row) (*db.Outlet, error) {
	var o db.Outlet
	if err := row.Scan(&o.ID, &o.Name, &o.URL, &o.Country, &o.Version, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = utc(o.CreatedAt), utc(o.UpdatedAt)
	return &o, nil
}

func (t *tx) Outlet(ctx context.Context, id string, lock bool) (*db.Outlet, error) {
	query := `SELECT ` + outletColumns + ` FROM outlets WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	o, err := scanOutlet(t.q.QueryRow(ctx, query, id))
	return o, one("read outlet", err)
}

func (t *tx) Outlets(ctx context.Context, ids []string) (map[string]*db.Outlet, error) {
	out := map[string]*db.Outlet{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read outlets", scanOutlet, `SELECT `+outletColumns+` FROM outlets WHERE id = ANY($1)`, uniq(ids))
	for _, o := range rows {
		out[o.ID] = o
	}
	return out, err
}

func (t *tx) OutletsByNames(ctx context.Context, keys []string) (map[string]string, error) {
	type pair struct{ key, id string }
	rows, err := collect(ctx, t.q, "find outlets by name", func(r pgx.Row) (pair, error) {
		var p pair
		return p, r.Scan(&p.key, &p.id)
	}, `SELECT name_key, id FROM outlets WHERE name_key = ANY($1)`, keys)
	out := make(map[string]string, len(rows))
	for _, p := range rows {
		out[p.key] = p.id
	}
	return out, err
}

// InsertOutlets writes outlets with one statement, however many.
func (t *tx) InsertOutlets(ctx context.Context, os ...*db.Outlet) error {
	if len(os) == 0 {
		return nil
	}
	n := len(os)
	ids, names, keys, urls, countries := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]*string, n)
	versions, created, updated := make([]int64, n), make([]time.Time, n), make([]time.Time, n)
	for i, o := range os {
		ids[i], names[i], keys[i], urls[i], countries[i] = o.ID, o.Name, fold.String(o.Name), o.URL, o.Country
		versions[i], created[i], updated[i] = o.Version, o.CreatedAt, o.UpdatedAt
	}
	_, err := t.exec(ctx, "insert outlets", `INSERT INTO outlets (id, name, name_key, url, country, version, created_at, updated_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::timestamptz[])`,
		ids, names, keys, urls, countries, versions, created, updated)
	return err
}

func (t *tx) UpdateOutlet(ctx context.Context, cur, next *db.Outlet) error {
	tag, err := t.exec(ctx, "update outlet", `UPDATE outlets SET name = $1, name_key = $2, url = $3, country = $4, version = $5, updated_at = $6
		WHERE id = $7 AND version = $8`, next.Name, fold.String(next.Name), next.URL, next.Country, next.Version, next.UpdatedAt, cur.ID, cur.Version)
	if err != nil {
		return err
	}
	return conditional(tag)
}

func (t *tx) DeleteOutlet(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete outlet", `DELETE FROM outlets WHERE id = $1`, id)
	return err
}

func (t *tx) ListOutlets(ctx context.Context, q string, after *db.Cursor, limit int) ([]*db.Outlet, error) {
	where, args := []string{"true"}, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q != "" {
		where = append(where, `strpos(name_key, `+arg(q)+`) > 0`)
	}
	if after != nil {
		where = append(where, `(name_key, id) > (`+arg(after.Key)+`, `+arg(after.ID)+`)`)
	}
	return collect(ctx, t.q, "list outlets", scanOutlet, `SELECT `+outletColumns+` FROM outlets WHERE `+
		strings.Join(where, " AND ")+` ORDER BY name_key, id LIMIT `+arg(limit), args...)
}
