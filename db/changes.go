package db

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// change is one write: what was done to which resource, the record before and after it,
// and what changed between them — computed once, by diff, when the write path makes it.
// Everything that depends on what changed reads it here: whether the version moves, the
// audit entry, the webhook event's changed fields, the verdict rule on reworded quotes.
type change struct {
	action, resource, id string
	quoteID              *string
	before, after        any
	fields               map[string]Change
	// audited is the fields as the audit stores them, when the write path made them
	// itself (a bulk load's creations); else they are encoded from fields.
	audited string
	// into is, for a merge or its undoing, the survivor: its event names it, and touches
	// it for watches.
	into string
	// appearance is, for a quote reappearing, the appearance that made it reappear.
	appearance string
}

// newChange is the change from before to after (nil before a creation, nil after a
// deletion); quoteID, when not empty, is the quote the resource belongs to.
func newChange(action, resource, id, quoteID string, before, after any) change {
	c := change{action: action, resource: resource, id: id, before: before, after: after}
	if !absent(before) || absent(after) {
		// A creation's are every field it has, made when asked (changed): a load's
		// creations are audited by a pointer to the load, and never ask.
		c.fields = diff(before, after)
	}
	if quoteID != "" {
		c.quoteID = &quoteID
	}
	return c
}

// none reports whether an update changed nothing: then nothing is written, the version
// stays, and nobody is told.
func (c change) none() bool { return c.action == "update" && len(c.fields) == 0 }

// changes are the fields the change changed, before and after.
func (c change) changes() map[string]Change {
	if c.fields == nil && absent(c.before) && !absent(c.after) {
		return diff(nil, c.after)
	}
	return c.fields
}

// absent reports whether a side of a change is none: nil, or a nil pointer.
func absent(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// changed reports whether any of the fields changed.
func (c change) changed(fields ...string) bool {
	changes := c.changes()
	for _, f := range fields {
		if _, ok := changes[f]; ok {
			return true
		}
	}
	return false
}

// names are the changed fields, sorted.
func (c change) names() []string {
	changes := c.changes()
	out := make([]string, 0, len(changes))
	for k := range changes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// unaudited are fields that change with every write or are derived, not stored choices.
var unaudited = map[string]bool{"version": true, "created_at": true, "updated_at": true, "current_verdict": true,
	"snippet": true, "possible_duplicates": true, "excerpt_matches": true, "extraction": true, "source": true,
	"speaker_position": true, "link": true, "appearance_counts": true, "first_appearance_id": true, "first_seen": true,
	"drift": true}

// fields flattens a resource to its audited fields, by their JSON names; references
// ({"id", "name"}) become IDs. A field added to a resource's type is among them with no
// other change: what changed is never a list someone must remember to extend.
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

// diff is what changed from before to after: every audited field whose value differs,
// with both values. It is the one statement of what a write changed.
func diff(before, after any) map[string]Change {
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
	return changes
}

// record writes what a change leaves behind: its entry in the audit trail and its events
// for the webhook endpoints that want them — two records of one change, side by side,
// neither made from the other.
func (d *DB) record(ctx context.Context, tx Tx, cs ...change) error {
	if err := d.audit(ctx, tx, cs...); err != nil {
		return err
	}
	return d.emit(ctx, tx, cs...)
}

// applyPatch sets on rec (a pointer to a resource) every member the patch (a pointer to
// its patch type) was sent with, field for field by JSON name: a Field[T] member onto the
// record's T (null refused: Malformed) or *T (null clears it). The members named in
// handled are the caller's (a speaker named by name, a date with its precision); any
// other member with no field of its name in the record is a bug, and said so, never
// silently dropped.
func applyPatch(rec, patch any, handled ...string) error {
	rv, pv := reflect.ValueOf(rec).Elem(), reflect.ValueOf(patch).Elem()
	recFields := jsonFields(rv.Type())
	for i, name := range jsonFieldNames(pv.Type()) {
		if name == "" || slices.Contains(handled, name) {
			continue
		}
		m := pv.Field(i)
		set, null := m.FieldByName("Set"), m.FieldByName("Null")
		if !set.IsValid() {
			return fmt.Errorf("db: patch member %s of %s is no Field; handle it", name, pv.Type())
		}
		j, ok := recFields[name]
		if !ok {
			return fmt.Errorf("db: patch member %s of %s has no field in %s; handle it", name, pv.Type(), rv.Type())
		}
		if !set.Bool() {
			continue
		}
		dst, val := rv.Field(j), m.FieldByName("Value")
		switch {
		case dst.Type() == val.Type():
			if null.Bool() {
				return errorf(Malformed, name, "cannot be null; leave it out to keep the stored value")
			}
			dst.Set(val)
		case dst.Kind() == reflect.Pointer && dst.Type().Elem() == val.Type():
			if null.Bool() {
				dst.Set(reflect.Zero(dst.Type()))
				continue
			}
			p := reflect.New(val.Type())
			p.Elem().Set(val)
			dst.Set(p)
		default:
			return fmt.Errorf("db: patch member %s is a %s, the record's field a %s", name, val.Type(), dst.Type())
		}
	}
	return nil
}

// jsonFieldNames are a struct type's fields' JSON names, "" for fields JSON leaves out
// or that have no JSON name of their own.
func jsonFieldNames(t reflect.Type) []string {
	out := make([]string, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "-" {
			out[i] = name
		}
	}
	return out
}

// jsonFields indexes a struct type's fields by JSON name.
func jsonFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i, name := range jsonFieldNames(t) {
		if name != "" {
			out[name] = i
		}
	}
	return out
}
