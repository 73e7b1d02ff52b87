package sqlite

import (
	"context"
	"strings"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/fold"
)

const outletColumns = `id, name, url, country, version, created_at, updated_at`

func scanOutlet(row scanner) (*db.Outlet, error) {
	var o db.Outlet
	var created, updated string
	if err := row.Scan(&o.ID, &o.Name, &o.URL, &o.Country, &o.Version, &created, &updated); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = parseTime(created), parseTime(updated)
	return &o, nil
}

func (t *tx) Outlet(ctx context.Context, id string, _ bool) (*db.Outlet, error) {
	o, err := scanOutlet(t.q.QueryRowContext(ctx, `SELECT `+outletColumns+` FROM outlets WHERE id = ?`, id))
	return o, one("read outlet", err)
}

func (t *tx) Outlets(ctx context.Context, ids []string) (map[string]*db.Outlet, error) {
	out := map[string]*db.Outlet{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read outlets", scanOutlet, `SELECT `+outletColumns+` FROM outlets WHERE id IN (`+
		placeholders(len(ids))+`)`, anys(ids)...)
	for _, o := range rows {
		out[o.ID] = o
	}
	return out, err
}

func (t *tx) OutletsByNames(ctx context.Context, keys []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		type pair struct{ key, id string }
		rows, err := collect(ctx, t.q, "find outlets by name", func(r scanner) (pair, error) {
			var p pair
			return p, r.Scan(&p.key, &p.id)
		}, `SELECT name_key, id FROM outlets WHERE name_key IN (`+placeholders(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		for _, p := range rows {
			out[p.key] = p.id
		}
	}
	return out, nil
}

func (t *tx) InsertOutlets(ctx context.Context, os ...*db.Outlet) error {
	for _, o := range os {
		_, err := t.exec(ctx, "insert outlet", `INSERT INTO outlets (id, name, name_key, url, country, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.Name, fold.String(o.Name), o.URL, o.Country, o.Version, ts(o.CreatedAt), ts(o.UpdatedAt))
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdateOutlet(ctx context.Context, cur, next *db.Outlet) error {
	res, err := t.exec(ctx, "update outlet", `UPDATE outlets SET name = ?, name_key = ?, url = ?, country = ?, version = ?, updated_at = ?
		WHERE id = ? AND version = ?`, next.Name, fold.String(next.Name), next.URL, next.Country, next.Version, ts(next.UpdatedAt), cur.ID, cur.Version)
	if err != nil {
		return err
	}
	return affected("update outlet", res)
}

func (t *tx) DeleteOutlet(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete outlet", `DELETE FROM outlets WHERE id = ?`, id)
	return err
}

func (t *tx) ListOutlets(ctx context.Context, q string, after *db.Cursor, limit int) ([]*db.Outlet, error) {
	where, args := []string{"1=1"}, []any{}
	if q != "" {
		where = append(where, `instr(name_key, ?) > 0`)
		args = append(args, q)
	}
	if after != nil {
		where = append(where, `(name_key, id) > (?, ?)`)
		args = append(args, after.Key, after.ID)
	}
	return collect(ctx, t.q, "list outlets", scanOutlet, `SELECT `+outletColumns+` FROM outlets WHERE `+
		strings.Join(where, " AND ")+` ORDER BY name_key, id LIMIT ?`, append(args, limit)...)
}
