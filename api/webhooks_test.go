package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/outbound"
	"github.com/verbatimhq/verbatim/webhook"
)

// received is one request a receiver got.
type received struct {
	ID, Timestamp, Signature string
	Body                     []byte
	Message                  webhook.Message
}

// receiver is a webhook endpoint on a port of its own: it records what it is sent and
// answers with the statuses answer gives, in turn (200 once they run out).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	answers []int
	header  http.Header // sent with every answer
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers, header: http.Header{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var m webhook.Message
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("a delivery's body is not a message: %v: %s", err, body)
		}
		r.mu.Lock()
		r.got = append(r.got, received{ID: req.Header.Get("webhook-id"), Timestamp: req.Header.Get("webhook-timestamp"),
			Signature: req.Header.Get("webhook-signature"), Body: body, Message: m})
		status := http.StatusOK
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		for k, v := range r.header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "answered %d", status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) port() int {
	u, _ := url.Parse(r.URL)
	p, _ := strconv.Atoi(u.Port())
	return p
}

// dispatch runs a dispatcher over store until the test ends, with a fast schedule,
// allowed to reach the receivers' ports on loopback.
func dispatch(t *testing.T, store *db.DB, allowPrivate bool, ports ...int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &webhook.Dispatcher{DB: store, BaseURL: "https://verbatim.example",
		Client:   outbound.New(outbound.Options{AllowPrivate: allowPrivate, Ports: ports, Timeout: 2 * time.Second}),
		Schedule: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}, Poll: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// eventually polls cond until it holds or 15 seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hook registers an endpoint through the API and returns it with its secret.
func (e *env) hook(body string) api.WebhookCreated {
	e.t.Helper()
	var w api.WebhookCreated
	if res := e.create("/v1/webhooks", body, &w); res.Code != http.StatusCreated {
		e.t.Fatalf("create webhook: %d %s", res.Code, res.Body)
	}
	return w
}

// verify checks every request r got against the endpoint's secret with the Standard
// Webhooks library, and its body against the document's WebhookPayload schema.
func verify(t *testing.T, secret string, got []received) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	schema := contractSpec.Components.Schemas["WebhookPayload"]
	if schema == nil {
		t.Fatal("openapi.yaml has no WebhookPayload schema")
	}
	for _, r := range got {
		h := http.Header{}
		h.Set("webhook-id", r.ID)
		h.Set("webhook-timestamp", r.Timestamp)
		h.Set("webhook-signature", r.Signature)
		if err := wh.Verify(r.Body, h); err != nil {
			t.Errorf("delivery %s does not verify: %v", r.ID, err)
		}
		var v any
		_ = json.Unmarshal(r.Body, &v)
		if err := schema.Value.VisitJSON(v); err != nil {
			t.Errorf("delivery %s breaks WebhookPayload: %v\n%s", r.ID, err, r.Body)
		}
	}
}

func events(got []received) []string {
	var out []string
	for _, r := range got {
		out = append(out, r.Message.Type+" "+r.Message.Data.ID)
	}
	slices.Sort(out)
	return out
}

// Endpoints with watches hear exactly what concerns them, signed so the Standard
// Webhooks library verifies it, in the documented shape; an endpoint of everything hears
// everything once.
func TestWebhookWatchesDeliverExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	everything, bySpeaker, byTag, verdicts := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
	dispatch(t, e.store, true, everything.port(), bySpeaker.port(), byTag.port(), verdicts.port())

	var q, other db.Quote
	e.create("/v1/quotes", `{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "tags": ["nato"]}`, &q)
	all := e.hook(`{"url": "` + everything.URL + `/h", "event_types": ["quote.created", "quote.updated", "quote.deleted",
		"verdict.created", "citation.created", "citation.deleted", "speaker.created", "speaker.updated", "outlet.created"]}`)
	sp := e.hook(`{"url": "` + bySpeaker.URL + `/h", "event_types": ["quote.created", "quote.updated", "verdict.created", "citation.created"],
		"watches": {"speakers": ["` + q.Speaker.ID + `"]}}`)
	tag := e.hook(`{"url": "` + byTag.URL + `/h", "event_types": ["quote.created", "quote.updated", "verdict.created"],
		"watches": {"tags": ["NATO"]}}`)
	vd := e.hook(`{"url": "` + verdicts.URL + `/h", "event_types": ["verdict.created"]}`)

	e.create("/v1/quotes", `{"text": "Grain is not on the table", "speaker_name": "Somebody Else", "tags": ["grain"]}`, &other)
	var q2 db.Quote
	e.create("/v1/quotes", `{"text": "Sanctions stay", "speaker_id": "`+q.Speaker.ID+`"}`, &q2)
	var cit db.Citation
	e.create("/v1/quotes/"+q.ID+"/citations", `{"url": "https://www.foxnews.com/video/1", "relation": "primary"}`, &cit)
	var v db.Verdict
	e.create("/v1/quotes/"+q.ID+"/verdicts", `{"attribution": "verified", "summary": "On tape.", "citation_ids": ["`+cit.ID+`"]}`, &v)
	var v2 db.Verdict
	e.create("/v1/quotes/"+other.ID+"/verdicts", `{"attribution": "disputed", "summary": "Sources conflict."}`, &v2)
	if res := e.do("PATCH", "/v1/quotes/"+other.ID, `{"tags": ["grain", "nato"]}`); res.Code != 200 {
		t.Fatalf("retag: %d %s", res.Code, res.Body)
	}
	var kw db.Quote
	_ = json.Unmarshal(e.do("GET", "/v1/quotes/"+q2.ID, "").Body, &kw)

	want := map[*receiver][]string{
		everything: {"quote.created " + other.ID, "speaker.created " + other.Speaker.ID, "quote.created " + q2.ID,
			"citation.created " + cit.ID, "verdict.created " + v.ID, "verdict.created " + v2.ID, "quote.updated " + other.ID},
		bySpeaker: {"quote.created " + q2.ID, "citation.created " + cit.ID, "verdict.created " + v.ID},
		byTag:     {"verdict.created " + v.ID, "quote.updated " + other.ID},
		verdicts:  {"verdict.created " + v.ID, "verdict.created " + v2.ID},
	}
	for r, w := range want {
		slices.Sort(w)
		eventually(t, "the deliveries", func() bool { return len(r.requests()) >= len(w) })
		time.Sleep(100 * time.Millisecond) // nothing more arrives
		if got := events(r.requests()); !slices.Equal(got, w) {
			t.Errorf("%s received\n  %v\nwant\n  %v", r.URL, got, w)
		}
	}
	verify(t, all.Secret, everything.requests())
	verify(t, sp.Secret, bySpeaker.requests())
	verify(t, tag.Secret, byTag.requests())
	verify(t, vd.Secret, verdicts.requests())
	for _, r := range byTag.requests() {
		m := r.Message
		if m.Type == "quote.updated" && (!slices.Equal(m.Data.Changed, []string{"tags"}) || m.Data.Version == nil || *m.Data.Version != 3 ||
			m.Data.URL != "https://verbatim.example/v1/quotes/"+other.ID) {
			t.Errorf("quote.updated payload %+v", m.Data)
		}
		if m.Type == "verdict.created" && (m.Data.QuoteID == nil || *m.Data.QuoteID != q.ID ||
			m.Data.URL != "https://verbatim.example/v1/quotes/"+q.ID+"/verdicts/"+v.ID) {
			t.Errorf("verdict.created payload %+v", m.Data)
		}
	}
	// The delivery log agrees, each delivery succeeded at its first attempt.
	var log api.DeliveryList
	if res := e.do("GET", "/v1/webhooks/"+all.Webhook.ID+"/deliveries?state=succeeded&limit=100", ""); res.Code != 200 {
		t.Fatalf("deliveries: %d %s", res.Code, res.Body)
	} else {
		res.decode(t, &log)
	}
	if len(log.Data) != len(want[everything]) {
		t.Errorf("%d succeeded deliveries in the log, want %d", len(log.Data), len(want[everything]))
	}
	for _, dl := range log.Data {
		if dl.Attempts != 1 || dl.LastStatus == nil || *dl.LastStatus != 200 {
			t.Errorf("delivery %+v", dl)
		}
	}
}

// A receiver failing twice then answering gets three attempts of one message, with one
// webhook-id; the log shows each attempt with its status and the start of the answer.
func TestWebhookRetriesKeepTheID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t, 500, 503, 200)
	dispatch(t, e.store, true, r.port())
	w := e.hook(`{"url": "` + r.URL + `", "event_types": ["outlet.created"]}`)
	var o db.Outlet
	e.create("/v1/outlets", `{"name": "Reuters"}`, &o)
	eventually(t, "three attempts", func() bool { return len(r.requests()) >= 3 })
	got := r.requests()
	for _, g := range got {
		if g.ID != got[0].ID || g.Message.Data.ID != o.ID {
			t.Errorf("attempt with webhook-id %s for %s, the first was %s", g.ID, g.Message.Data.ID, got[0].ID)
		}
	}
	verify(t, w.Secret, got)
	var list api.DeliveryList
	eventually(t, "the delivery settled", func() bool {
		e.do("GET", "/v1/webhooks/"+w.Webhook.ID+"/deliveries", "").decode(t, &list)
		return len(list.Data) == 1 && list.Data[0].State == "succeeded"
	})
	var detail api.DeliveryDetail
	e.do("GET", "/v1/webhooks/"+w.Webhook.ID+"/deliveries/"+list.Data[0].ID, "").decode(t, &detail)
	var statuses []int
	for _, a := range detail.Attempts {
		statuses = append(statuses, *a.Status)
		if a.Response == nil || !strings.HasPrefix(*a.Response, "answered") {
			t.Errorf("attempt %d kept no answer: %+v", a.N, a)
		}
	}
	if !slices.Equal(statuses, []int{500, 503, 200}) || detail.Delivery.EventID != got[0].ID || len(got) != 3 ||
		detail.Payload.Data.ID != o.ID || detail.Payload.Type != "outlet.created" {
		t.Errorf("the log: statuses %v, event %s, %d requests, payload %+v", statuses, detail.Delivery.EventID, len(got), detail.Payload)
	}
	// Redelivered: once more, with the same webhook-id.
	if res := e.do("POST", "/v1/webhooks/"+w.Webhook.ID+"/deliveries/"+list.Data[0].ID+"/redeliver", ""); res.Code != http.StatusAccepted {
		t.Fatalf("redeliver: %d %s", res.Code, res.Body)
	}
	eventually(t, "the redelivery", func() bool { return len(r.requests()) == 4 })
	if again := r.requests()[3]; again.ID != got[0].ID {
		t.Errorf("redelivered with webhook-id %s, first sent as %s", again.ID, got[0].ID)
	}
}

// An endpoint turned off keeps no backlog: what was pending fails unsent, saying so, and
// nothing floods it when it is turned on; recovering from a moment sends what it missed,
// once each, with the webhook-ids they had.
func TestWebhookTurnedOffThenRecovered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	w := e.hook(`{"url": "` + r.URL + `", "event_types": ["speaker.created"]}`)
	path := "/v1/webhooks/" + w.Webhook.ID
	since := time.Now().UTC().Add(-time.Second).Format(time.RFC3339)
	for _, name := range []string{"Ann Example", "Bob Example", "Cy Example"} {
		e.create("/v1/speakers", `{"name": "`+name+`"}`, &db.Speaker{})
	}
	if res := e.do("PATCH", path, `{"enabled": false}`); res.Code != http.StatusOK {
		t.Fatalf("turn off: %d %s", res.Code, res.Body)
	}
	var list api.DeliveryList
	e.do("GET", path+"/deliveries?state=failed", "").decode(t, &list)
	if len(list.Data) != 3 || list.Data[0].LastError == nil || *list.Data[0].LastError != db.TurnedOff {
		t.Fatalf("turned off, the deliveries: %+v", list.Data)
	}
	if res := e.do("POST", path+"/recover", `{"since": "`+since+`"}`); res.Code != http.StatusConflict {
		t.Errorf("recover while off: %d %s", res.Code, res.Body)
	}
	if res := e.do("POST", path+"/deliveries/"+list.Data[0].ID+"/redeliver", ""); res.Code != http.StatusConflict {
		t.Errorf("redeliver while off: %d %s", res.Code, res.Body)
	}
	if res := e.do("PATCH", path, `{"enabled": true}`); res.Code != http.StatusOK {
		t.Fatalf("turn on: %d %s", res.Code, res.Body)
	}
	dispatch(t, e.store, true, r.port())
	time.Sleep(300 * time.Millisecond)
	if n := len(r.requests()); n != 0 {
		t.Fatalf("turned on, the endpoint got %d requests nobody asked for", n)
	}
	var got db.Recovered
	if res := e.do("POST", path+"/recover", `{"since": "`+since+`"}`); res.Code != http.StatusAccepted {
		t.Fatalf("recover: %d %s", res.Code, res.Body)
	} else {
		res.decode(t, &got)
	}
	if got.Requeued != 3 {
		t.Errorf("recovered %d, want 3", got.Requeued)
	}
	eventually(t, "the recovered deliveries", func() bool { return len(r.requests()) == 3 })
	ids := map[string]bool{}
	for _, d := range list.Data {
		ids[d.EventID] = true
	}
	for _, g := range r.requests() {
		if !ids[g.ID] {
			t.Errorf("a recovered delivery came with webhook-id %s, not one of the originals", g.ID)
		}
	}
	verify(t, w.Secret, r.requests())
}

// What an endpoint answers decides what becomes of it: 410 turns it off, saying why; a
// redirect is a failure, never followed; Retry-After is honoured.
func TestWebhookAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	gone := newReceiver(t, http.StatusGone)
	target := newReceiver(t)
	redirecting := newReceiver(t, slices.Repeat([]int{http.StatusFound}, 8)...)
	redirecting.header.Set("Location", target.URL)
	later := newReceiver(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	later.header.Set("Retry-After", "3600")
	dispatch(t, e.store, true, gone.port(), target.port(), redirecting.port(), later.port())
	g := e.hook(`{"url": "` + gone.URL + `", "event_types": ["speaker.created"]}`)
	rd := e.hook(`{"url": "` + redirecting.URL + `", "event_types": ["speaker.created"]}`)
	lt := e.hook(`{"url": "` + later.URL + `", "event_types": ["speaker.created"]}`)
	e.create("/v1/speakers", `{"name": "Ann Example"}`, &db.Speaker{})

	var hook db.Webhook
	eventually(t, "the endpoint answering 410 turned off", func() bool {
		e.do("GET", "/v1/webhooks/"+g.Webhook.ID, "").decode(t, &hook)
		return !hook.Enabled
	})
	if hook.DisabledReason == nil || !strings.Contains(*hook.DisabledReason, "410") || hook.Version != g.Webhook.Version+1 {
		t.Errorf("turned off: %+v", hook)
	}
	e.create("/v1/speakers", `{"name": "Bob Example"}`, &db.Speaker{})
	eventually(t, "every redirect attempt", func() bool { return len(redirecting.requests()) == 8 })
	if n := len(target.requests()); n != 0 {
		t.Errorf("the redirect was followed: %d requests at its target", n)
	}
	var list api.DeliveryList
	eventually(t, "the redirected deliveries failed", func() bool {
		e.do("GET", "/v1/webhooks/"+rd.Webhook.ID+"/deliveries?state=failed", "").decode(t, &list)
		return len(list.Data) == 2
	})
	if d := list.Data[0]; d.LastStatus == nil || *d.LastStatus != 302 || d.LastError == nil || !strings.Contains(*d.LastError, "redirect") {
		t.Errorf("a redirected delivery: %+v", d)
	}
	time.Sleep(200 * time.Millisecond) // past the schedule's first waits
	if n := len(gone.requests()); n != 1 {
		t.Errorf("the endpoint that answered 410 got %d requests", n)
	}
	e.do("GET", "/v1/webhooks/"+lt.Webhook.ID+"/deliveries?state=pending", "").decode(t, &list)
	if len(later.requests()) != 2 || len(list.Data) != 2 || list.Data[0].NextAttemptAt == nil ||
		time.Until(*list.Data[0].NextAttemptAt) < 50*time.Minute {
		t.Errorf("Retry-After 3600: %d requests, pending %+v", len(later.requests()), list.Data)
	}
}

// Deliveries to private addresses are refused unless the operator allows them: the
// attempt is recorded with the refusal, the receiver hears nothing. The API refuses an
// endpoint whose URL no delivery could reach.
func TestWebhookPrivateAddressesRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	dispatch(t, e.store, false, r.port())
	w := e.hook(`{"url": "http://localhost:` + strconv.Itoa(r.port()) + `/h", "event_types": ["outlet.created"]}`)
	e.create("/v1/outlets", `{"name": "AP"}`, &db.Outlet{})
	var list api.DeliveryList
	eventually(t, "an attempt", func() bool {
		e.do("GET", "/v1/webhooks/"+w.Webhook.ID+"/deliveries", "").decode(t, &list)
		return len(list.Data) == 1 && list.Data[0].Attempts > 0
	})
	if d := list.Data[0]; d.LastError == nil || !strings.Contains(*d.LastError, "loopback") || d.LastStatus != nil {
		t.Errorf("the refused delivery: %+v", d)
	}
	if n := len(r.requests()); n != 0 {
		t.Errorf("the receiver got %d requests", n)
	}
	guarded := newServerConfig(e, api.Config{CheckWebhookURL: outbound.New(outbound.Options{}).CheckURL})
	for _, u := range []string{"http://127.0.0.1/h", "http://169.254.169.254/latest/meta-data/", "https://cms.example.org:8080/h",
		"ftp://cms.example.org/", "http://[::1]/h"} {
		req := httptest.NewRequest("POST", "/v1/webhooks", strings.NewReader(`{"url": "`+u+`", "event_types": ["quote.created"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.admin)
		res := serve(guarded, req)
		checkContract(t, req, res)
		if res.Code != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"field":"url"`) {
			t.Errorf("registering %s: %d %s", u, res.Code, res.Body)
		}
	}
}

// During a rotation's overlap every message carries two signatures, each verifying with
// its own secret; the ping reaches an endpoint that is turned off.
func TestWebhookRotationAndPing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	dispatch(t, e.store, true, r.port())
	w := e.hook(`{"url": "` + r.URL + `", "event_types": ["outlet.created"]}`)
	var rotated api.WebhookCreated
	if res := e.do("POST", "/v1/webhooks/"+w.Webhook.ID+"/secret", ""); res.Code != 200 {
		t.Fatalf("rotate: %d %s", res.Code, res.Body)
	} else {
		res.decode(t, &rotated)
	}
	if rotated.Secret == w.Secret || rotated.Webhook.PreviousSecretUntil == nil || rotated.Webhook.SecretHint != rotated.Secret[:10] {
		t.Fatalf("rotated: %+v", rotated)
	}
	e.create("/v1/outlets", `{"name": "AFP"}`, &db.Outlet{})
	eventually(t, "the delivery", func() bool { return len(r.requests()) == 1 })
	got := r.requests()
	if n := len(strings.Fields(got[0].Signature)); n != 2 {
		t.Errorf("%d signatures during the overlap", n)
	}
	verify(t, w.Secret, got)
	verify(t, rotated.Secret, got)

	if res := e.do("PATCH", "/v1/webhooks/"+w.Webhook.ID, `{"enabled": false}`); res.Code != 200 {
		t.Fatalf("turn off: %d %s", res.Code, res.Body)
	}
	e.create("/v1/outlets", `{"name": "DPA"}`, &db.Outlet{})
	var dl db.Delivery
	if res := e.do("POST", "/v1/webhooks/"+w.Webhook.ID+"/ping", ""); res.Code != http.StatusAccepted {
		t.Fatalf("ping: %d %s", res.Code, res.Body)
	} else {
		res.decode(t, &dl)
	}
	eventually(t, "the ping", func() bool { return len(r.requests()) == 2 })
	ping := r.requests()[1]
	if ping.Message.Type != db.PingEvent || ping.ID != dl.EventID || ping.Message.Data.ID != w.Webhook.ID {
		t.Errorf("ping: %+v", ping)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(r.requests()); n != 2 {
		t.Errorf("a turned-off endpoint got %d requests", n)
	}
}

// Two nodes on one database — two processes, as far as each can tell — share the
// outbox: each event is delivered once between them.
func TestTwoNodesDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := dbtest.Again(t, e.store)
	r := newReceiver(t)
	dispatch(t, e.store, true, r.port())
	dispatch(t, other, true, r.port())
	w := e.hook(`{"url": "` + r.URL + `", "event_types": ["speaker.created"]}`)
	const n = 120
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := e.store
			if i%2 == 1 {
				store = other
			}
			if _, err := store.CreateSpeaker(dbtest.Operator, db.SpeakerInput{Name: fmt.Sprintf("Speaker %d", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	eventually(t, "every event", func() bool { return len(r.requests()) >= n })
	time.Sleep(300 * time.Millisecond)
	seen := map[string]int{}
	for _, g := range r.requests() {
		seen[g.ID]++
	}
	if len(seen) != n || len(r.requests()) != n {
		t.Errorf("%d requests carrying %d events, want %d once each", len(r.requests()), len(seen), n)
	}
	verify(t, w.Secret, r.requests())
}

func TestWebhookBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.hook(`{"url": "https://cms.example.org/h", "event_types": ["quote.created"]}`)
	path := "/v1/webhooks/" + w.Webhook.ID
	runBad(t, e, []badCase{
		{"malformed JSON", "POST", "/v1/webhooks", `{"url": `, nil, 400, ""},
		{"missing url", "POST", "/v1/webhooks", `{"event_types": ["quote.created"]}`, nil, 422, "url"},
		{"not a web URL", "POST", "/v1/webhooks", `{"url": "javascript:alert(1)", "event_types": ["quote.created"]}`, nil, 422, "url"},
		{"no event types", "POST", "/v1/webhooks", `{"url": "https://a.example/", "event_types": []}`, nil, 422, "event_types"},
		{"unknown event type", "POST", "/v1/webhooks", `{"url": "https://a.example/", "event_types": ["quote.exploded"]}`, nil, 422, "event_types[0]"},
		{"wrong type", "POST", "/v1/webhooks", `{"url": "https://a.example/", "event_types": "quote.created"}`, nil, 400, "event_types"},
		{"unknown field", "POST", "/v1/webhooks", `{"url": "https://a.example/", "event_types": ["quote.created"], "secret": "mine"}`, nil, 400, "secret"},
		{"blank tag watched", "POST", "/v1/webhooks", `{"url": "https://a.example/", "event_types": ["quote.created"], "watches": {"tags": [" "]}}`, nil, 422, "watches.tags[0]"},
		{"null url", "PATCH", path, `{"url": null}`, nil, 400, "url"},
		{"null enabled", "PATCH", path, `{"enabled": null}`, nil, 400, "enabled"},
		{"stale If-Match", "PATCH", path, `{"description": "x"}`, []string{"If-Match", `"9"`}, 412, ""},
		{"unknown webhook", "GET", "/v1/webhooks/wh_01JS8X2W5Q7K3M9N4P6R8T0V99", "", nil, 404, ""},
		{"unknown delivery", "GET", path + "/deliveries/dlv_01JS8X2W5Q7K3M9N4P6R8T0V99", "", nil, 404, ""},
		{"unknown state", "GET", path + "/deliveries?state=lost", "", nil, 400, "state"},
		{"forged cursor", "GET", path + "/deliveries?cursor=abc.def", "", nil, 400, "cursor"},
		{"editor", "GET", "/v1/webhooks", "", []string{"Authorization", "Bearer " + e.key("ed", "editor")}, 403, ""},
		{"recover: malformed JSON", "POST", path + "/recover", `{"since": `, nil, 400, ""},
		{"recover: no since", "POST", path + "/recover", `{}`, nil, 422, "since"},
		{"recover: a day, not a time", "POST", path + "/recover", `{"since": "2026-12-01"}`, nil, 422, "since"},
		{"recover: wrong type", "POST", path + "/recover", `{"since": 1733011200}`, nil, 400, "since"},
		{"recover: unknown field", "POST", path + "/recover", `{"since": "2026-12-01T00:00:00Z", "until": "2026-12-02T00:00:00Z"}`, nil, 400, "until"},
		{"recover: unknown webhook", "POST", "/v1/webhooks/wh_01JS8X2W5Q7K3M9N4P6R8T0V99/recover", `{"since": "2026-12-01T00:00:00Z"}`, nil, 404, ""},
		{"recover: editor", "POST", path + "/recover", `{"since": "2026-12-01T00:00:00Z"}`, []string{"Authorization", "Bearer " + e.key("ed2", "editor")}, 403, ""},
	})
	// The secret never appears after it was shown.
	for _, p := range []string{"/v1/webhooks", path, "/v1/audit?resource=webhook"} {
		if body := e.do("GET", p, "").Body; strings.Contains(string(body), w.Secret) || strings.Contains(string(body), w.Secret[10:]) {
			t.Errorf("GET %s shows the secret", p)
		}
	}
}

// One receiver that hangs until the timeout holds its share of the workers, not all of
// them: with forty of its deliveries due before a healthy endpoint's one, the healthy one
// is delivered at once. (Before, the oldest forty went to the workers first, and the
// healthy event waited behind them: 17 s in a trial.)
func TestASlowReceiverDoesNotDelayTheOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	release := make(chan struct{})
	// When the first slow attempt ended (timed out): a healthy delivery held behind the
	// slow ones would arrive only after it. Compared by order, not against a wall-clock
	// bound, so that a loaded machine does not fail the test.
	var slowEnded atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		slowEnded.CompareAndSwap(0, time.Now().UnixNano())
	}))
	defer slow.Close()
	defer close(release)
	fast := newReceiver(t)
	e.hook(`{"url": "` + slow.URL + `/hook", "event_types": ["quote.created"], "watches": {"tags": ["slow"]}}`)
	for i := range 40 {
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": fmt.Sprintf("slow %d", i), "speaker_name": "S", "tags": []string{"slow"}}), new(db.Quote))
	}
	e.hook(`{"url": "` + fast.URL + `/hook", "event_types": ["quote.created"], "watches": {"tags": ["fast"]}}`)
	u, _ := url.Parse(slow.URL)
	slowPort, _ := strconv.Atoi(u.Port())
	dispatch(t, e.store, true, slowPort, fast.port())
	time.Sleep(200 * time.Millisecond) // the slow deliveries are under way, hanging
	start := time.Now()
	e.create("/v1/quotes", `{"text": "fast news", "speaker_name": "S", "tags": ["fast"]}`, new(db.Quote))
	eventually(t, "the healthy endpoint's delivery", func() bool { return len(fast.requests()) == 1 })
	if ended := slowEnded.Load(); ended != 0 && ended < time.Now().UnixNano() {
		t.Errorf("the healthy endpoint's delivery (%v after its quote) came only after a slow attempt timed out: it waited behind them",
			time.Since(start))
	}
}
