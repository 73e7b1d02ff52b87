// Package webhook sends the events the database's outbox holds to the endpoints that
// want them, as the Standard Webhooks specification has it (standardwebhooks.com): a
// thin JSON payload, signed with HMAC-SHA256 under the endpoint's secret, with the
// webhook-id, webhook-timestamp and webhook-signature headers receivers verify with
// existing libraries. Delivery is at least once: an attempt that fails is made again on
// a schedule, with the same webhook-id, until the endpoint answers 2xx, answers 410 Gone,
// or the schedule is spent.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// Message is the body of every delivery: what changed, not the resource itself — the
// receiver fetches that from the URL, with its own key, and so never acts on a stale
// copy of a resource that changed again since.
type Message struct {
	// Type is the event: quote.created, verdict.created, … or webhook.ping.
	Type string `json:"type" example:"verdict.created"`
	// Timestamp is when the change was committed.
	Timestamp time.Time   `json:"timestamp" format:"date-time"`
	Data      MessageData `json:"data"`
} //@name WebhookPayload

// MessageData names the resource that changed.
type MessageData struct {
	ID       string `json:"id" example:"v_01JS8X2W5Q7K3M9N4P6R8T0V31"`
	Resource string `json:"resource" enums:"quote,verdict,citation,appearance,speaker,outlet,webhook" example:"verdict"`
	// Version is the version the change left the resource at (the last it had, for a
	// deletion); null for verdicts, which have none — their quote's moved.
	Version *int64 `json:"version" extensions:"x-nullable" example:"3"`
	// URL is where the resource is read, with an API key.
	URL string `json:"url" format:"uri" example:"https://verbatim.example.org/v1/quotes/q_01JS8X2W5Q7K3M9N4P6R8T0V2Z/verdicts/v_01JS8X2W5Q7K3M9N4P6R8T0V31"`
	// QuoteID is the quote a verdict or citation belongs to, or the quote itself.
	QuoteID *string `json:"quote_id" extensions:"x-nullable" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	// Changed lists the fields an update changed; empty for other events.
	Changed []string `json:"changed" example:"text,tags"`
	// MergedInto is, for speaker.merged and outlet.merged (and their undoing), the
	// survivor: the merged ID (id) redirects to it, and url is the survivor's.
	MergedInto *string `json:"merged_into" extensions:"x-nullable" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	// AppearanceURL is, for quote.reappeared, the new appearance of the checked quote (url
	// is the quote, with its current verdict).
	AppearanceURL *string `json:"appearance_url,omitempty" format:"uri" example:"https://verbatim.example.org/v1/quotes/q_01JS8X2W5Q7K3M9N4P6R8T0V2Z/appearances/app_01JS8X2W5Q7K3M9N4P6R8T0V50"`
} //@name WebhookPayloadData

// NewMessage is the payload of event e, its URL under base (the API's public URL).
func NewMessage(e *db.Event, base string) Message {
	base = strings.TrimSuffix(base, "/")
	esc := url.PathEscape
	var path string
	var appearance *string
	switch e.Resource {
	case "quote":
		id := e.ResourceID
		switch {
		case e.Into != nil && e.Type == "quote.reappeared":
			// Into holds, for a reappearance, the appearance.
			u := base + "/v1/quotes/" + esc(id) + "/appearances/" + esc(*e.Into)
			appearance = &u
		case e.Into != nil && e.Type == "quote.merged":
			id = *e.Into // the merged ID only redirects there
		}
		path = "/v1/quotes/" + esc(id)
	case "citation", "verdict", "appearance":
		q := ""
		if e.QuoteID != nil {
			q = *e.QuoteID
		}
		path = "/v1/quotes/" + esc(q) + "/" + e.Resource + "s/" + esc(e.ResourceID)
	case "speaker", "outlet", "webhook":
		id := e.ResourceID
		if e.Into != nil && strings.HasSuffix(e.Type, ".merged") {
			id = *e.Into // the merged ID only redirects there
		}
		path = "/v1/" + e.Resource + "s/" + esc(id)
	}
	changed := e.Changed
	if changed == nil {
		changed = []string{}
	}
	into := e.Into
	if appearance != nil {
		into = nil
	}
	return Message{Type: e.Type, Timestamp: e.CreatedAt, Data: MessageData{ID: e.ResourceID, Resource: e.Resource,
		Version: e.Version, URL: base + path, QuoteID: e.QuoteID, Changed: changed,
		MergedInto: into, AppearanceURL: appearance}}
}

// Sign returns the webhook-signature header of a message: "v1,<signature>" for each
// secret, space-separated, the signature being the base64 of the HMAC-SHA256 of
// "<id>.<timestamp>.<body>" keyed with the secret's bytes (the base64 after "whsec_").
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	content := id + "." + strconv.FormatInt(ts.Unix(), 10) + "."
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil {
			return "", fmt.Errorf("webhook: a secret is not base64: %w", err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(content))
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}
