package db

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"
)

// PingEvent is the event a test ping sends; no endpoint subscribes to it.
const PingEvent = "webhook.ping"

// Watches narrow an endpoint to the changes that concern some speakers, quotes, outlets
// or tags (each list optional in a request; an endpoint's are always all four): a change is sent when it touches any of them (a quote's verdict or citation
// touches the quote, its speaker, its outlet and its tags). Empty watches narrow nothing.
type Watches struct {
	Speakers []string `json:"speakers" binding:"optional" validate:"max=100,dive,required,max=64" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Quotes   []string `json:"quotes" binding:"optional" validate:"max=100,dive,required,max=64"`
	Outlets  []string `json:"outlets" binding:"optional" validate:"max=100,dive,required,max=64"`
	Tags     []string `json:"tags" binding:"optional" validate:"max=100,dive,required,notblank,max=64" example:"nato"`
} //@name WebhookWatches

func (w Watches) empty() bool {
	return len(w.Speakers) == 0 && len(w.Quotes) == 0 && len(w.Outlets) == 0 && len(w.Tags) == 0
}

// normalized is w with tags as tags are stored, and empty lists rather than nulls.
// of is the list of watched speakers or outlets (kind).
func (w Watches) of(kind string) []string { return *w.ofPtr(kind) }

func (w *Watches) ofPtr(kind string) *[]string {
	if kind == "outlet" {
		return &w.Outlets
	}
	return &w.Speakers
}

func (w Watches) normalized() Watches {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return Watches{Speakers: nz(w.Speakers), Quotes: nz(w.Quotes), Outlets: nz(w.Outlets), Tags: normalizeTags(w.Tags)}
}

// Webhook is an endpoint Verbatim tells of changes, signing each message with its
// secret (Standard Webhooks), which is shown once: when the endpoint is made and when the
// secret is rotated.
type Webhook struct {
	ID          string   `json:"id" example:"wh_01JS8X2W5Q7K3M9N4P6R8T0V33"`
	URL         string   `json:"url" format:"uri" example:"https://cms.example.org/hooks/verbatim"`
	Description string   `json:"description" example:"Re-render stories when a quote they embed is re-rated"`
	EventTypes  []string `json:"event_types" enums:"quote.created,quote.updated,quote.deleted,quote.merged,quote.unmerged,quote.reappeared,appearance.created,appearance.updated,verdict.created,citation.created,citation.updated,citation.deleted,speaker.created,speaker.updated,speaker.deleted,speaker.merged,speaker.unmerged,outlet.created,outlet.updated,outlet.deleted,outlet.merged,outlet.unmerged" example:"verdict.created,quote.updated"`
	Watches     Watches  `json:"watches"`
	// Enabled is false once the endpoint answered 410 Gone or failed for
	// DisableAfter; DisabledReason says which. A PATCH with enabled true turns it on.
	Enabled        bool       `json:"enabled" example:"true"`
	DisabledReason *string    `json:"disabled_reason" extensions:"x-nullable"`
	FailingSince   *time.Time `json:"failing_since" extensions:"x-nullable" format:"date-time"`
	// SecretHint is the secret's first characters, to tell secrets apart.
	SecretHint string `json:"secret_hint" example:"whsec_Zm9v"`
	// PreviousSecretUntil is when the secret before the last rotation stops being sent
	// beside the current one.
	PreviousSecretUntil *time.Time `json:"previous_secret_until" extensions:"x-nullable" format:"date-time"`
	CreatedBy           string     `json:"created_by" example:"admin"`
	Version             int64      `json:"version" example:"1"`
	CreatedAt           time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt           time.Time  `json:"updated_at" format:"date-time"`

	// Secret and PreviousSecret sign messages; never serialised.
	Secret         string `json:"-"`
	PreviousSecret string `json:"-"`
} //@name Webhook

// WebhookInput registers an endpoint.
type WebhookInput struct {
	URL         string   `json:"url" format:"uri" validate:"required,web_url,max=2048" example:"https://cms.example.org/hooks/verbatim"`
	Description string   `json:"description,omitempty" validate:"max=500"`
	EventTypes  []string `json:"event_types" validate:"required,min=1,max=40,dive,event_type" enums:"quote.created,quote.updated,quote.deleted,quote.merged,quote.unmerged,quote.reappeared,appearance.created,appearance.updated,verdict.created,citation.created,citation.updated,citation.deleted,speaker.created,speaker.updated,speaker.deleted,speaker.merged,speaker.unmerged,outlet.created,outlet.updated,outlet.deleted,outlet.merged,outlet.unmerged" example:"verdict.created,quote.updated"`
	Watches     *Watches `json:"watches,omitempty"`
} //@name WebhookCreate

// WebhookPatch changes the given fields of an endpoint.
type WebhookPatch struct {
	URL         Field[string]   `json:"url,omitempty" swaggertype:"string" format:"uri" validate:"omitempty,web_url,max=2048"`
	Description Field[string]   `json:"description,omitempty" swaggertype:"string" validate:"omitempty,max=500"`
	EventTypes  Field[[]string] `json:"event_types,omitempty" swaggertype:"array,string" binding:"optional" validate:"omitempty,min=1,max=40,dive,event_type" enums:"quote.created,quote.updated,quote.deleted,quote.merged,quote.unmerged,quote.reappeared,appearance.created,appearance.updated,verdict.created,citation.created,citation.updated,citation.deleted,speaker.created,speaker.updated,speaker.deleted,speaker.merged,speaker.unmerged,outlet.created,outlet.updated,outlet.deleted,outlet.merged,outlet.unmerged"`
	// Watches, when given, replace the endpoint's; {} watches everything again.
	Watches *Watches    `json:"watches,omitempty"`
	Enabled Field[bool] `json:"enabled,omitempty" swaggertype:"boolean"`
} //@name WebhookPatch

// SecretOverlap is how long, after a rotation, messages are signed with the old secret
// beside the new: time to deploy the new one on the receiving side.
const SecretOverlap = 24 * time.Hour

// newSecret is whsec_ and the base64 of 32 random bytes, as Standard Webhooks has them.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

// SecretHint is the start of a secret, enough to tell two apart and not to sign.
func SecretHint(s string) string { return s[:min(len(s), 10)] }

func findWebhook(ctx context.Context, tx Tx, id string, lock bool) (*Webhook, error) {
	w, err := tx.Webhook(ctx, id, lock)
	if errors.Is(err, ErrNoRow) {
		return nil, errorf(NotFound, "", "no webhook with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read webhook: %w", err)
	}
	return w, nil
}

// CreateWebhook registers an endpoint and returns it with its secret, shown this once.
func (d *DB) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, string, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, "", err
	}
	if err := validateInput(&in); err != nil {
		return nil, "", err
	}
	now := d.now()
	w := &Webhook{ID: newID("wh_", now), URL: in.URL, Description: in.Description, EventTypes: uniqueStrings(in.EventTypes),
		Enabled: true, CreatedBy: actorOf(ctx).Name, Version: 1, CreatedAt: now, UpdatedAt: now, Secret: newSecret()}
	if in.Watches != nil {
		w.Watches = *in.Watches
	}
	w.Watches = w.Watches.normalized()
	w.SecretHint = SecretHint(w.Secret)
	err := d.write(ctx, func(tx Tx) error {
		// One endpoint per URL: a second registration of it (a setup script run twice)
		// would deliver every event twice.
		if err := tx.LockNames(ctx, "webhook", []string{URLKey(w.URL)}); err != nil {
			return fmt.Errorf("db: lock webhook url: %w", err)
		}
		all, err := tx.Webhooks(ctx)
		if err != nil {
			return fmt.Errorf("db: list webhooks: %w", err)
		}
		for _, other := range all {
			if URLKey(other.URL) == URLKey(w.URL) {
				return errorf(Conflict, "url", fmt.Sprintf("an endpoint for this URL exists already (%s): change it, or delete it first", other.ID))
			}
		}
		if err := tx.InsertWebhook(ctx, w); err != nil {
			return writeError("webhook", err)
		}
		return d.record(ctx, tx, newChange("create", "webhook", w.ID, "", nil, w))
	})
	if err != nil {
		return nil, "", err
	}
	return w, w.Secret, nil
}

func uniqueStrings(s []string) []string {
	out := []string{}
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Webhook returns an endpoint. NotFound.
func (d *DB) Webhook(ctx context.Context, id string) (*Webhook, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	return findWebhook(ctx, d.eng.Reads(), id, false)
}

// Webhooks lists every endpoint, oldest first.
func (d *DB) Webhooks(ctx context.Context) ([]*Webhook, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	ws, err := d.eng.Reads().Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: list webhooks: %w", err)
	}
	return ws, nil
}

// UpdateWebhook applies patch to an endpoint; turning it on clears why it was turned off.
// NotFound, PreconditionFailed.
func (d *DB) UpdateWebhook(ctx context.Context, id string, ifMatch []int64, p WebhookPatch) (*Webhook, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&p); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		null bool
	}{{"url", p.URL.Null}, {"event_types", p.EventTypes.Null}, {"enabled", p.Enabled.Null}} {
		if f.null {
			return nil, errorf(Malformed, f.name, "cannot be null; leave it out to keep the stored value")
		}
	}
	var out *Webhook
	err := d.write(ctx, func(tx Tx) error {
		cur, err := findWebhook(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		next := *cur
		if err := applyPatch(&next, &p, "watches"); err != nil {
			return err
		}
		next.EventTypes = uniqueStrings(next.EventTypes)
		if p.Watches != nil {
			next.Watches = p.Watches.normalized()
		}
		if next.Enabled && !cur.Enabled {
			next.DisabledReason, next.FailingSince = nil, nil
		}
		if !next.Enabled && cur.Enabled {
			next.DisabledReason = ptr("turned off by " + actorOf(ctx).Name)
		}
		out = &next
		c := newChange("update", "webhook", id, "", cur, &next)
		if c.none() {
			return nil
		}
		next.Version, next.UpdatedAt = cur.Version+1, d.now()
		if err := tx.UpdateWebhook(ctx, cur, &next); err != nil {
			return writeError("webhook", err)
		}
		if cur.Enabled && !next.Enabled {
			if err := failTurnedOff(ctx, tx, next.UpdatedAt); err != nil {
				return err
			}
		}
		return d.record(ctx, tx, c)
	})
	return out, err
}

// DeleteWebhook removes an endpoint with its deliveries. NotFound, PreconditionFailed.
func (d *DB) DeleteWebhook(ctx context.Context, id string, ifMatch []int64) error {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		cur, err := findWebhook(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		if err := tx.DeleteWebhook(ctx, id); err != nil {
			return writeError("webhook", err)
		}
		return d.record(ctx, tx, newChange("delete", "webhook", id, "", cur, nil))
	})
}

// RotateWebhookSecret gives an endpoint a new secret, returned this once; for
// SecretOverlap the old one signs messages beside it. NotFound.
func (d *DB) RotateWebhookSecret(ctx context.Context, id string) (*Webhook, string, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, "", err
	}
	var next Webhook
	err := d.write(ctx, func(tx Tx) error {
		cur, err := findWebhook(ctx, tx, id, true)
		if err != nil {
			return err
		}
		next = *cur
		now := d.now()
		next.PreviousSecret, next.PreviousSecretUntil = cur.Secret, ptr(now.Add(SecretOverlap))
		next.Secret = newSecret()
		next.SecretHint = SecretHint(next.Secret)
		next.Version, next.UpdatedAt = cur.Version+1, now
		if err := tx.UpdateWebhook(ctx, cur, &next); err != nil {
			return writeError("webhook", err)
		}
		return d.record(ctx, tx, newChange("rotate", "webhook", id, "", cur, &next))
	})
	if err != nil {
		return nil, "", err
	}
	return &next, next.Secret, nil
}

// event is a change as the outbox keeps it.
type Event struct {
	Seq        int64
	ID         string // msg_…: the webhook-id of every delivery of it
	Type       string
	Resource   string
	ResourceID string
	QuoteID    *string
	Version    *int64
	Changed    []string
	// Into is, for a merge (speaker.merged, outlet.merged, quote.merged) or its undoing,
	// the survivor; for quote.reappeared, the appearance.
	Into      *string
	CreatedAt time.Time
}

// subject is what a change touches, for watches: the resource and, for a quote or what
// hangs off one, the quote, its speaker, its outlet and its tags (before and after).
type subject struct {
	speakers, quotes, outlets, tags []string
}

func (s *subject) addQuote(q *Quote) {
	if q == nil {
		return
	}
	s.quotes = append(s.quotes, q.ID)
	s.speakers = append(s.speakers, q.Speaker.ID)
	if q.Outlet != nil {
		s.outlets = append(s.outlets, q.Outlet.ID)
	}
	s.tags = append(s.tags, q.Tags...)
}

func (s *subject) touches(w Watches) bool {
	hit := func(a, b []string) bool {
		for _, x := range a {
			if slices.Contains(b, x) {
				return true
			}
		}
		return false
	}
	return hit(w.Speakers, s.speakers) || hit(w.Quotes, s.quotes) || hit(w.Outlets, s.outlets) || hit(w.Tags, s.tags)
}

// eventType maps an audited write to the event it is; "" for writes no endpoint hears of
// (keys, webhooks themselves).
func eventType(action, resource string) string {
	switch resource {
	case "quote", "citation", "appearance", "speaker", "outlet":
		switch action {
		case "reappear":
			return resource + ".reappeared"
		case "create":
			return resource + ".created"
		case "update":
			return resource + ".updated"
		case "delete":
			return resource + ".deleted"
		case "merge":
			return resource + ".merged"
		case "unmerge":
			return resource + ".unmerged"
		}
	case "verdict":
		return "verdict.created"
	}
	return ""
}

// endpoints are the enabled endpoints, read in the writing transaction: on its own
// connection (a transaction waiting for a second connection of a pool its peers hold
// would wait for ever) and as committed when the write looks.
func endpoints(ctx context.Context, tx Tx) ([]*Webhook, error) {
	all, err := tx.Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: read webhooks: %w", err)
	}
	on := all[:0]
	for _, w := range all {
		if w.Enabled {
			on = append(on, w)
		}
	}
	return on, nil
}

// emit writes, in the writing transaction, the events of writes for the endpoints that
// want them: the outbox. A write with no endpoint listening writes nothing more.
func (d *DB) emit(ctx context.Context, tx Tx, changes ...change) error {
	if !slices.ContainsFunc(changes, func(c change) bool { return eventType(c.action, c.resource) != "" }) {
		return nil // keys, endpoints: nothing an endpoint hears of
	}
	ws, err := endpoints(ctx, tx)
	if err != nil || len(ws) == 0 {
		return err
	}
	var out []Outgoing
	at := d.now()
	for _, c := range changes {
		if c.none() {
			continue
		}
		typ := eventType(c.action, c.resource)
		if typ == "" {
			continue
		}
		var sub *subject
		var to []Recipient
		for _, w := range ws {
			if !slices.Contains(w.EventTypes, typ) {
				continue
			}
			if !w.Watches.empty() {
				if sub == nil {
					if sub, err = d.subjectOf(ctx, tx, c); err != nil {
						return err
					}
				}
				if !sub.touches(w.Watches) {
					continue
				}
			}
			to = append(to, Recipient{DeliveryID: newID("dlv_", at), WebhookID: w.ID})
		}
		if len(to) == 0 {
			continue
		}
		e := &Event{ID: newID("msg_", at), Type: typ, Resource: c.resource, ResourceID: c.id,
			QuoteID: c.quoteID, Version: versionOf(c.after, c.before), CreatedAt: at, Changed: []string{}}
		if c.action == "update" {
			e.Changed = c.names()
		}
		if c.into != "" {
			e.Into = &c.into
		}
		if c.appearance != "" {
			e.Into = &c.appearance // a reappearance's other resource: its appearance
		}
		out = append(out, Outgoing{Event: e, To: to})
	}
	if len(out) == 0 {
		return nil
	}
	if err := tx.InsertEvents(ctx, out); err != nil {
		return fmt.Errorf("db: write webhook events: %w", err)
	}
	return nil
}

// subjectOf is what a change touches. A verdict or citation touches its quote, read in the
// transaction (the values audit holds name only its ID).
func (d *DB) subjectOf(ctx context.Context, tx Tx, c change) (*subject, error) {
	s := &subject{}
	for _, v := range []any{c.before, c.after} {
		switch v := v.(type) {
		case *Quote:
			s.addQuote(v)
		case *Speaker:
			if v != nil {
				s.speakers = append(s.speakers, v.ID)
			}
		case *Outlet:
			if v != nil {
				s.outlets = append(s.outlets, v.ID)
			}
		}
	}
	if c.into != "" { // a merge touches both: watches on either hear of it
		switch c.resource {
		case "outlet":
			s.outlets = append(s.outlets, c.into)
		case "quote":
			s.quotes = append(s.quotes, c.into)
		default:
			s.speakers = append(s.speakers, c.into)
		}
	}
	if c.resource != "quote" && c.quoteID != nil {
		q, err := tx.Quote(ctx, *c.quoteID, false)
		if err != nil && !errors.Is(err, ErrNoRow) {
			return nil, fmt.Errorf("db: read the quote of a change: %w", err)
		}
		s.addQuote(q)
	}
	return s, nil
}

// versionOf is the version a change left the resource at (the last it had, for a
// deletion); nil for resources without one (verdicts).
func versionOf(after, before any) *int64 {
	v := after
	if isNil(v) {
		v = before
	}
	switch r := v.(type) {
	case *Quote:
		return &r.Version
	case *Citation:
		return &r.Version
	case *Speaker:
		return &r.Version
	case *Outlet:
		return &r.Version
	case *Appearance:
		return &r.Version
	}
	return nil
}

func isNil(v any) bool {
	switch r := v.(type) {
	case nil:
		return true
	case *Quote:
		return r == nil
	case *Citation:
		return r == nil
	case *Speaker:
		return r == nil
	case *Outlet:
		return r == nil
	case *Verdict:
		return r == nil
	}
	return false
}
