package db

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// AuditEntry is one write in the audit trail.
type AuditEntry struct {
	ID         int64             `json:"id" example:"1042"`
	At         time.Time         `json:"at" format:"date-time"`
	Actor      string            `json:"actor" example:"desk-ukraine"`
	Action     string            `json:"action" enums:"create,update,delete,verdict,revoke,rotate,redeliver" example:"update"`
	Resource   string            `json:"resource" enums:"quote,speaker,outlet,citation,verdict,key,webhook" example:"quote"`
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

// unaudited are fields that change with every write or are derived, not stored choices.
var unaudited = map[string]bool{"version": true, "created_at": true, "updated_at": true, "current_verdict": true,
	"snippet": true, "possible_duplicates": true, "excerpt_matches": true, "extraction": true, "source": true}

// fields flattens a resource to its audited fields; references ({"id", "name"}) become IDs.
func fields(v any) map[string]any {
	out := map[string]any{}
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		return out
	}
	_ = json.Unmarshal(b, &out)
	for k, x := range out {
		if unaudited[k] {
			delete(out, k)
			continue
		}
		if ref, ok := x.(map[string]any); ok {
			if id, ok := ref["id"]; ok {
				out[k] = id
			}
		}
	}
	return out
}

// audit appends an entry for a write, in the writing transaction. before is nil for a
// creation, after for a deletion; an update that changes no audited field records nothing.
func (d *DB) audit(ctx context.Context, tx Tx, action, resource, id, quoteID string, before, after any) error {
	row, ok, err := d.auditRow(ctx, action, resource, id, quoteID, before, after)
	if err != nil || !ok {
		return err
	}
	if err := tx.InsertAudit(ctx, row); err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return d.emit(ctx, tx, []change{{row: row, before: before, after: after}})
}

// auditRow is the entry audit appends; false when an update changed nothing audited.
func (d *DB) auditRow(ctx context.Context, action, resource, id, quoteID string, before, after any) (AuditRow, bool, error) {
	b, a := fields(before), fields(after)
	changes := map[string]Change{}
	for k, av := range a {
		if bv, ok := b[k]; !ok || !reflect.DeepEqual(bv, av) {
			changes[k] = Change{Before: b[k], After: av}
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			changes[k] = Change{Before: bv}
		}
	}
	if action == "update" && len(changes) == 0 {
		return AuditRow{}, false, nil
	}
	js, err := json.Marshal(changes)
	if err != nil {
		return AuditRow{}, false, fmt.Errorf("db: audit: %w", err)
	}
	var qid *string
	if quoteID != "" {
		qid = &quoteID
	}
	return AuditRow{At: d.now(), Actor: actorOf(ctx).Name, Action: action, Resource: resource, ResourceID: id,
		QuoteID: qid, Changes: string(js)}, true, nil
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
