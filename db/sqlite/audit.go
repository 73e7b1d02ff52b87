package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) InsertAudit(ctx context.Context, entries ...db.AuditRow) error {
	const width = 7
	per := bulkRows * 8 / width
	for start := 0; start < len(entries); start += per {
		chunk := entries[start:min(start+per, len(entries))]
		args := make([]any, 0, width*len(chunk))
		for _, e := range chunk {
			args = append(args, ts(e.At), e.Actor, e.Action, e.Resource, e.ResourceID, e.QuoteID, e.Changes)
		}
		if _, err := t.exec(ctx, "audit", `INSERT INTO audit_log (at, actor, action, resource, resource_id, quote_id, changes)
			VALUES `+values(len(chunk), width), args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) ListAudit(ctx context.Context, f db.AuditFilter, before int64, limit int) ([]*db.AuditEntry, error) {
	where, args := []string{"1=1"}, []any{}
	add := func(clause string, v any) {
		where = append(where, clause)
		args = append(args, v)
	}
	if f.Resource != nil {
		add(`resource = ?`, *f.Resource)
	}
	if f.ResourceID != nil {
		add(`resource_id = ?`, *f.ResourceID)
	}
	if f.QuoteID != nil {
		add(`quote_id = ?`, *f.QuoteID)
	}
	if f.Actor != nil {
		add(`actor = ?`, *f.Actor)
	}
	if f.Since != nil {
		add(`at >= ?`, ts(*f.Since))
	}
	if f.Until != nil {
		add(`at <= ?`, ts(*f.Until))
	}
	if before > 0 {
		add(`seq < ?`, before)
	}
	return collect(ctx, t.q, "list audit", func(row scanner) (*db.AuditEntry, error) {
		var e db.AuditEntry
		var at, changes string
		if err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Resource, &e.ResourceID, &e.QuoteID, &changes); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		return &e, json.Unmarshal([]byte(changes), &e.Changes)
	}, `SELECT seq, at, actor, action, resource, resource_id, quote_id, changes FROM audit_log WHERE `+
		strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
}

func (t *tx) InsertAuditEntry(ctx context.Context, e db.AuditRow) (int64, error) {
	res, err := t.exec(ctx, "audit", `INSERT INTO audit_log (at, actor, action, resource, resource_id, quote_id, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, ts(e.At), e.Actor, e.Action, e.Resource, e.ResourceID, e.QuoteID, e.Changes)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (t *tx) LoadedCreations(ctx context.Context, resourceID, quoteID string) ([]*db.AuditEntry, error) {
	// The quote by its ID, and its appearances — or the one appearance of that ID.
	appearanceWhere, id := `q.id = ?`, quoteID
	if resourceID != "" {
		appearanceWhere, id = `p.id = ?`, resourceID
	}
	return collect(ctx, t.q, "list loaded creations", func(row scanner) (*db.AuditEntry, error) {
		var seq int64
		var at, actor, load, resource, rid, qid string
		if err := row.Scan(&seq, &at, &actor, &load, &resource, &rid, &qid); err != nil {
			return nil, err
		}
		return db.LoadedCreation(seq, parseTime(at), actor, load, resource, rid, qid), nil
	}, `SELECT a.seq, a.at, a.actor, a.resource_id, 'quote', q.id, q.id
		FROM quotes q JOIN audit_log a ON a.seq = q.loaded_in WHERE q.id = ?
		UNION ALL
		SELECT a.seq, a.at, a.actor, a.resource_id, 'appearance', p.id, q.id
		FROM appearances p JOIN quotes q ON q.seq = p.quote_seq JOIN audit_log a ON a.seq = p.loaded_in
		WHERE `+appearanceWhere, id, id)
}
