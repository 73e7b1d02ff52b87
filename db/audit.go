package db

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// AuditEntry is one write in the audit trail.
type AuditEntry struct {
	ID         int64             `json:"id" example:"1042"`
	At         time.Time         `json:"at" format:"date-time"`
	Actor      string            `json:"actor" example:"desk-ukraine"`
	Action     string            `json:"action" enums:"create,update,delete,verdict,revoke,rotate,redeliver,recover,merge,unmerge,dismiss,load" example:"update"`
	Resource   string            `json:"resource" enums:"quote,speaker,outlet,citation,appearance,verdict,key,webhook,load" example:"quote"`
	ResourceID string            `json:"resource_id" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	QuoteID    *string           `json:"quote_id" extensions:"x-nullable" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	Changes    map[string]Change `json:"changes"`
} //@name AuditEntry

// Change is a field's value before and after a write; a side is left out where the field
// had no value (before a creation, after a deletion, or a null).
type Change struct {
	Before any `json:"before,omitempty"`
	After  any `json:"after,omitempty"`
} //@name AuditChange

// AuditFilter selects audit entries; nil fields do not filter.
type AuditFilter struct {
	Resource   *string
	ResourceID *string
	QuoteID    *string
	Actor      *string
	Since      *time.Time
	Until      *time.Time
	Limit      int
	Cursor     *string
}

// audit appends the entries of writes to the audit trail, in the writing transaction:
// who did what to which resource, and each field it changed, before and after.
func (d *DB) audit(ctx context.Context, tx Tx, cs ...change) error {
	rows := make([]AuditRow, 0, len(cs))
	at, actor := d.now(), actorOf(ctx).Name
	load := loadOf(ctx)
	batch, _ := ctx.Value(loadBatchKey{}).(*loadBatch)
	for _, c := range cs {
		if c.none() {
			continue
		}
		js := c.audited
		if load != "" && c.action == "create" {
			if c.resource == "quote" && batch != nil {
				batch.note(c.id)
			}
			if batch != nil && loadedBy(c.after) == batch.entry {
				continue // the record names its batch's entry: its creation is read from there
			}
			// The rest a load creates points at the load, which records who loaded what
			// file: a copy of every record would weigh a third of a corpus' archive.
			js = loadPointer(load)
		} else if js == "" {
			b, err := json.Marshal(c.changes())
			if err != nil {
				return fmt.Errorf("db: audit: %w", err)
			}
			js = string(b)
		}
		rows = append(rows, AuditRow{At: at, Actor: actor, Action: c.action, Resource: c.resource, ResourceID: c.id,
			QuoteID: c.quoteID, Changes: js})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.InsertAudit(ctx, rows...); err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}

// Audit lists audit entries, newest first. Malformed (cursor).
func (d *DB) Audit(ctx context.Context, f AuditFilter) (Page[*AuditEntry], error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return Page[*AuditEntry]{}, err
	}
	return d.auditEntries(ctx, d.eng.Reads(), f)
}

// auditEntries lists the trail newest first. A quote or appearance a load created has no
// entry of its own but names its batch's (loaded_in); a list of one resource's or one
// quote's entries begins with that creation all the same, as the batch's key and time:
// several such creations share a key, and sort (and page) by their resource's ID under it.
func (d *DB) auditEntries(ctx context.Context, tx Tx, f AuditFilter) (Page[*AuditEntry], error) {
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "audit")
	if err != nil {
		return Page[*AuditEntry]{}, err
	}
	before := seqAfter(c)
	if c != nil && c.ID != "" {
		before++ // the cursor is a creation under its batch's key: the rest under that key follow
	}
	rows, err := tx.ListAudit(ctx, f, before, limit+1)
	if err != nil {
		return Page[*AuditEntry]{}, fmt.Errorf("db: list audit: %w", err)
	}
	loaded := map[*AuditEntry]bool{}
	if f.ResourceID != nil || f.QuoteID != nil {
		var made []*AuditEntry
		if f.ResourceID != nil {
			made, err = tx.LoadedCreations(ctx, *f.ResourceID, "")
		} else {
			made, err = tx.LoadedCreations(ctx, "", *f.QuoteID)
		}
		if err != nil {
			return Page[*AuditEntry]{}, fmt.Errorf("db: list audit: %w", err)
		}
		for _, e := range made {
			if f.admits(e) {
				loaded[e] = true
				rows = append(rows, e)
			}
		}
	}
	key := func(e *AuditEntry) Cursor {
		k := Cursor{Sort: "audit", Seq: e.ID}
		if loaded[e] {
			k.ID = e.ResourceID
		}
		return k
	}
	if len(loaded) > 0 {
		// Newest first: by key, then (a batch's creations) by resource ID; an entry of the
		// batch's own key is the load's, never one resource's, so no tie is left.
		slices.SortFunc(rows, func(a, b *AuditEntry) int {
			ka, kb := key(a), key(b)
			return cmp.Or(cmp.Compare(kb.Seq, ka.Seq), cmp.Compare(kb.ID, ka.ID))
		})
		rows = slices.DeleteFunc(rows, func(e *AuditEntry) bool {
			k := key(e)
			return c != nil && (k.Seq > c.Seq || k.Seq == c.Seq && k.ID >= c.ID)
		})
		rows = rows[:min(len(rows), limit+1)]
	}
	return page(d, rows, limit, key), nil
}

// admits reports whether a creation read from its record (LoadedCreations) is among
// those f selects; the engine found it by its resource's or quote's ID.
func (f AuditFilter) admits(e *AuditEntry) bool {
	return (f.Resource == nil || *f.Resource == e.Resource) &&
		(f.ResourceID == nil || *f.ResourceID == e.ResourceID) &&
		(f.QuoteID == nil || e.QuoteID != nil && *f.QuoteID == *e.QuoteID) &&
		(f.Actor == nil || *f.Actor == e.Actor) &&
		(f.Since == nil || !e.At.Before(*f.Since)) &&
		(f.Until == nil || !e.At.After(*f.Until))
}

// LoadedCreation is the creation of a quote or appearance that a load's batch made,
// as the trail tells it: the batch entry's key, time and actor, and the load.
func LoadedCreation(batch int64, at time.Time, actor, loadID, resource, id, quoteID string) *AuditEntry {
	return &AuditEntry{ID: batch, At: at, Actor: actor, Action: "create", Resource: resource, ResourceID: id,
		QuoteID: &quoteID, Changes: map[string]Change{"load": {After: loadID}}}
}

// loadedBy is the batch entry a created quote or appearance names, 0 for none.
func loadedBy(rec any) int64 {
	switch r := rec.(type) {
	case *Quote:
		return r.LoadedIn
	case *Appearance:
		return r.LoadedIn
	}
	return 0
}

// QuoteHistory lists the changes to one quote, its citations and its verdicts, newest
// first. NotFound.
func (d *DB) QuoteHistory(ctx context.Context, quoteID string, limit int, cursor *string) (Page[*AuditEntry], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*AuditEntry]{}, err
	}
	var p Page[*AuditEntry]
	err := d.read(ctx, func(tx Tx) error {
		if _, err := findQuote(ctx, tx, quoteID, false); err != nil {
			return err
		}
		var err error
		p, err = d.auditEntries(ctx, tx, AuditFilter{QuoteID: &quoteID, Limit: limit, Cursor: cursor})
		return err
	})
	return p, err
}
