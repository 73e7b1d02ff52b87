package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

// copyThreshold is how many rows make COPY worth its round trips over one INSERT.
const copyThreshold = 64

func (t *tx) InsertAudit(ctx context.Context, entries ...db.AuditRow) error {
	if len(entries) == 0 {
		return nil
	}
	if len(entries) >= copyThreshold {
		_, err := t.q.CopyFrom(ctx, pgx.Identifier{"audit_log"},
			[]string{"at", "actor", "action", "resource", "resource_id", "quote_id", "changes"},
			pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) {
				e := entries[i]
				return []any{e.At, e.Actor, e.Action, e.Resource, e.ResourceID, e.QuoteID, []byte(e.Changes)}, nil
			}))
		if err != nil {
			return fmt.Errorf("postgres: audit: %w", classify(err))
		}
		return nil
	}
	args := make([]any, 0, 7*len(entries))
	rows := make([]string, 0, len(entries))
	for i, e := range entries {
		n := 7 * i
		rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d::json)", n+1, n+2, n+3, n+4, n+5, n+6, n+7))
		args = append(args, e.At, e.Actor, e.Action, e.Resource, e.ResourceID, e.QuoteID, e.Changes)
	}
	_, err := t.exec(ctx, "audit", `INSERT INTO audit_log (at, actor, action, resource, resource_id, quote_id, changes) VALUES `+
		strings.Join(rows, ", "), args...)
	return err
}

func (t *tx) ListAudit(ctx context.Context, f db.AuditFilter, before int64, limit int) ([]*db.AuditEntry, error) {
	where, args := []string{"true"}, []any{}
	add := func(clause string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(clause, len(args)))
	}
	if f.Resource != nil {
		add(`resource = $%d`, *f.Resource)
	}
	if f.ResourceID != nil {
		add(`resource_id = $%d`, *f.ResourceID)
	}
	if f.QuoteID != nil {
		add(`quote_id = $%d`, *f.QuoteID)
	}
	if f.Actor != nil {
		add(`actor = $%d`, *f.Actor)
	}
	if f.Since != nil {
		add(`at >= $%d`, *f.Since)
	}
	if f.Until != nil {
		add(`at <= $%d`, *f.Until)
	}
	if before > 0 {
		add(`seq < $%d`, before)
	}
	args = append(args, limit)
	return collect(ctx, t.q, "list audit", func(row pgx.Row) (*db.AuditEntry, error) {
		var e db.AuditEntry
		if err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Resource, &e.ResourceID, &e.QuoteID, &e.Changes); err != nil {
			return nil, err
		}
		e.At = utc(e.At)
		return &e, nil
	}, fmt.Sprintf(`SELECT seq, at, actor, action, resource, resource_id, quote_id, changes FROM audit_log WHERE %s
		ORDER BY seq DESC LIMIT $%d`, strings.Join(where, " AND "), len(args)), args...)
}

func (t *tx) InsertAuditEntry(ctx context.Context, e db.AuditRow) (int64, error) {
	var seq int64
	err := t.q.QueryRow(ctx, `INSERT INTO audit_log (at, actor, action, resource, resource_id, quote_id, changes)
		VALUES ($1, $2, $3, $4, $5, $6, $7::json) RETURNING seq`, e.At, e.Actor, e.Action, e.Resource, e.ResourceID,
		e.QuoteID, e.Changes).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("postgres: audit: %w", classify(err))
	}
	return seq, nil
}

func (t *tx) LoadedCreations(ctx context.Context, resourceID, quoteID string) ([]*db.AuditEntry, error) {
	// The quote by its ID, and its appearances — or the one appearance of that ID.
	appearanceWhere, id := `q.id = $1`, quoteID
	if resourceID != "" {
		appearanceWhere, id = `p.id = $1`, resourceID
	}
	return collect(ctx, t.q, "list loaded creations", func(row pgx.Row) (*db.AuditEntry, error) {
		var seq int64
		var at time.Time
		var actor, load, resource, rid, qid string
		if err := row.Scan(&seq, &at, &actor, &load, &resource, &rid, &qid); err != nil {
			return nil, err
		}
		return db.LoadedCreation(seq, utc(at), actor, load, resource, rid, qid), nil
	}, `SELECT a.seq, a.at, a.actor, a.resource_id, 'quote', q.id, q.id
		FROM quotes q JOIN audit_log a ON a.seq = q.loaded_in WHERE q.id = $1
		UNION ALL
		SELECT a.seq, a.at, a.actor, a.resource_id, 'appearance', p.id, q.id
		FROM appearances p JOIN quotes q ON q.seq = p.quote_seq JOIN audit_log a ON a.seq = p.loaded_in
		WHERE `+appearanceWhere, id)
}
