package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Delivery is one event sent, or to be sent, to one endpoint: at least once, with the
// event's ID as its webhook-id on every attempt.
type Delivery struct {
	ID        string `json:"id" example:"dlv_01JS8X2W5Q7K3M9N4P6R8T0V34"`
	WebhookID string `json:"webhook_id" example:"wh_01JS8X2W5Q7K3M9N4P6R8T0V33"`
	// EventID is the message's webhook-id: the same on every attempt and redelivery.
	EventID   string `json:"event_id" example:"msg_01JS8X2W5Q7K3M9N4P6R8T0V35"`
	EventType string `json:"event_type" example:"verdict.created"`
	// State: pending (waiting for its next attempt), succeeded (a 2xx came back), or
	// failed (the retry schedule is spent, or the endpoint is gone).
	State         string     `json:"state" enums:"pending,succeeded,failed" example:"succeeded"`
	Attempts      int        `json:"attempts" example:"1"`
	NextAttemptAt *time.Time `json:"next_attempt_at" extensions:"x-nullable" format:"date-time"`
	LastStatus    *int       `json:"last_status" extensions:"x-nullable" example:"200"`
	LastError     *string    `json:"last_error" extensions:"x-nullable"`
	CreatedAt     time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt     time.Time  `json:"updated_at" format:"date-time"`

	// What the dispatcher sends it with; never serialised.
	Seq            int64      `json:"-"`
	Event          *Event     `json:"-"`
	URL            string     `json:"-"`
	Secret         string     `json:"-"`
	PreviousSecret string     `json:"-"`
	PreviousUntil  *time.Time `json:"-"`
} //@name WebhookDelivery

// SigningSecrets are the secrets a delivery is signed with at now: the endpoint's
// secret, and during a rotation's overlap the one before it too.
func (dl *Delivery) SigningSecrets(now time.Time) []string {
	if dl.PreviousSecret != "" && dl.PreviousUntil != nil && now.Before(*dl.PreviousUntil) {
		return []string{dl.Secret, dl.PreviousSecret}
	}
	return []string{dl.Secret}
}

// Attempt is one try at a delivery.
type Attempt struct {
	N          int       `json:"n" example:"1"`
	At         time.Time `json:"at" format:"date-time"`
	DurationMS int64     `json:"duration_ms" example:"84"`
	// Status is the HTTP status the endpoint answered; null when none came back.
	Status *int    `json:"status" extensions:"x-nullable" example:"200"`
	Error  *string `json:"error" extensions:"x-nullable" example:"connection refused"`
	// Response is the start of what the endpoint answered (1 KiB at most).
	Response *string `json:"response" extensions:"x-nullable" example:"ok"`
} //@name WebhookAttempt

// DeliveryFilter selects an endpoint's deliveries, newest first.
type DeliveryFilter struct {
	State  *string
	Limit  int
	Cursor *string
}

// DisableAfter is how long an endpoint may fail every delivery before it is turned off,
// saying why (Svix waits five days; a receiver down over a weekend is not disabled).
const DisableAfter = 5 * 24 * time.Hour

// ClaimDeliveries takes up to n due deliveries for this process to send, leased until
// lease from now: a process that dies mid-attempt leaves them to be claimed again once
// the lease ends, and several processes on one PostgreSQL database never take the same.
// No endpoint gets more than perEndpoint under way at once: a receiver that answers
// slowly, or not at all, holds that many workers, and the others go on delivering.
func (d *DB) ClaimDeliveries(ctx context.Context, n, perEndpoint int, lease time.Duration) ([]*Delivery, error) {
	if err := authorize(ctx, PermWork, ""); err != nil {
		return nil, err
	}
	var out []*Delivery
	err := d.write(ctx, func(tx Tx) error {
		now := d.now()
		var err error
		out, err = tx.ClaimDeliveries(ctx, now, now.Add(lease), n, max(1, perEndpoint))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("db: claim deliveries: %w", err)
	}
	return out, nil
}

// Outcome is what became of an attempt, as the dispatcher judges it.
type Outcome struct {
	State string     // succeeded, pending (to try again at Next) or failed
	Next  *time.Time // the next attempt, when pending
	Gone  bool       // the endpoint answered 410 Gone: it wants no more
}

// RecordAttempt records an attempt at a delivery and what became of it, and keeps the
// endpoint's health: a success clears failing_since; a failure sets it, and an endpoint
// failing for DisableAfter, or answering 410 Gone, is turned off with the reason.
func (d *DB) RecordAttempt(ctx context.Context, dl *Delivery, a Attempt, o Outcome) error {
	if err := authorize(ctx, PermWork, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		if err := tx.RecordAttempt(ctx, dl.Seq, a, o); err != nil {
			return fmt.Errorf("db: record attempt: %w", err)
		}
		// Most attempts leave the endpoint's health as it was: those read it without
		// locking it, so that the workers delivering to one endpoint do not queue on it.
		for _, lock := range []bool{false, true} {
			w, err := tx.Webhook(ctx, dl.WebhookID, lock)
			if errors.Is(err, ErrNoRow) {
				return nil // deleted meanwhile
			}
			if err != nil {
				return fmt.Errorf("db: read webhook: %w", err)
			}
			next := health(w, a, o)
			if next == nil {
				return nil
			}
			if !lock {
				continue // read it again, locked, and judge again
			}
			if next.Enabled != w.Enabled {
				next.Version, next.UpdatedAt = w.Version+1, d.now()
			}
			if err := tx.UpdateWebhook(ctx, w, next); err != nil {
				return writeError("webhook", err)
			}
			if next.Enabled != w.Enabled {
				if err := failTurnedOff(ctx, tx, next.UpdatedAt); err != nil {
					return err
				}
				return d.record(WithActor(ctx, Worker), tx, newChange("update", "webhook", w.ID, "", w, next))
			}
		}
		return nil
	})
}

// health is the endpoint w after attempt a with outcome o, or nil when the attempt
// changes nothing about it.
func health(w *Webhook, a Attempt, o Outcome) *Webhook {
	next := *w
	switch {
	case o.State == "succeeded":
		next.FailingSince = nil
	case next.FailingSince == nil:
		next.FailingSince = &a.At
	}
	switch {
	case o.Gone && w.Enabled:
		next.Enabled, next.DisabledReason = false, ptr(fmt.Sprintf("the endpoint answered 410 Gone at %s", a.At.Format(time.RFC3339)))
	case w.Enabled && next.FailingSince != nil && a.At.Sub(*next.FailingSince) >= DisableAfter:
		why := "no answer"
		if a.Status != nil {
			why = fmt.Sprintf("HTTP %d", *a.Status)
		} else if a.Error != nil {
			why = *a.Error
		}
		next.Enabled, next.DisabledReason = false, ptr(fmt.Sprintf("every delivery failed since %s; the last: %s",
			next.FailingSince.Format(time.RFC3339), why))
	}
	if equalPtr(next.FailingSince, w.FailingSince) && next.Enabled == w.Enabled {
		return nil
	}
	return &next
}

// ListDeliveries lists an endpoint's deliveries, newest first. NotFound, Malformed.
func (d *DB) ListDeliveries(ctx context.Context, webhookID string, f DeliveryFilter) (Page[*Delivery], error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return Page[*Delivery]{}, err
	}
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "deliveries")
	if err != nil {
		return Page[*Delivery]{}, err
	}
	var rows []*Delivery
	err = d.read(ctx, func(tx Tx) error {
		if _, err := findWebhook(ctx, tx, webhookID, false); err != nil {
			return err
		}
		rows, err = tx.ListDeliveries(ctx, webhookID, f.State, seqAfter(c), limit+1)
		return err
	})
	if err != nil {
		return Page[*Delivery]{}, err
	}
	return page(d, rows, limit, func(dl *Delivery) Cursor { return Cursor{Sort: "deliveries", Seq: dl.Seq} }), nil
}

// Delivery returns one delivery of an endpoint with its attempts, oldest first, and the
// event it carries. NotFound.
func (d *DB) Delivery(ctx context.Context, webhookID, id string) (*Delivery, []Attempt, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, nil, err
	}
	var dl *Delivery
	var attempts []Attempt
	err := d.read(ctx, func(tx Tx) error {
		var err error
		if dl, err = findDelivery(ctx, tx, webhookID, id); err != nil {
			return err
		}
		attempts, err = tx.Attempts(ctx, dl.Seq)
		return err
	})
	return dl, attempts, err
}

func findDelivery(ctx context.Context, tx Tx, webhookID, id string) (*Delivery, error) {
	dl, err := tx.Delivery(ctx, webhookID, id)
	if errors.Is(err, ErrNoRow) {
		if _, werr := findWebhook(ctx, tx, webhookID, false); werr != nil {
			return nil, werr
		}
		return nil, errorf(NotFound, "", "this webhook has no delivery with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read delivery: %w", err)
	}
	return dl, nil
}

// Redeliver sends a delivery again now, with the same webhook-id, whatever became of it.
// The endpoint must be on: Conflict otherwise. NotFound.
func (d *DB) Redeliver(ctx context.Context, webhookID, id string) (*Delivery, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	var dl *Delivery
	err := d.write(ctx, func(tx Tx) error {
		var err error
		w, err := findWebhook(ctx, tx, webhookID, false)
		if err != nil {
			return err
		}
		if !w.Enabled {
			return errorf(Conflict, "", "the endpoint is turned off: turn it on (PATCH enabled true), or ping it to try it")
		}
		if dl, err = findDelivery(ctx, tx, webhookID, id); err != nil {
			return err
		}
		now := d.now()
		if err := tx.ResetDelivery(ctx, dl.Seq, now); err != nil {
			return fmt.Errorf("db: redeliver: %w", err)
		}
		dl.State, dl.NextAttemptAt, dl.UpdatedAt = "pending", &now, now
		return d.audit(ctx, tx, newChange("redeliver", "webhook", webhookID, "", nil, map[string]string{"delivery": id}))
	})
	return dl, err
}

// PingWebhook sends an endpoint a webhook.ping event — also an endpoint turned off, to
// try it before turning it on again. NotFound.
func (d *DB) PingWebhook(ctx context.Context, id string) (*Delivery, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	var dl *Delivery
	err := d.write(ctx, func(tx Tx) error {
		w, err := findWebhook(ctx, tx, id, false)
		if err != nil {
			return err
		}
		now := d.now()
		e := &Event{ID: newID("msg_", now), Type: PingEvent, Resource: "webhook", ResourceID: w.ID, Changed: []string{}, CreatedAt: now}
		did := newID("dlv_", now)
		if err := tx.InsertEvents(ctx, []Outgoing{{Event: e, To: []Recipient{{DeliveryID: did, WebhookID: w.ID}}}}); err != nil {
			return fmt.Errorf("db: ping: %w", err)
		}
		dl, err = findDelivery(ctx, tx, w.ID, did)
		return err
	})
	return dl, err
}

// PruneDeliveries forgets deliveries settled (succeeded or failed) before t, with their
// attempts and the events no delivery needs any more: the log keeps DeliveryRetention.
// It also fails what an endpoint turned off still had pending — a delivery whose attempt
// was under way as the endpoint was turned off, and came back to be retried.
func (d *DB) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	if err := authorize(ctx, PermWork, ""); err != nil {
		return 0, err
	}
	var n int64
	err := d.write(ctx, func(tx Tx) error {
		if err := failTurnedOff(ctx, tx, d.now()); err != nil {
			return err
		}
		var err error
		n, err = tx.PruneDeliveries(ctx, before)
		return err
	})
	return n, err
}

// TurnedOff is the error of a delivery failed, unsent, because its endpoint was turned
// off: an endpoint that is off keeps no backlog to flood it with when it is turned on
// again. RecoverDeliveries sends such deliveries, asked for.
const TurnedOff = "not sent: the endpoint was turned off"

// failTurnedOff settles the pending deliveries of endpoints turned off as failed.
func failTurnedOff(ctx context.Context, tx Tx, at time.Time) error {
	if _, err := tx.FailTurnedOff(ctx, at, TurnedOff); err != nil {
		return fmt.Errorf("db: fail the deliveries of endpoints turned off: %w", err)
	}
	return nil
}

// RecoverInput says which failed deliveries of an endpoint to send again.
type RecoverInput struct {
	// Deliveries made at or after this moment are sent again (the log keeps 30 days).
	Since string `json:"since" format:"date-time" validate:"required,datetime=2006-01-02T15:04:05Z07:00" example:"2026-12-01T00:00:00Z"`
} //@name WebhookRecover

// Recovered is how many deliveries a recovery sent again.
type Recovered struct {
	Requeued int64 `json:"requeued" example:"1280"`
} //@name WebhookRecovered

// RecoverDeliveries sends again every failed delivery of an endpoint made at or after
// since — those failed unsent while the endpoint was off, and those whose retries were
// spent — and returns how many. Each gets one more attempt with the retries it has left
// (all of them when it was never sent), with the same webhook-id. The endpoint must be
// on: Conflict otherwise. NotFound.
func (d *DB) RecoverDeliveries(ctx context.Context, webhookID string, in RecoverInput) (Recovered, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return Recovered{}, err
	}
	if err := validateInput(&in); err != nil {
		return Recovered{}, err
	}
	since, err := time.Parse(time.RFC3339, in.Since)
	if err != nil {
		return Recovered{}, errorf(Invalid, "since", "must be a date and time as RFC 3339 writes it, such as 2026-12-01T00:00:00Z")
	}
	var n int64
	err = d.write(ctx, func(tx Tx) error {
		w, err := findWebhook(ctx, tx, webhookID, true)
		if err != nil {
			return err
		}
		if !w.Enabled {
			return errorf(Conflict, "", "the endpoint is turned off: turn it on (PATCH enabled true), then recover what it missed")
		}
		if n, err = tx.RequeueFailed(ctx, w.ID, since, d.now()); err != nil {
			return fmt.Errorf("db: recover deliveries: %w", err)
		}
		return d.audit(ctx, tx, newChange("recover", "webhook", w.ID, "", nil,
			map[string]string{"since": since.UTC().Format(time.RFC3339), "deliveries": fmt.Sprint(n)}))
	})
	return Recovered{Requeued: n}, err
}

// DeliveryRetention is how long the delivery log keeps a settled delivery.
const DeliveryRetention = 30 * 24 * time.Hour
