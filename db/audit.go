package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one write in the audit trail.
type AuditEntry struct {
	ID         int64             `json:"id" example:"1042"`
	At         time.Time         `json:"at" format:"date-time"`
	Actor      string            `json:"actor" example:"desk-ukraine"`
	Action     string            `json:"action" enums:"create,update,delete,verdict,revoke,rotate,redeliver,recover,merge,unmerge,dismiss" example:"update"`
	Resource   string            `json:"resource" enums:"quote,speaker,outlet,citation,appearance,verdict,key,webhook" example:"quote"`
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
			// A load's creations point at the load, which records who loaded what file:
			// a copy of every record would weigh a third of a corpus' archive.
			js = loadPointer(load)
			if c.resource == "quote" && batch != nil {
				batch.note(c.id)
			}
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

func (d *DB) auditEntries(ctx context.Context, tx Tx, f AuditFilter) (Page[*AuditEntry], error) {
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "audit")
	if err != nil {
		return Page[*AuditEntry]{}, err
	}
	rows, err := tx.ListAudit(ctx, f, seqAfter(c), limit+1)
	if err != nil {
		return Page[*AuditEntry]{}, fmt.Errorf("db: list audit: %w", err)
	}
	return page(d, rows, limit, func(e *AuditEntry) Cursor { return Cursor{Sort: "audit", Seq: e.ID} }), nil
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
