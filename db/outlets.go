package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/verbatimhq/verbatim/fold"
)

// OutletFilter selects outlets; nil fields do not filter.
type OutletFilter struct {
	Q      *string // matches the name, folded, anywhere in it
	Limit  int
	Cursor *string
}

const outletColumns = `id, name, url, version, created_at, updated_at`

func scanOutlet(row scanner, extra ...any) (*Outlet, error) {
	var o Outlet
	var created, updated string
	if err := row.Scan(append([]any{&o.ID, &o.Name, &o.URL, &o.Version, &created, &updated}, extra...)...); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = parseTime(created), parseTime(updated)
	return &o, nil
}

func outletWriteError(err error) error {
	if isUnique(err) {
		return errorf(Conflict, "name", "an outlet with this name already exists")
	}
	return fmt.Errorf("db: write outlet: %w", classify(err))
}

// CreateOutlet stores a new outlet. Outlet names are unique, folded: a second "fox news"
// is Conflict.
func (d *DB) CreateOutlet(ctx context.Context, in OutletInput) (*Outlet, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	var id string
	err := d.write(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = d.insertOutlet(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Outlet(ctx, id)
}

func (d *DB) insertOutlet(ctx context.Context, tx *sql.Tx, in OutletInput) (string, error) {
	now := d.now()
	id := newID("out_", now)
	ts := now.Format(timeFormat)
	_, err := tx.ExecContext(ctx, `INSERT INTO outlets (id, name, name_key, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, in.Name, fold.String(in.Name), in.URL, ts, ts)
	if err != nil {
		return "", outletWriteError(err)
	}
	return id, d.audit(ctx, tx, "create", "outlet", id, "", nil, &Outlet{ID: id, Name: in.Name, URL: in.URL})
}

// Outlet returns the outlet with the given ID, or NotFound.
func (d *DB) Outlet(ctx context.Context, id string) (*Outlet, error) {
	var o *Outlet
	err := d.read(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = findOutlet(ctx, tx, id)
		return err
	})
	return o, err
}

func findOutlet(ctx context.Context, tx *sql.Tx, id string) (*Outlet, error) {
	o, err := scanOutlet(tx.QueryRowContext(ctx, `SELECT `+outletColumns+` FROM outlets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errorf(NotFound, "", "no outlet with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read outlet: %w", err)
	}
	return o, nil
}

// findOutletByName returns the ID of the outlet with this name (folded), "" when none.
func findOutletByName(ctx context.Context, tx *sql.Tx, name string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM outlets WHERE name_key = ?`, fold.String(name)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("db: find outlet by name: %w", err)
	}
	return id, nil
}

// UpdateOutlet applies patch to the outlet; ifMatch as for UpdateSpeaker. NotFound,
// PreconditionFailed, Conflict.
func (d *DB) UpdateOutlet(ctx context.Context, id string, ifMatch []int64, patch OutletPatch) (*Outlet, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&patch); err != nil {
		return nil, err
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		cur, err := findOutlet(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		next := *cur
		if patch.Name.Set {
			next.Name = patch.Name.Value
		}
		if patch.URL.Set {
			next.URL = nullable(patch.URL)
		}
		if next.Name == cur.Name && equalPtr(next.URL, cur.URL) {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE outlets SET name = ?, name_key = ?, url = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			next.Name, fold.String(next.Name), next.URL, d.timestamp(), id)
		if err != nil {
			return outletWriteError(err)
		}
		return d.audit(ctx, tx, "update", "outlet", id, "", cur, &next)
	})
	if err != nil {
		return nil, err
	}
	return d.Outlet(ctx, id)
}

// DeleteOutlet removes an outlet no quote names. NotFound, PreconditionFailed, Conflict.
func (d *DB) DeleteOutlet(ctx context.Context, id string, ifMatch []int64) error {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		cur, err := findOutlet(ctx, tx, id)
		if err != nil {
			return err
		}
		return d.deleteUnquoted(ctx, tx, "outlet", id, cur.Version, ifMatch, cur)
	})
}

// ListOutlets returns outlets ordered by name.
func (d *DB) ListOutlets(ctx context.Context, f OutletFilter) (Page[*Outlet], error) {
	where, args := []string{"1=1"}, []any{}
	if f.Q != nil {
		if q := fold.String(*f.Q); q != "" {
			where = append(where, `instr(name_key, ?) > 0`)
			args = append(args, q)
		}
	}
	return listByName(ctx, d, "outlets", f.Limit, f.Cursor, where, args, `SELECT `+outletColumns+`, name_key FROM outlets`,
		func(rows *sql.Rows) (*Outlet, string, string, error) {
			var key string
			o, err := scanOutlet(rows, &key)
			if err != nil {
				return nil, "", "", err
			}
			return o, key, o.ID, nil
		},
		func(*sql.Tx, []*Outlet) error { return nil })
}
