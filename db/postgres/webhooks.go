package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

const webhookColumns = `id, url, description, event_types, watches, secret, previous_secret, previous_until, enabled,
	disabled_reason, failing_since, created_by, version, created_at, updated_at`

func scanWebhook(row pgx.Row) (*db.Webhook, error) {
	var w db.Webhook
	var watches []byte
	var prevSecret *string
	if err := row.Scan(&w.ID, &w.URL, &w.Description, &w.EventTypes, &watches, &w.Secret, &prevSecret,
		&w.PreviousSecretUntil, &w.Enabled, &w.DisabledReason, &w.FailingSince, &w.CreatedBy, &w.Version, &w.CreatedAt,
		&w.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(watches, &w.Watches); err != nil {
		return nil, err
	}
	if prevSecret != nil {
		w.PreviousSecret = *prevSecret
	}
	w.PreviousSecretUntil, w.FailingSince = optUTC(w.PreviousSecretUntil), optUTC(w.FailingSince)
	w.CreatedAt, w.UpdatedAt = utc(w.CreatedAt), utc(w.UpdatedAt)
	w.SecretHint = db.SecretHint(w.Secret)
	return &w, nil
}

func watchesJSON(w db.Watches) string {
	b, _ := json.Marshal(w) // lists of strings
	return string(b)
}

func (t *tx) InsertWebhook(ctx context.Context, w *db.Webhook) error {
	_, err := t.exec(ctx, "insert webhook", `INSERT INTO webhooks (`+webhookColumns+`)
		VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		w.ID, w.URL, w.Description, w.EventTypes, watchesJSON(w.Watches), w.Secret, optString(w.PreviousSecret),
		w.PreviousSecretUntil, w.Enabled, w.DisabledReason, w.FailingSince, w.CreatedBy, w.Version, w.CreatedAt, w.UpdatedAt)
	return err
}

func (t *tx) Webhook(ctx context.Context, id string, lock bool) (*db.Webhook, error) {
	query := `SELECT ` + webhookColumns + ` FROM webhooks WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	w, err := scanWebhook(t.q.QueryRow(ctx, query, id))
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
	_, err := t.exec(ctx, "update webhook", `UPDATE webhooks SET url = $1, description = $2, event_types = $3,
		watches = $4::jsonb, secret = $5, previous_secret = $6, previous_until = $7, enabled = $8, disabled_reason = $9,
		failing_since = $10, version = $11, updated_at = $12 WHERE id = $13`,
		w.URL, w.Description, w.EventTypes, watchesJSON(w.Watches), w.Secret, optString(w.PreviousSecret),
		w.PreviousSecretUntil, w.Enabled, w.DisabledReason, w.FailingSince, w.Version, w.UpdatedAt, w.ID)
	return err
}

func (t *tx) DeleteWebhook(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete webhook", `DELETE FROM webhooks WHERE id = $1`, id)
	return err
}

// InsertEvents writes the events with one statement and their deliveries with another,
// whatever their number: a bulk import's events go in two round trips per batch.
func (t *tx) InsertEvents(ctx context.Context, out []db.Outgoing) error {
	if len(out) == 0 {
		return nil
	}
	n := len(out)
	ids, types, resources, resourceIDs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	quoteIDs, versions, changed, at := make([]*string, n), make([]*int64, n), make([]string, n), make([]time.Time, n)
	into := make([]*string, n)
	for i, o := range out {
		e := o.Event
		ids[i], types[i], resources[i], resourceIDs[i] = e.ID, e.Type, e.Resource, e.ResourceID
		quoteIDs[i], versions[i], at[i], into[i] = e.QuoteID, e.Version, e.CreatedAt, e.Into
		b, _ := json.Marshal(e.Changed) // field names
		changed[i] = string(b)
	}
	seqs, err := collect(ctx, t.q, "insert events", func(r pgx.Row) (int64, error) {
		var seq int64
		return seq, r.Scan(&seq)
	}, `INSERT INTO webhook_events (id, type, resource, resource_id, quote_id, version, changed, created_at, into_id)
		SELECT id, type, resource, resource_id, quote_id, version, ARRAY(SELECT json_array_elements_text(changed::json)), created_at, into_id
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::timestamptz[], $9::text[])
			WITH ORDINALITY AS e(id, type, resource, resource_id, quote_id, version, changed, created_at, into_id, ord)
		ORDER BY ord RETURNING seq`, ids, types, resources, resourceIDs, quoteIDs, versions, changed, at, into)
	if err != nil {
		return err
	}
	if len(seqs) != n {
		return fmt.Errorf("postgres: insert events: %d of %d written", len(seqs), n)
	}
	// RETURNING does not promise the order of the rows inserted; identity values are
	// handed out in it, so sorting restores it.
	slices.Sort(seqs)
	var dids, hooks []string
	var events []int64
	var times []time.Time
	for i, o := range out {
		o.Event.Seq = seqs[i]
		for _, r := range o.To {
			dids, hooks, events, times = append(dids, r.DeliveryID), append(hooks, r.WebhookID), append(events, seqs[i]),
				append(times, o.Event.CreatedAt)
		}
	}
	_, err = t.exec(ctx, "insert deliveries", `INSERT INTO webhook_deliveries (id, event_seq, webhook_id, next_attempt_at,
		created_at, updated_at) SELECT id, event_seq, webhook_id, at, at, at
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[]) AS d(id, event_seq, webhook_id, at)`,
		dids, events, hooks, times)
	return err
}
