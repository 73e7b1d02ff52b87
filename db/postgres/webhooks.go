package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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

func optUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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
	for i, o := range out {
		e := o.Event
		ids[i], types[i], resources[i], resourceIDs[i] = e.ID, e.Type, e.Resource, e.ResourceID
		quoteIDs[i], versions[i], at[i] = e.QuoteID, e.Version, e.CreatedAt
		b, _ := json.Marshal(e.Changed) // field names
		changed[i] = string(b)
	}
	seqs, err := collect(ctx, t.q, "insert events", func(r pgx.Row) (int64, error) {
		var seq int64
		return seq, r.Scan(&seq)
	}, `INSERT INTO webhook_events (id, type, resource, resource_id, quote_id, version, changed, created_at)
		SELECT id, type, resource, resource_id, quote_id, version, ARRAY(SELECT json_array_elements_text(changed::json)), created_at
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::timestamptz[])
			WITH ORDINALITY AS e(id, type, resource, resource_id, quote_id, version, changed, created_at, ord)
		ORDER BY ord RETURNING seq`, ids, types, resources, resourceIDs, quoteIDs, versions, changed, at)
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

const deliveryColumns = `d.seq, d.id, d.webhook_id, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
	d.created_at, d.updated_at, e.seq, e.id, e.type, e.resource, e.resource_id, e.quote_id, e.version, e.changed,
	e.created_at`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq`

func scanDelivery(row pgx.Row, extra ...any) (*db.Delivery, error) {
	var d db.Delivery
	var e db.Event
	var next time.Time
	if err := row.Scan(append([]any{&d.Seq, &d.ID, &d.WebhookID, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError,
		&d.CreatedAt, &d.UpdatedAt, &e.Seq, &e.ID, &e.Type, &e.Resource, &e.ResourceID, &e.QuoteID, &e.Version, &e.Changed,
		&e.CreatedAt}, extra...)...); err != nil {
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
func (t *tx) ClaimDeliveries(ctx context.Context, now, until time.Time, n int) ([]*db.Delivery, error) {
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
	}, `WITH due AS (
			SELECT d.seq FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
				JOIN webhook_events e ON e.seq = d.event_seq
			WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
				AND (w.enabled OR e.type = $3)
			ORDER BY d.next_attempt_at, d.seq LIMIT $4
			FOR UPDATE OF d SKIP LOCKED)
		UPDATE webhook_deliveries d SET claimed_until = $2 FROM due, webhook_events e, webhooks w
		WHERE d.seq = due.seq AND e.seq = d.event_seq AND w.id = d.webhook_id
		RETURNING `+deliveryColumns+`, w.secret, w.previous_secret, w.previous_until, w.url`, now, until, db.PingEvent, n)
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

func (t *tx) InsertFetch(ctx context.Context, citationSeq int64, by string, at time.Time) error {
	_, err := t.exec(ctx, "request fetch", `INSERT INTO citation_fetches (citation_seq, requested_by, requested_at)
		VALUES ($1, $2, $3)`, citationSeq, by, at)
	return err
}

func (t *tx) ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]*db.FetchJob, error) {
	jobs, err := collect(ctx, t.q, "claim fetches", func(r pgx.Row) (*db.FetchJob, error) {
		var j db.FetchJob
		err := r.Scan(&j.Seq, &j.CitationID, &j.QuoteID, &j.URL, &j.QuoteText, &j.RequestedAt)
		j.RequestedAt = utc(j.RequestedAt)
		return &j, err
	}, `WITH due AS (
			SELECT seq FROM citation_fetches WHERE state = 'pending' AND (claimed_until IS NULL OR claimed_until <= $1)
			ORDER BY requested_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE citation_fetches f SET claimed_until = $2 FROM due, citations c, quotes q
		WHERE f.seq = due.seq AND c.seq = f.citation_seq AND q.seq = c.quote_seq
		RETURNING f.seq, c.id, q.id, c.url, q.text, f.requested_at`, now, until, n)
	slices.SortFunc(jobs, func(a, b *db.FetchJob) int { return int(a.Seq - b.Seq) })
	return jobs, err
}

func (t *tx) PreviousFetchHash(ctx context.Context, seq int64) (string, error) {
	var h string
	err := t.q.QueryRow(ctx, `SELECT p.sha256 FROM citation_fetches f JOIN citation_fetches p
		ON p.citation_seq = f.citation_seq AND p.seq < f.seq AND p.sha256 IS NOT NULL
		WHERE f.seq = $1 ORDER BY p.seq DESC LIMIT 1`, seq).Scan(&h)
	return h, one("previous fetch", err)
}

func (t *tx) RecordFetch(ctx context.Context, seq int64, r db.FetchResult, changed *bool) error {
	_, err := t.exec(ctx, "record fetch", `UPDATE citation_fetches SET state = $1, fetched_at = $2, status = $3,
		content_type = $4, bytes = $5, sha256 = $6, found = $7, found_at = $8, context = $9, changed = $10, error = $11,
		claimed_until = NULL WHERE seq = $12`, r.State, r.FetchedAt, r.Status, r.ContentType, r.Bytes, r.SHA256, r.Found,
		r.FoundAt, r.Context, changed, r.Error, seq)
	return err
}

// sourceColumns are the newest fetch of a citation's page (sourceFrom), read beside it.
const sourceColumns = `, f.state, f.requested_at, f.fetched_at, f.status, f.content_type, f.bytes, f.sha256, f.found,
	f.found_at, f.context, f.changed, f.error`

const sourceFrom = ` LEFT JOIN LATERAL (SELECT * FROM citation_fetches x WHERE x.citation_seq = c.seq
	ORDER BY x.seq DESC LIMIT 1) f ON true`

// sourceScan holds what sourceColumns read, until source makes it a SourceCheck.
type sourceScan struct {
	state     *string
	requested *time.Time
	s         db.SourceCheck
}

func (x *sourceScan) dest() []any {
	return []any{&x.state, &x.requested, &x.s.FetchedAt, &x.s.Status, &x.s.ContentType, &x.s.Bytes, &x.s.SHA256,
		&x.s.Found, &x.s.FoundAt, &x.s.Context, &x.s.Changed, &x.s.Error}
}

func (x *sourceScan) source() *db.SourceCheck {
	if x.state == nil {
		return nil
	}
	s := x.s
	s.State, s.RequestedAt, s.FetchedAt = *x.state, x.requested.UTC(), optUTC(s.FetchedAt)
	return &s
}
