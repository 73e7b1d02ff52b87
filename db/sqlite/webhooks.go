package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

const webhookColumns = `id, url, description, event_types, watches, secret, previous_secret, previous_until, enabled,
	disabled_reason, failing_since, created_by, version, created_at, updated_at`

func scanWebhook(row scanner) (*db.Webhook, error) {
	var w db.Webhook
	var types, watches, created, updated string
	var prevSecret, prevUntil, failing *string
	if err := row.Scan(&w.ID, &w.URL, &w.Description, &types, &watches, &w.Secret, &prevSecret, &prevUntil, &w.Enabled,
		&w.DisabledReason, &failing, &w.CreatedBy, &w.Version, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(types), &w.EventTypes); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(watches), &w.Watches); err != nil {
		return nil, err
	}
	if prevSecret != nil {
		w.PreviousSecret = *prevSecret
	}
	w.PreviousSecretUntil, w.FailingSince = optTime(prevUntil), optTime(failing)
	w.CreatedAt, w.UpdatedAt = parseTime(created), parseTime(updated)
	w.SecretHint = db.SecretHint(w.Secret)
	return &w, nil
}

func optTime(s *string) *time.Time {
	if s == nil {
		return nil
	}
	t := parseTime(*s)
	return &t
}

func optTS(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v) // string slices and structs of them
	return string(b)
}

func (t *tx) InsertWebhook(ctx context.Context, w *db.Webhook) error {
	_, err := t.exec(ctx, "insert webhook", `INSERT INTO webhooks (`+webhookColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.URL, w.Description, mustJSON(w.EventTypes), mustJSON(w.Watches), w.Secret, optString(w.PreviousSecret),
		optTS(w.PreviousSecretUntil), w.Enabled, w.DisabledReason, optTS(w.FailingSince), w.CreatedBy, w.Version,
		ts(w.CreatedAt), ts(w.UpdatedAt))
	return err
}

func (t *tx) Webhook(ctx context.Context, id string, _ bool) (*db.Webhook, error) {
	w, err := scanWebhook(t.q.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	return w, one("find webhook", err)
}

func (t *tx) Webhooks(ctx context.Context) ([]*db.Webhook, error) {
	ws, err := collect(ctx, t.q, "list webhooks", scanWebhook, `SELECT `+webhookColumns+` FROM webhooks ORDER BY created_at, id`)
	if ws == nil {
		ws = []*db.Webhook{}
	}
	return ws, err
}

func (t *tx) UpdateWebhook(ctx context.Context, _, w *db.Webhook) error {
	_, err := t.exec(ctx, "update webhook", `UPDATE webhooks SET url = ?, description = ?, event_types = ?, watches = ?,
		secret = ?, previous_secret = ?, previous_until = ?, enabled = ?, disabled_reason = ?, failing_since = ?,
		version = ?, updated_at = ? WHERE id = ?`,
		w.URL, w.Description, mustJSON(w.EventTypes), mustJSON(w.Watches), w.Secret, optString(w.PreviousSecret),
		optTS(w.PreviousSecretUntil), w.Enabled, w.DisabledReason, optTS(w.FailingSince), w.Version, ts(w.UpdatedAt), w.ID)
	return err
}

func (t *tx) DeleteWebhook(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete webhook", `DELETE FROM webhooks WHERE id = ?`, id)
	return err
}

func (t *tx) InsertEvents(ctx context.Context, out []db.Outgoing) error {
	for _, o := range out {
		e := o.Event
		res, err := t.exec(ctx, "insert event", `INSERT INTO webhook_events (id, type, resource, resource_id, quote_id,
			version, changed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.Type, e.Resource, e.ResourceID, e.QuoteID, e.Version, mustJSON(e.Changed), ts(e.CreatedAt))
		if err != nil {
			return err
		}
		if e.Seq, err = res.LastInsertId(); err != nil {
			return err
		}
		const width = 6
		args := make([]any, 0, width*len(o.To))
		for _, r := range o.To {
			at := ts(e.CreatedAt)
			args = append(args, r.DeliveryID, e.Seq, r.WebhookID, at, at, at)
		}
		for start := 0; start < len(o.To); start += bulkRows {
			n := min(bulkRows, len(o.To)-start)
			if _, err := t.exec(ctx, "insert deliveries", `INSERT INTO webhook_deliveries (id, event_seq, webhook_id,
				next_attempt_at, created_at, updated_at) VALUES `+values(n, width),
				args[start*width:(start+n)*width]...); err != nil {
				return err
			}
		}
	}
	return nil
}

const deliveryColumns = `d.seq, d.id, d.webhook_id, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
	d.created_at, d.updated_at, e.seq, e.id, e.type, e.resource, e.resource_id, e.quote_id, e.version, e.changed,
	e.created_at`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq`

func scanDelivery(row scanner, extra ...any) (*db.Delivery, error) {
	var d db.Delivery
	var e db.Event
	var next, created, updated, changed, eventAt string
	if err := row.Scan(append([]any{&d.Seq, &d.ID, &d.WebhookID, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError,
		&created, &updated, &e.Seq, &e.ID, &e.Type, &e.Resource, &e.ResourceID, &e.QuoteID, &e.Version, &changed,
		&eventAt}, extra...)...); err != nil {
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
func (t *tx) ClaimDeliveries(ctx context.Context, now, until time.Time, n int) ([]*db.Delivery, error) {
	seqs, err := collect(ctx, t.q, "find due deliveries", func(r scanner) (int64, error) {
		var seq int64
		return seq, r.Scan(&seq)
	}, `SELECT d.seq FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		JOIN webhook_events e ON e.seq = d.event_seq
		WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?)
		AND (w.enabled OR e.type = ?) ORDER BY d.next_attempt_at, d.seq LIMIT ?`, ts(now), ts(now), db.PingEvent, n)
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

func (t *tx) InsertFetch(ctx context.Context, citationSeq int64, by string, at time.Time) error {
	_, err := t.exec(ctx, "request fetch", `INSERT INTO citation_fetches (citation_seq, requested_by, requested_at)
		VALUES (?, ?, ?)`, citationSeq, by, ts(at))
	return err
}

func (t *tx) ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]*db.FetchJob, error) {
	jobs, err := collect(ctx, t.q, "find due fetches", func(r scanner) (*db.FetchJob, error) {
		var j db.FetchJob
		var at string
		err := r.Scan(&j.Seq, &j.CitationID, &j.QuoteID, &j.URL, &j.QuoteText, &at)
		j.RequestedAt = parseTime(at)
		return &j, err
	}, `SELECT f.seq, c.id, q.id, c.url, q.text, f.requested_at FROM citation_fetches f
		JOIN citations c ON c.seq = f.citation_seq JOIN quotes q ON q.seq = c.quote_seq
		WHERE f.state = 'pending' AND (f.claimed_until IS NULL OR f.claimed_until <= ?) ORDER BY f.requested_at, f.seq LIMIT ?`,
		ts(now), n)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	seqs := make([]any, len(jobs))
	for i, j := range jobs {
		seqs[i] = j.Seq
	}
	_, err = t.exec(ctx, "claim fetches", `UPDATE citation_fetches SET claimed_until = ? WHERE seq IN (`+
		placeholders(len(seqs))+`)`, append([]any{ts(until)}, seqs...)...)
	return jobs, err
}

func (t *tx) PreviousFetchHash(ctx context.Context, seq int64) (string, error) {
	var h string
	err := t.q.QueryRowContext(ctx, `SELECT p.sha256 FROM citation_fetches f JOIN citation_fetches p
		ON p.citation_seq = f.citation_seq AND p.seq < f.seq AND p.sha256 IS NOT NULL
		WHERE f.seq = ? ORDER BY p.seq DESC LIMIT 1`, seq).Scan(&h)
	return h, one("previous fetch", err)
}

func (t *tx) RecordFetch(ctx context.Context, seq int64, r db.FetchResult, changed *bool) error {
	_, err := t.exec(ctx, "record fetch", `UPDATE citation_fetches SET state = ?, fetched_at = ?, status = ?, content_type = ?,
		bytes = ?, sha256 = ?, found = ?, found_at = ?, context = ?, changed = ?, error = ?, claimed_until = NULL
		WHERE seq = ?`, r.State, ts(r.FetchedAt), r.Status, r.ContentType, r.Bytes, r.SHA256, r.Found, r.FoundAt, r.Context,
		changed, r.Error, seq)
	return err
}

// sourceColumns are the newest fetch of a citation's page (sourceFrom), read beside it.
const sourceColumns = `, f.state, f.requested_at, f.fetched_at, f.status, f.content_type, f.bytes, f.sha256, f.found,
	f.found_at, f.context, f.changed, f.error`

const sourceFrom = ` LEFT JOIN citation_fetches f ON f.seq = (SELECT max(seq) FROM citation_fetches WHERE citation_seq = c.seq)`

// sourceScan holds what sourceColumns read, until source makes it a SourceCheck.
type sourceScan struct {
	state, requested, fetched *string
	s                         db.SourceCheck
}

func (x *sourceScan) dest() []any {
	return []any{&x.state, &x.requested, &x.fetched, &x.s.Status, &x.s.ContentType, &x.s.Bytes, &x.s.SHA256, &x.s.Found,
		&x.s.FoundAt, &x.s.Context, &x.s.Changed, &x.s.Error}
}

func (x *sourceScan) source() *db.SourceCheck {
	if x.state == nil {
		return nil
	}
	s := x.s
	s.State, s.RequestedAt, s.FetchedAt = *x.state, parseTime(*x.requested), optTime(x.fetched)
	return &s
}
