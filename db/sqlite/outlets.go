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

// outlets reads outlets and fills in their aliases with one more query.
func (t *tx) outlets(ctx context.Context, query string, args ...any) ([]*db.Outlet, error) {
	out, err := collect(ctx, t.q, "read outlets", scanOutlet, `SELECT `+outletColumns+` FROM outlets WHERE `+query, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[string]*db.Outlet, len(out))
	for _, o := range out {
		o.Aliases = []string{}
		byID[o.ID] = o
	}
	type alias struct{ id, name string }
	aliases, err := collect(ctx, t.q, "read outlet aliases", func(r scanner) (alias, error) {
		var a alias
		return a, r.Scan(&a.id, &a.name)
	}, `SELECT outlet_id, name FROM outlet_names WHERE ord > 0 AND outlet_id IN (`+placeholders(len(byID))+`)
		ORDER BY outlet_id, ord`, anys(mapKeys(byID))...)
	if err != nil {
		return nil, err
	}
	for _, a := range aliases {
		byID[a.id].Aliases = append(byID[a.id].Aliases, a.name)
	}
	return out, nil
}

func (t *tx) Outlet(ctx context.Context, id string, _ bool) (*db.Outlet, error) {
	rows, err := t.outlets(ctx, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0], nil
}

func (t *tx) Outlets(ctx context.Context, ids []string) (map[string]*db.Outlet, error) {
	out := map[string]*db.Outlet{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.outlets(ctx, `id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
	for _, o := range rows {
		out[o.ID] = o
	}
	return out, err
}

func (t *tx) OutletsByNames(ctx context.Context, keys []string) (map[string]string, error) {
	return t.lookup(ctx, "find outlets by name", `SELECT name_key, outlet_id FROM outlet_names WHERE name_key`, keys)
}

// lookup runs query — a SELECT of key and value ending "WHERE column" — for keys, 500 at a
// time, and maps each key found to its value.
func (t *tx) lookup(ctx context.Context, what, query string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		type pair struct{ key, value string }
		rows, err := collect(ctx, t.q, what, func(r scanner) (pair, error) {
			var p pair
			return p, r.Scan(&p.key, &p.value)
		}, query+` IN (`+placeholders(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		for _, p := range rows {
			out[p.key] = p.value
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
		if err := t.writeOutletNames(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// writeOutletNames replaces the names an outlet is found by: the name, then the aliases.
func (t *tx) writeOutletNames(ctx context.Context, o *db.Outlet) error {
	if err := t.ReleaseOutletNames(ctx, o.ID); err != nil {
		return err
	}
	for i, n := range append([]string{o.Name}, o.Aliases...) {
		if _, err := t.exec(ctx, "write outlet name", `INSERT INTO outlet_names (outlet_id, ord, name, name_key)
			VALUES (?, ?, ?, ?)`, o.ID, i, n, fold.String(n)); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) ReleaseOutletNames(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "clear outlet names", `DELETE FROM outlet_names WHERE outlet_id = ?`, id)
	return err
}

func (t *tx) UpdateOutlet(ctx context.Context, cur, next *db.Outlet) error {
	res, err := t.exec(ctx, "update outlet", `UPDATE outlets SET name = ?, name_key = ?, url = ?, country = ?, version = ?, updated_at = ?
		WHERE id = ? AND version = ?`, next.Name, fold.String(next.Name), next.URL, next.Country, next.Version, ts(next.UpdatedAt), cur.ID, cur.Version)
	if err != nil {
		return err
	}
	if err := affected("update outlet", res); err != nil {
		return err
	}
	if next.Name == cur.Name && equalStrings(next.Aliases, cur.Aliases) {
		return nil
	}
	return t.writeOutletNames(ctx, next)
}

func (t *tx) DeleteOutlet(ctx context.Context, id string) error {
	if _, err := t.exec(ctx, "delete outlet", `DELETE FROM outlets WHERE id = ?`, id); err != nil {
		return err
	}
	_, err := t.exec(ctx, "drop redirects to outlet", `DELETE FROM redirects WHERE to_id = ?`, id)
	return err
}

func (t *tx) ListOutlets(ctx context.Context, q string, after *db.Cursor, limit int) ([]*db.Outlet, error) {
	where, args := []string{"1=1"}, []any{}
	if q != "" {
		where = append(where, `id IN (SELECT outlet_id FROM outlet_names WHERE instr(name_key, ?) > 0)`)
		args = append(args, q)
	}
	if after != nil {
		where = append(where, `(name_key, id) > (?, ?)`)
		args = append(args, after.Key, after.ID)
	}
	return t.outlets(ctx, strings.Join(where, " AND ")+` ORDER BY name_key, id LIMIT ?`, append(args, limit)...)
}
