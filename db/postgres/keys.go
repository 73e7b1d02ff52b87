package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

const keyColumns = `id, name, role, hint, created_at, revoked_at`

func scanKey(row pgx.Row, extra ...any) (*db.APIKey, error) {
	var k db.APIKey
	if err := row.Scan(append([]any{&k.ID, &k.Name, &k.Role, &k.Hint, &k.CreatedAt, &k.RevokedAt}, extra...)...); err != nil {
		return nil, err
	}
	k.CreatedAt = utc(k.CreatedAt)
	if k.RevokedAt != nil {
		r := utc(*k.RevokedAt)
		k.RevokedAt = &r
	}
	return &k, nil
}

func (t *tx) InsertKey(ctx context.Context, k *db.APIKey, hash []byte) error {
	_, err := t.exec(ctx, "insert key", `INSERT INTO api_keys (id, name, role, hash, hint, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.Name, k.Role, hash, k.Hint, k.CreatedAt)
	return err
}

func (t *tx) KeyByHash(ctx context.Context, hash []byte) (*db.APIKey, []byte, error) {
	var stored []byte
	k, err := scanKey(t.q.QueryRow(ctx, `SELECT `+keyColumns+`, hash FROM api_keys WHERE hash = $1`, hash), &stored)
	return k, stored, one("authenticate", err)
}

func (t *tx) Key(ctx context.Context, id string, lock bool) (*db.APIKey, error) {
	query := `SELECT ` + keyColumns + ` FROM api_keys WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	k, err := scanKey(t.q.QueryRow(ctx, query, id))
	return k, one("find key", err)
}

func (t *tx) Keys(ctx context.Context) ([]*db.APIKey, error) {
	keys, err := collect(ctx, t.q, "list keys", func(r pgx.Row) (*db.APIKey, error) { return scanKey(r) },
		`SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`)
	if keys == nil {
		keys = []*db.APIKey{}
	}
	return keys, err
}

func (t *tx) RevokeKey(ctx context.Context, id string, at time.Time) error {
	tag, err := t.exec(ctx, "revoke key", `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, at, id)
	if err != nil {
		return err
	}
	return conditional(tag)
}

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

func (t *tx) ExpireIdempotency(ctx context.Context, before time.Time) error {
	_, err := t.exec(ctx, "expire idempotency keys", `DELETE FROM idempotency_keys WHERE created_at < $1`, before)
	return err
}

func (t *tx) ClaimIdempotency(ctx context.Context, owner, key string, at time.Time) (bool, error) {
	tag, err := t.exec(ctx, "claim idempotency key", `INSERT INTO idempotency_keys (key_id, key, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (key_id, key) DO NOTHING`, owner, key, at)
	return tag.RowsAffected() == 1, err
}

func (t *tx) IdempotentRun(ctx context.Context, owner, key string) (*db.IdempotentRun, error) {
	var run db.IdempotentRun
	var hash *string
	var status *int
	err := t.q.QueryRow(ctx, `SELECT request_hash, status, response FROM idempotency_keys WHERE key_id = $1 AND key = $2`,
		owner, key).Scan(&hash, &status, &run.Response)
	if hash != nil {
		run.RequestHash = *hash
	}
	if status != nil {
		run.Status = *status
	}
	return &run, one("find idempotency key", err)
}

func (t *tx) CompleteIdempotency(ctx context.Context, owner, key string, run db.IdempotentRun) error {
	_, err := t.exec(ctx, "complete idempotency key", `UPDATE idempotency_keys SET request_hash = $1, status = $2, response = $3
		WHERE key_id = $4 AND key = $5`, run.RequestHash, run.Status, run.Response, owner, key)
	return err
}

func (t *tx) ReleaseIdempotency(ctx context.Context, owner, key string) error {
	_, err := t.exec(ctx, "release idempotency key", `DELETE FROM idempotency_keys WHERE key_id = $1 AND key = $2 AND status IS NULL`,
		owner, key)
	return err
}
