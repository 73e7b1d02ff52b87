package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/outbound"
	"github.com/verbatimhq/verbatim/queue"
)

// DefaultSchedule is how long to wait after each failed attempt before the next: ten
// attempts over about three days (the delays Svix's Standard Webhooks service uses, with
// a last day added), so a receiver down over a weekend still gets its events.
var DefaultSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}

// ParseSchedule reads a schedule such as "5s,5m,30m,2h".
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("webhook: %q is not a positive duration in the retry schedule", part)
		}
		out = append(out, d)
	}
	return out, nil
}

// Dispatcher delivers what the outbox holds. Several dispatchers — one per API node —
// can share a PostgreSQL database: each claims its deliveries, and none claims one
// another holds.
type Dispatcher struct {
	DB     *db.DB
	Client *outbound.Client
	// BaseURL is the API's public URL, that payload URLs start with.
	BaseURL string
	// Schedule is the wait after each failed attempt (DefaultSchedule when nil).
	Schedule []time.Duration
	// Workers is how many deliveries are under way at once (16 when zero).
	Workers int
	// Poll is how often to look for deliveries another node queued (1s when zero).
	Poll time.Duration
	// Lease is how long a claimed delivery is this process's alone (DefaultLease when
	// zero): longer than an attempt can take, so that only a process that died — and
	// can record nothing — loses its claims, to whichever process claims them next.
	Lease time.Duration
	// PerEndpoint is how many deliveries one endpoint may have under way at once
	// (DefaultPerEndpoint when zero).
	PerEndpoint int
	Log         *slog.Logger
}

// DefaultPerEndpoint keeps a quarter of the default workers for any one endpoint: a
// receiver that hangs until the timeout holds four, and every other endpoint is served
// by the other twelve meanwhile.
const DefaultPerEndpoint = 4

// DefaultLease outlasts an attempt under the default 15-second timeout twice over.
const DefaultLease = 35 * time.Second

// maxResponse is how much of an endpoint's answer the delivery log keeps.
const maxResponse = 1024

// Run delivers until ctx ends, then lets the deliveries under way finish.
func (d *Dispatcher) Run(ctx context.Context) {
	ctx = db.WithActor(ctx, db.Worker) // the work is the server's own, and may do only that
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	queue.Run(ctx, queue.Config[*db.Delivery]{
		Name:    "webhooks",
		Workers: cmp(d.Workers, 16),
		Poll:    cmp(d.Poll, time.Second),
		Wake:    d.DB.Wakeups(),
		Claim: func(ctx context.Context, n int) ([]*db.Delivery, error) {
			return d.DB.ClaimDeliveries(ctx, n, cmp(d.PerEndpoint, DefaultPerEndpoint), cmp(d.Lease, DefaultLease))
		},
		Handle: func(ctx context.Context, dl *db.Delivery) {
			if err := d.Deliver(ctx, dl); err != nil {
				log.Error("webhook: recording a delivery attempt failed", "delivery", dl.ID, "err", err)
			}
		},
		Every: func(ctx context.Context) {
			if n, err := d.DB.PruneDeliveries(ctx, time.Now().Add(-db.DeliveryRetention)); err != nil {
				log.Warn("webhook: pruning the delivery log failed", "err", err)
			} else if n > 0 {
				log.Info("webhook: pruned the delivery log", "deliveries", n)
			}
		},
		EveryPeriod: time.Hour,
		Log:         log,
	})
}

func cmp[T int | time.Duration](v, fallback T) T {
	if v <= 0 {
		return fallback
	}
	return v
}

// Deliver makes one attempt at a claimed delivery and records it.
func (d *Dispatcher) Deliver(ctx context.Context, dl *db.Delivery) error {
	now := time.Now().UTC()
	body, err := json.Marshal(NewMessage(dl.Event, d.BaseURL))
	if err != nil {
		return fmt.Errorf("webhook: payload: %w", err)
	}
	a := db.Attempt{N: dl.Attempts + 1, At: now}
	resp, err := d.send(ctx, dl, now, body)
	a.DurationMS = time.Since(now).Milliseconds()
	if err != nil {
		msg := err.Error()
		a.Error = &msg
	} else {
		a.Status = &resp.Status
		text := strings.ToValidUTF8(string(resp.Body), "\uFFFD")
		a.Response = &text
		if resp.Status < 200 || resp.Status > 299 {
			msg := "HTTP " + strconv.Itoa(resp.Status)
			if resp.Status >= 300 && resp.Status < 400 {
				msg += " (redirects are not followed)"
			}
			a.Error = &msg
		}
	}
	return d.DB.RecordAttempt(ctx, dl, a, d.judge(a, resp, now))
}

func (d *Dispatcher) send(ctx context.Context, dl *db.Delivery, now time.Time, body []byte) (*outbound.Response, error) {
	sig, err := Sign(dl.SigningSecrets(now), dl.EventID, now, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", dl.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	return d.Client.Do(ctx, req, maxResponse, true)
}

// judge decides what becomes of a delivery after an attempt: done on a 2xx; given up on
// a 410 Gone (the endpoint is turned off) or once the schedule is spent; else tried
// again after the schedule's next wait, with jitter so that a receiver coming back is
// not met by every retry at once, and no sooner than a Retry-After asks.
func (d *Dispatcher) judge(a db.Attempt, resp *outbound.Response, now time.Time) db.Outcome {
	if a.Status != nil && *a.Status >= 200 && *a.Status <= 299 {
		return db.Outcome{State: "succeeded"}
	}
	if a.Status != nil && *a.Status == http.StatusGone {
		return db.Outcome{State: "failed", Gone: true}
	}
	schedule := d.Schedule
	if schedule == nil {
		schedule = DefaultSchedule
	}
	if a.N > len(schedule) {
		return db.Outcome{State: "failed"}
	}
	wait := schedule[a.N-1]
	wait += time.Duration(rand.Int64N(int64(wait)/5 + 1)) // up to a fifth more
	if resp != nil {
		if ra, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok && ra > wait {
			wait = min(ra, 24*time.Hour)
		}
	}
	next := now.Add(wait)
	return db.Outcome{State: "pending", Next: &next}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return t.Sub(now), true
	}
	return 0, false
}
