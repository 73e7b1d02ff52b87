package db

import (
	"context"
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

func outletWriteError(err error) error {
	if errors.Is(err, ErrDuplicate) {
		return errorf(Conflict, "name", "an outlet is known by this name, or one of these aliases, already")
	}
	return writeError("outlet", err)
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
	err := d.write(ctx, func(tx Tx) error {
		var err error
		id, err = d.insertOutlet(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Outlet(ctx, id)
}

func (d *DB) insertOutlet(ctx context.Context, tx Tx, in OutletInput) (string, error) {
	now := d.now()
	o := &Outlet{ID: newID("out_", now), Name: in.Name, Aliases: dedupeNames(in.Name, in.Aliases), URL: in.URL, Country: in.Country, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.InsertOutlets(ctx, o); err != nil {
		return "", outletWriteError(err)
	}
	return o.ID, d.record(ctx, tx, newChange("create", "outlet", o.ID, "", nil, o))
}

// Outlet returns the outlet with the given ID, or NotFound.
func (d *DB) Outlet(ctx context.Context, id string) (*Outlet, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	return findOutlet(ctx, d.eng.Reads(), id, false)
}

func findOutlet(ctx context.Context, tx Tx, id string, lock bool) (*Outlet, error) {
	o, err := tx.Outlet(ctx, id, lock)
	if errors.Is(err, ErrNoRow) {
		return nil, redirected(ctx, tx, "outlet", id, "no outlet with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read outlet: %w", err)
	}
	return o, nil
}

// findOutletByName returns the ID of the outlet with the folded name key, "" when none.
func findOutletByName(ctx context.Context, tx Tx, key string) (string, error) {
	found, err := tx.OutletsByNames(ctx, []string{key})
	if err != nil {
		return "", fmt.Errorf("db: find outlet by name: %w", err)
	}
	return found[key], nil
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
	err := d.write(ctx, func(tx Tx) error {
		cur, err := findOutlet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		next := *cur
		if err := applyPatch(&next, &patch); err != nil {
			return err
		}
		next.Aliases = dedupeNames(next.Name, next.Aliases)
		c := newChange("update", "outlet", id, "", cur, &next)
		if c.none() {
			return nil
		}
		next.Version, next.UpdatedAt = cur.Version+1, d.now()
		if err := tx.UpdateOutlet(ctx, cur, &next); err != nil {
			return outletWriteError(err)
		}
		return d.record(ctx, tx, c)
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
	return d.write(ctx, func(tx Tx) error {
		cur, err := findOutlet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		return d.deleteUnquoted(ctx, tx, "outlet", id, cur.Version, ifMatch, cur, tx.DeleteOutlet)
	})
}

// ListOutlets returns outlets ordered by name.
func (d *DB) ListOutlets(ctx context.Context, f OutletFilter) (Page[*Outlet], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Outlet]{}, err
	}
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "outlets")
	if err != nil {
		return Page[*Outlet]{}, err
	}
	var q string
	if f.Q != nil {
		q = fold.String(*f.Q)
	}
	rows, err := d.eng.Reads().ListOutlets(ctx, q, c, limit+1)
	if err != nil {
		return Page[*Outlet]{}, fmt.Errorf("db: list outlets: %w", err)
	}
	return page(d, rows, limit, func(o *Outlet) Cursor {
		return Cursor{Sort: "outlets", Key: fold.String(o.Name), ID: o.ID}
	}), nil
}
