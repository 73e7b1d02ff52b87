package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

const keyColumns = `id, name, role, hint, created_at, revoked_at`

func scanKey(row scanner, extra ...any) (*db.APIKey, error) {
	var k db.APIKey
	var created string
	var revoked *string
	if err := row.Scan(append([]any{&k.ID, &k.Name, &k.Role, &k.Hint, &created, &revoked}, extra...)...); err != nil {
		return nil, err
	}
	k.CreatedAt = parseTime(created)
	if revoked != nil {
		t := parseTime(*revoked)
		k.RevokedAt = &t
	}
	return &k, nil
}

func (t *tx) InsertKey(ctx context.Context, k *db.APIKey, hash []byte) error {
	_, err := t.exec(ctx, "insert key", `INSERT INTO api_keys (id, name, role, hash, hint, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.Role, hash, k.Hint, ts(k.CreatedAt))
	return err
}

func (t *tx) KeyByHash(ctx context.Context, hash []byte) (*db.APIKey, []byte, error) {
	var stored []byte
	k, err := scanKey(t.q.QueryRowContext(ctx, `SELECT `+keyColumns+`, hash FROM api_keys WHERE hash = ?`, hash), &stored)
	return k, stored, one("authenticate", err)
}

func (t *tx) Key(ctx context.Context, id string, _ bool) (*db.APIKey, error) {
	k, err := scanKey(t.q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id))
	return k, one("find key", err)
}

func (t *tx) Keys(ctx context.Context) ([]*db.APIKey, error) {
	keys, err := collect(ctx, t.q, "list keys", func(r scanner) (*db.APIKey, error) { return scanKey(r) },
		`SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`)
	if keys == nil {
		keys = []*db.APIKey{}
	}
	return keys, err
}

func (t *tx) RevokeKey(ctx context.Context, id string, at time.Time) error {
	res, err := t.exec(ctx, "revoke key", `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(at), id)
	if err != nil {
		return err
	}
	return affected("revoke key", res)
}

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

func (t *tx) ExpireIdempotency(ctx context.Context, before time.Time) error {
	_, err := t.exec(ctx, "expire idempotency keys", `DELETE FROM idempotency_keys WHERE created_at < ?`, ts(before))
	return err
}

func (t *tx) ClaimIdempotency(ctx context.Context, owner, key string, at time.Time) (bool, error) {
	res, err := t.exec(ctx, "claim idempotency key", `INSERT INTO idempotency_keys (key_id, key, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key_id, key) DO NOTHING`, owner, key, ts(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) IdempotentRun(ctx context.Context, owner, key string) (*db.IdempotentRun, error) {
	var run db.IdempotentRun
	var hash sql.NullString
	var status sql.NullInt64
	err := t.q.QueryRowContext(ctx, `SELECT request_hash, status, response FROM idempotency_keys WHERE key_id = ? AND key = ?`,
		owner, key).Scan(&hash, &status, &run.Response)
	run.RequestHash, run.Status = hash.String, int(status.Int64)
	return &run, one("find idempotency key", err)
}

func (t *tx) CompleteIdempotency(ctx context.Context, owner, key string, run db.IdempotentRun) error {
	_, err := t.exec(ctx, "complete idempotency key", `UPDATE idempotency_keys SET request_hash = ?, status = ?, response = ?
		WHERE key_id = ? AND key = ?`, run.RequestHash, run.Status, run.Response, owner, key)
	return err
}

func (t *tx) ReleaseIdempotency(ctx context.Context, owner, key string) error {
	_, err := t.exec(ctx, "release idempotency key", `DELETE FROM idempotency_keys WHERE key_id = ? AND key = ? AND status IS NULL`,
		owner, key)
	return err
}
