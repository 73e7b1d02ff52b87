package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

const deliveryColumns = `d.seq, d.id, d.webhook_id, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
	d.created_at, d.updated_at, e.seq, e.id, e.type, e.resource, e.resource_id, e.quote_id, e.version, e.changed,
	e.created_at, e.into_id`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq`

func scanDelivery(row scanner, extra ...any) (*db.Delivery, error) {
	var d db.Delivery
	var e db.Event
	var next, created, updated, changed, eventAt string
	if err := row.Scan(append([]any{&d.Seq, &d.ID, &d.WebhookID, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError,
		&created, &updated, &e.Seq, &e.ID, &e.Type, &e.Resource, &e.ResourceID, &e.QuoteID, &e.Version, &changed,
		&eventAt, &e.Into}, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(changed), &e.Changed); err != nil {
		return nil, err
	}
	if d.State == "pending" {
		d.NextAttemptAt = optTime(&next)
	}
	d.CreatedAt, d.UpdatedAt, e.CreatedAt = parseTime(created), parseTime(updated), parseTime(eventAt)
	d.Event, d.EventID, d.EventType = &e, e.ID, e.Type
	return &d, nil
}

// ClaimDeliveries needs no row locks: SQLite has one writer at a time, and the claim is a
// write.
func (t *tx) ClaimDeliveries(ctx context.Context, now, until time.Time, n, perEndpoint int) ([]*db.Delivery, error) {
	seqs, err := collect(ctx, t.q, "find due deliveries", func(r scanner) (int64, error) {
		var seq int64
		return seq, r.Scan(&seq)
	}, `WITH flying AS (
			SELECT webhook_id, count(*) AS n FROM webhook_deliveries
			WHERE state = 'pending' AND claimed_until > ? GROUP BY webhook_id),
		due AS (
			SELECT d.seq, d.next_attempt_at,
				row_number() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.seq) + coalesce(f.n, 0) AS k
			FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
				JOIN webhook_events e ON e.seq = d.event_seq LEFT JOIN flying f ON f.webhook_id = d.webhook_id
			WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?)
				AND (w.enabled OR e.type = ?))
		SELECT seq FROM due WHERE k <= ? ORDER BY next_attempt_at, seq LIMIT ?`,
		ts(now), ts(now), ts(now), db.PingEvent, perEndpoint, n)
	if err != nil || len(seqs) == 0 {
		return nil, err
	}
	if _, err := t.exec(ctx, "claim deliveries", `UPDATE webhook_deliveries SET claimed_until = ?
		WHERE seq IN (`+placeholders(len(seqs))+`)`, append([]any{ts(until)}, anys(seqs)...)...); err != nil {
		return nil, err
	}
	return collect(ctx, t.q, "read claimed deliveries", func(r scanner) (*db.Delivery, error) {
		var prevSecret, prevUntil *string
		var secret, url string
		d, err := scanDelivery(r, &secret, &prevSecret, &prevUntil, &url)
		if err != nil {
			return nil, err
		}
		d.URL, d.Secret, d.PreviousUntil = url, secret, optTime(prevUntil)
		if prevSecret != nil {
			d.PreviousSecret = *prevSecret
		}
		return d, nil
	}, `SELECT `+deliveryColumns+`, w.secret, w.previous_secret, w.previous_until, w.url`+deliveryFrom+`
		JOIN webhooks w ON w.id = d.webhook_id WHERE d.seq IN (`+placeholders(len(seqs))+`) ORDER BY d.next_attempt_at, d.seq`,
		anys(seqs)...)
}

func (t *tx) RecordAttempt(ctx context.Context, seq int64, a db.Attempt, o db.Outcome) error {
	if _, err := t.exec(ctx, "record attempt", `INSERT INTO webhook_attempts (delivery_seq, n, at, duration_ms, status, error,
		response) VALUES (?, ?, ?, ?, ?, ?, ?)`, seq, a.N, ts(a.At), a.DurationMS, a.Status, a.Error, a.Response); err != nil {
		return err
	}
	_, err := t.exec(ctx, "settle delivery", `UPDATE webhook_deliveries SET state = ?, attempts = ?,
		next_attempt_at = coalesce(?, next_attempt_at), claimed_until = NULL, last_status = ?, last_error = ?, updated_at = ?
		WHERE seq = ?`, o.State, a.N, optTS(o.Next), a.Status, a.Error, ts(a.At), seq)
	return err
}

func (t *tx) ListDeliveries(ctx context.Context, webhookID string, state *string, before int64, limit int) ([]*db.Delivery, error) {
	query, args := ` WHERE d.webhook_id = ?`, []any{webhookID}
	if state != nil {
		query, args = query+` AND d.state = ?`, append(args, *state)
	}
	if before > 0 {
		query, args = query+` AND d.seq < ?`, append(args, before)
	}
	return collect(ctx, t.q, "list deliveries", func(r scanner) (*db.Delivery, error) { return scanDelivery(r) },
		`SELECT `+deliveryColumns+deliveryFrom+query+` ORDER BY d.seq DESC LIMIT ?`, append(args, limit)...)
}

func (t *tx) Delivery(ctx context.Context, webhookID, id string) (*db.Delivery, error) {
	d, err := scanDelivery(t.q.QueryRowContext(ctx, `SELECT `+deliveryColumns+deliveryFrom+` WHERE d.id = ? AND d.webhook_id = ?`,
		id, webhookID))
	return d, one("find delivery", err)
}

func (t *tx) Attempts(ctx context.Context, seq int64) ([]db.Attempt, error) {
	as, err := collect(ctx, t.q, "list attempts", func(r scanner) (db.Attempt, error) {
		var a db.Attempt
		var at string
		err := r.Scan(&a.N, &at, &a.DurationMS, &a.Status, &a.Error, &a.Response)
		a.At = parseTime(at)
		return a, err
	}, `SELECT n, at, duration_ms, status, error, response FROM webhook_attempts WHERE delivery_seq = ? ORDER BY n`, seq)
	if as == nil {
		as = []db.Attempt{}
	}
	return as, err
}

func (t *tx) ResetDelivery(ctx context.Context, seq int64, at time.Time) error {
	_, err := t.exec(ctx, "reset delivery", `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?,
		claimed_until = NULL, updated_at = ? WHERE seq = ?`, ts(at), ts(at), seq)
	return err
}

func (t *tx) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := t.exec(ctx, "prune deliveries", `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < ?`,
		ts(before))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = t.exec(ctx, "prune events", `DELETE FROM webhook_events WHERE created_at < ?
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_events.seq)`, ts(before))
	return n, err
}

func (t *tx) FailTurnedOff(ctx context.Context, at time.Time, why string) (int64, error) {
	res, err := t.exec(ctx, "fail deliveries of endpoints turned off", `UPDATE webhook_deliveries
		SET state = 'failed', claimed_until = NULL, last_error = ?, updated_at = ?
		WHERE state = 'pending' AND webhook_id IN (SELECT id FROM webhooks WHERE NOT enabled)
			AND (claimed_until IS NULL OR claimed_until <= ?)
			AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.seq = webhook_deliveries.event_seq AND e.type = ?)`,
		why, ts(at), ts(at), db.PingEvent)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) RequeueFailed(ctx context.Context, webhookID string, since, at time.Time) (int64, error) {
	res, err := t.exec(ctx, "requeue failed deliveries", `UPDATE webhook_deliveries
		SET state = 'pending', next_attempt_at = ?, claimed_until = NULL, updated_at = ?
		WHERE webhook_id = ? AND state = 'failed' AND created_at >= ?`, ts(at), ts(at), webhookID, ts(since))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
