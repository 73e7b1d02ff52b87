package sqlite

import (
	"context"
	"encoding/json"

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
			version, changed, created_at, into_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.Type, e.Resource, e.ResourceID, e.QuoteID, e.Version, mustJSON(e.Changed), ts(e.CreatedAt), e.Into)
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
