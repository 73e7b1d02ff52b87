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

// outlets reads outlets and fills in their aliases with one more query.
func (t *tx) outlets(ctx context.Context, query string, args ...any) ([]*db.Outlet, error) {
	out, err := collect(ctx, t.q, "read outlets", scanOutlet, `SELECT `+outletColumns+` FROM outlets WHERE `+query, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[string]*db.Outlet, len(out))
	ids := make([]string, 0, len(out))
	for _, o := range out {
		o.Aliases = []string{}
		byID[o.ID] = o
		ids = append(ids, o.ID)
	}
	type alias struct{ id, name string }
	aliases, err := collect(ctx, t.q, "read outlet aliases", func(r pgx.Row) (alias, error) {
		var a alias
		return a, r.Scan(&a.id, &a.name)
	}, `SELECT outlet_id, name FROM outlet_names WHERE ord > 0 AND outlet_id = ANY($1) ORDER BY outlet_id, ord`, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range aliases {
		byID[a.id].Aliases = append(byID[a.id].Aliases, a.name)
	}
	return out, nil
}

func (t *tx) Outlet(ctx context.Context, id string, lock bool) (*db.Outlet, error) {
	query := `id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	rows, err := t.outlets(ctx, query, id)
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
	rows, err := t.outlets(ctx, `id = ANY($1)`, uniq(ids))
	for _, o := range rows {
		out[o.ID] = o
	}
	return out, err
}

func (t *tx) OutletsByNames(ctx context.Context, keys []string) (map[string]string, error) {
	return t.lookup(ctx, "find outlets by name", `SELECT name_key, outlet_id FROM outlet_names WHERE name_key`, keys)
}

// lookup runs query — a SELECT of key and value ending "WHERE column" — for keys, and maps
// each key found to its value.
func (t *tx) lookup(ctx context.Context, what, query string, keys []string) (map[string]string, error) {
	type pair struct{ key, value string }
	rows, err := collect(ctx, t.q, what, func(r pgx.Row) (pair, error) {
		var p pair
		return p, r.Scan(&p.key, &p.value)
	}, query+` = ANY($1)`, keys)
	out := make(map[string]string, len(rows))
	for _, p := range rows {
		out[p.key] = p.value
	}
	return out, err
}

// InsertOutlets writes outlets with one statement, however many, and their names with
// another.
func (t *tx) InsertOutlets(ctx context.Context, os ...*db.Outlet) error {
	if len(os) == 0 {
		return nil
	}
	n := len(os)
	ids, names, keys, urls, countries := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]*string, n)
	versions, created, updated := make([]int64, n), make([]time.Time, n), make([]time.Time, n)
	var nameIDs, allNames, allKeys []string
	var ords []int32
	for i, o := range os {
		ids[i], names[i], keys[i], urls[i], countries[i] = o.ID, o.Name, fold.String(o.Name), o.URL, o.Country
		versions[i], created[i], updated[i] = o.Version, o.CreatedAt, o.UpdatedAt
		for j, name := range append([]string{o.Name}, o.Aliases...) {
			nameIDs, allNames, allKeys, ords = append(nameIDs, o.ID), append(allNames, name), append(allKeys, fold.String(name)), append(ords, int32(j))
		}
	}
	if _, err := t.exec(ctx, "insert outlets", `INSERT INTO outlets (id, name, name_key, url, country, version, created_at, updated_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::timestamptz[])`,
		ids, names, keys, urls, countries, versions, created, updated); err != nil {
		return err
	}
	_, err := t.exec(ctx, "insert outlet names", `INSERT INTO outlet_names (outlet_id, ord, name, name_key)
		SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[])`, nameIDs, ords, allNames, allKeys)
	return err
}

// writeOutletNames replaces the names an outlet is found by: the name, then the aliases.
func (t *tx) writeOutletNames(ctx context.Context, o *db.Outlet) error {
	if err := t.ReleaseOutletNames(ctx, o.ID); err != nil {
		return err
	}
	names := append([]string{o.Name}, o.Aliases...)
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = fold.String(n)
	}
	_, err := t.exec(ctx, "write outlet names", `INSERT INTO outlet_names (outlet_id, ord, name, name_key)
		SELECT $1, n.ord - 1, n.name, n.key FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS n(name, key, ord)`,
		o.ID, names, keys)
	return err
}

func (t *tx) ReleaseOutletNames(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "clear outlet names", `DELETE FROM outlet_names WHERE outlet_id = $1`, id)
	return err
}

func (t *tx) UpdateOutlet(ctx context.Context, cur, next *db.Outlet) error {
	tag, err := t.exec(ctx, "update outlet", `UPDATE outlets SET name = $1, name_key = $2, url = $3, country = $4, version = $5, updated_at = $6
		WHERE id = $7 AND version = $8`, next.Name, fold.String(next.Name), next.URL, next.Country, next.Version, next.UpdatedAt, cur.ID, cur.Version)
	if err != nil {
		return err
	}
	if err := conditional(tag); err != nil {
		return err
	}
	if next.Name == cur.Name && slicesEqual(next.Aliases, cur.Aliases) {
		return nil
	}
	return t.writeOutletNames(ctx, next)
}

func (t *tx) DeleteOutlet(ctx context.Context, id string) error {
	if _, err := t.exec(ctx, "delete outlet", `DELETE FROM outlets WHERE id = $1`, id); err != nil {
		return err
	}
	_, err := t.exec(ctx, "drop redirects to outlet", `DELETE FROM redirects WHERE to_id = $1`, id)
	return err
}

func (t *tx) ListOutlets(ctx context.Context, q string, after *db.Cursor, limit int) ([]*db.Outlet, error) {
	where, args := []string{"true"}, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q != "" {
		where = append(where, `id IN (SELECT outlet_id FROM outlet_names WHERE strpos(name_key, `+arg(q)+`) > 0)`)
	}
	if after != nil {
		where = append(where, `(name_key, id) > (`+arg(after.Key)+`, `+arg(after.ID)+`)`)
	}
	return t.outlets(ctx, strings.Join(where, " AND ")+` ORDER BY name_key, id LIMIT `+arg(limit), args...)
}
