package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

const deliveryColumns = `d.seq, d.id, d.webhook_id, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
	d.created_at, d.updated_at, e.seq, e.id, e.type, e.resource, e.resource_id, e.quote_id, e.version, e.changed,
	e.created_at, e.into_id`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq`

func scanDelivery(row pgx.Row, extra ...any) (*db.Delivery, error) {
	var d db.Delivery
	var e db.Event
	var next time.Time
	if err := row.Scan(append([]any{&d.Seq, &d.ID, &d.WebhookID, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError,
		&d.CreatedAt, &d.UpdatedAt, &e.Seq, &e.ID, &e.Type, &e.Resource, &e.ResourceID, &e.QuoteID, &e.Version, &e.Changed,
		&e.CreatedAt, &e.Into}, extra...)...); err != nil {
		return nil, err
	}
	if d.State == "pending" {
		next = next.UTC()
		d.NextAttemptAt = &next
	}
	if e.Changed == nil {
		e.Changed = []string{}
	}
	d.CreatedAt, d.UpdatedAt, e.CreatedAt = utc(d.CreatedAt), utc(d.UpdatedAt), utc(e.CreatedAt)
	d.Event, d.EventID, d.EventType = &e, e.ID, e.Type
	return &d, nil
}

// ClaimDeliveries locks the due rows it takes and skips those another node is taking
// (FOR UPDATE SKIP LOCKED), so that nodes claiming at once share the work and never
// send one delivery twice; the lease it writes keeps them from claiming it again until
// the attempt is recorded or the lease ends.
func (t *tx) ClaimDeliveries(ctx context.Context, now, until time.Time, n, perEndpoint int) ([]*db.Delivery, error) {
	out, err := collect(ctx, t.q, "claim deliveries", func(r pgx.Row) (*db.Delivery, error) {
		var prevSecret *string
		var prevUntil *time.Time
		var secret, url string
		d, err := scanDelivery(r, &secret, &prevSecret, &prevUntil, &url)
		if err != nil {
			return nil, err
		}
		d.URL, d.Secret, d.PreviousUntil = url, secret, optUTC(prevUntil)
		if prevSecret != nil {
			d.PreviousSecret = *prevSecret
		}
		return d, nil
	}, `WITH flying AS (
			SELECT webhook_id, count(*) AS n FROM webhook_deliveries
			WHERE state = 'pending' AND claimed_until > $1 GROUP BY webhook_id),
		ranked AS (
			SELECT d.seq,
				row_number() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.seq) + coalesce(f.n, 0) AS k
			FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
				JOIN webhook_events e ON e.seq = d.event_seq LEFT JOIN flying f ON f.webhook_id = d.webhook_id
			WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
				AND (w.enabled OR e.type = $3)),
		due AS (
			-- The row's own conditions again: a row another node claimed and committed
			-- since ranked's snapshot is read afresh by FOR UPDATE, and must drop out.
			SELECT d.seq FROM webhook_deliveries d JOIN ranked r ON r.seq = d.seq
			WHERE r.k <= $5 AND d.state = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
			ORDER BY d.next_attempt_at, d.seq LIMIT $4
			FOR UPDATE OF d SKIP LOCKED)
		UPDATE webhook_deliveries d SET claimed_until = $2 FROM due, webhook_events e, webhooks w
		WHERE d.seq = due.seq AND e.seq = d.event_seq AND w.id = d.webhook_id
		RETURNING `+deliveryColumns+`, w.secret, w.previous_secret, w.previous_until, w.url`, now, until, db.PingEvent, n, perEndpoint)
	slices.SortFunc(out, func(a, b *db.Delivery) int {
		if c := a.NextAttemptAt.Compare(*b.NextAttemptAt); c != 0 {
			return c
		}
		return int(a.Seq - b.Seq)
	})
	return out, err
}

func (t *tx) RecordAttempt(ctx context.Context, seq int64, a db.Attempt, o db.Outcome) error {
	if _, err := t.exec(ctx, "record attempt", `INSERT INTO webhook_attempts (delivery_seq, n, at, duration_ms, status, error,
		response) VALUES ($1, $2, $3, $4, $5, $6, $7)`, seq, a.N, a.At, a.DurationMS, a.Status, a.Error, a.Response); err != nil {
		return err
	}
	_, err := t.exec(ctx, "settle delivery", `UPDATE webhook_deliveries SET state = $1, attempts = $2,
		next_attempt_at = coalesce($3, next_attempt_at), claimed_until = NULL, last_status = $4, last_error = $5,
		updated_at = $6 WHERE seq = $7`, o.State, a.N, o.Next, a.Status, a.Error, a.At, seq)
	return err
}

func (t *tx) ListDeliveries(ctx context.Context, webhookID string, state *string, before int64, limit int) ([]*db.Delivery, error) {
	where, args := []string{`d.webhook_id = $1`}, []any{webhookID}
	if state != nil {
		args = append(args, *state)
		where = append(where, fmt.Sprintf(`d.state = $%d`, len(args)))
	}
	if before > 0 {
		args = append(args, before)
		where = append(where, fmt.Sprintf(`d.seq < $%d`, len(args)))
	}
	args = append(args, limit)
	return collect(ctx, t.q, "list deliveries", func(r pgx.Row) (*db.Delivery, error) { return scanDelivery(r) },
		`SELECT `+deliveryColumns+deliveryFrom+` WHERE `+strings.Join(where, " AND ")+
			fmt.Sprintf(` ORDER BY d.seq DESC LIMIT $%d`, len(args)), args...)
}

func (t *tx) Delivery(ctx context.Context, webhookID, id string) (*db.Delivery, error) {
	d, err := scanDelivery(t.q.QueryRow(ctx, `SELECT `+deliveryColumns+deliveryFrom+` WHERE d.id = $1 AND d.webhook_id = $2`,
		id, webhookID))
	return d, one("find delivery", err)
}

func (t *tx) Attempts(ctx context.Context, seq int64) ([]db.Attempt, error) {
	as, err := collect(ctx, t.q, "list attempts", func(r pgx.Row) (db.Attempt, error) {
		var a db.Attempt
		err := r.Scan(&a.N, &a.At, &a.DurationMS, &a.Status, &a.Error, &a.Response)
		a.At = utc(a.At)
		return a, err
	}, `SELECT n, at, duration_ms, status, error, response FROM webhook_attempts WHERE delivery_seq = $1 ORDER BY n`, seq)
	if as == nil {
		as = []db.Attempt{}
	}
	return as, err
}

func (t *tx) ResetDelivery(ctx context.Context, seq int64, at time.Time) error {
	_, err := t.exec(ctx, "reset delivery", `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $1,
		claimed_until = NULL, updated_at = $1 WHERE seq = $2`, at, seq)
	return err
}

func (t *tx) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	tag, err := t.exec(ctx, "prune deliveries", `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < $1`,
		before)
	if err != nil {
		return 0, err
	}
	_, err = t.exec(ctx, "prune events", `DELETE FROM webhook_events e WHERE created_at < $1
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)`, before)
	return tag.RowsAffected(), err
}

func (t *tx) FailTurnedOff(ctx context.Context, at time.Time, why string) (int64, error) {
	tag, err := t.exec(ctx, "fail deliveries of endpoints turned off", `UPDATE webhook_deliveries d
		SET state = 'failed', claimed_until = NULL, last_error = $1, updated_at = $2
		FROM webhooks w, webhook_events e
		WHERE d.state = 'pending' AND w.id = d.webhook_id AND NOT w.enabled AND e.seq = d.event_seq AND e.type <> $3
			AND (d.claimed_until IS NULL OR d.claimed_until <= $2)`, why, at, db.PingEvent)
	return tag.RowsAffected(), err
}

func (t *tx) RequeueFailed(ctx context.Context, webhookID string, since, at time.Time) (int64, error) {
	tag, err := t.exec(ctx, "requeue failed deliveries", `UPDATE webhook_deliveries
		SET state = 'pending', next_attempt_at = $1, claimed_until = NULL, updated_at = $1
		WHERE webhook_id = $2 AND state = 'failed' AND created_at >= $3`, at, webhookID, since)
	return tag.RowsAffected(), err
}
