package webhook

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/outbound"
)

// The specification's published example (standardwebhooks.com, "Signature scheme").
func TestSignMatchesTheSpecificationsExample(t *testing.T) {
	got, err := Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

// An independent implementation — the Standard Webhooks project's own Go library, the one
// receivers use — verifies what Verbatim signs, under each secret of a rotation, and
// refuses what was tampered with.
func TestSignaturesVerifyWithTheStandardWebhooksLibrary(t *testing.T) {
	old, current := "whsec_"+strings.Repeat("QUJD", 8), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"type":"verdict.created","timestamp":"2025-04-21T11:00:00Z","data":{"id":"v_1"}}`)
	now := time.Now()
	sig, err := Sign([]string{current, old}, "msg_01JS8X2W5Q7K3M9N4P6R8T0V35", now, body)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(sig)); n != 2 {
		t.Fatalf("%d signatures in %q, want one per secret", n, sig)
	}
	headers := http.Header{}
	headers.Set("webhook-id", "msg_01JS8X2W5Q7K3M9N4P6R8T0V35")
	headers.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	headers.Set("webhook-signature", sig)
	for _, secret := range []string{current, old} {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, headers); err != nil {
			t.Errorf("the library refuses a signature under %s…: %v", secret[:10], err)
		}
		if err := wh.Verify(append([]byte(nil), append(body[:len(body)-1], ' ', '}')...), headers); err == nil {
			t.Errorf("the library accepts a tampered body")
		}
	}
	stranger, _ := standardwebhooks.NewWebhook("whsec_" + strings.Repeat("WFla", 8))
	if err := stranger.Verify(body, headers); err == nil {
		t.Error("a secret that signed nothing verifies")
	}
	// And the other way: what the library signs, Sign signs alike.
	wh, _ := standardwebhooks.NewWebhook(current)
	theirs, _ := wh.Sign("msg_x", now, body)
	if ours, _ := Sign([]string{current}, "msg_x", now, body); ours != theirs {
		t.Errorf("Sign = %q, the library signs %q", ours, theirs)
	}
}

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []time.Duration
		ok   bool
	}{
		{"5s,5m,30m,2h,5h,10h,14h,20h,24h", DefaultSchedule, true},
		{"10ms, 20ms", []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}, true},
		{"", nil, false},
		{"5s,,5m", nil, false},
		{"5s,-1s", nil, false},
		{"soon", nil, false},
	} {
		got, err := ParseSchedule(tc.in)
		if (err == nil) != tc.ok || (tc.ok && !slices.Equal(got, tc.want)) {
			t.Errorf("ParseSchedule(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// What becomes of a delivery after an attempt.
func TestJudge(t *testing.T) {
	d := &Dispatcher{Schedule: []time.Duration{time.Minute, time.Hour}}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	status := func(n int) *int { return &n }
	header := func(k, v string) *outbound.Response { return &outbound.Response{Header: http.Header{k: {v}}} }
	for _, tc := range []struct {
		name     string
		a        db.Attempt
		resp     *outbound.Response
		state    string
		min, max time.Duration // the wait, when pending
		gone     bool
	}{
		{"2xx succeeds", db.Attempt{N: 1, Status: status(204)}, nil, "succeeded", 0, 0, false},
		{"410 gives up and turns the endpoint off", db.Attempt{N: 1, Status: status(410)}, nil, "failed", 0, 0, true},
		{"5xx waits the first step, jittered", db.Attempt{N: 1, Status: status(503)}, nil, "pending", time.Minute, time.Minute * 6 / 5, false},
		{"a connection error waits too", db.Attempt{N: 1}, nil, "pending", time.Minute, time.Minute * 6 / 5, false},
		{"3xx is a failure, not followed", db.Attempt{N: 2, Status: status(302)}, nil, "pending", time.Hour, time.Hour * 6 / 5, false},
		{"the schedule spent, it fails", db.Attempt{N: 3, Status: status(500)}, nil, "failed", 0, 0, false},
		{"Retry-After in seconds, longer than the step", db.Attempt{N: 1, Status: status(429)}, header("Retry-After", "600"),
			"pending", 10 * time.Minute, 10 * time.Minute, false},
		{"Retry-After as a date", db.Attempt{N: 1, Status: status(503)}, header("Retry-After", now.Add(3*time.Hour).Format(http.TimeFormat)),
			"pending", 3 * time.Hour, 3 * time.Hour, false},
		{"Retry-After shorter than the step is the step", db.Attempt{N: 2, Status: status(503)}, header("Retry-After", "1"),
			"pending", time.Hour, time.Hour * 6 / 5, false},
		{"Retry-After beyond a day is a day", db.Attempt{N: 1, Status: status(503)}, header("Retry-After", "999999"),
			"pending", 24 * time.Hour, 24 * time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := d.judge(tc.a, tc.resp, now)
			if o.State != tc.state || o.Gone != tc.gone {
				t.Fatalf("judge = %+v, want state %s, gone %v", o, tc.state, tc.gone)
			}
			if tc.state != "pending" {
				if o.Next != nil {
					t.Errorf("a settled delivery has a next attempt %v", o.Next)
				}
				return
			}
			if wait := o.Next.Sub(now); wait < tc.min || wait > tc.max {
				t.Errorf("waits %v, want %v to %v", wait, tc.min, tc.max)
			}
		})
	}
}

func TestNewMessageURLs(t *testing.T) {
	q := "q_1"
	v := int64(3)
	for _, tc := range []struct {
		e    db.Event
		want string
	}{
		{db.Event{Type: "quote.updated", Resource: "quote", ResourceID: "q_1", QuoteID: &q, Version: &v}, "https://v.example/v1/quotes/q_1"},
		{db.Event{Type: "verdict.created", Resource: "verdict", ResourceID: "v_1", QuoteID: &q}, "https://v.example/v1/quotes/q_1/verdicts/v_1"},
		{db.Event{Type: "citation.deleted", Resource: "citation", ResourceID: "cit_1", QuoteID: &q}, "https://v.example/v1/quotes/q_1/citations/cit_1"},
		{db.Event{Type: "speaker.updated", Resource: "speaker", ResourceID: "spk_1"}, "https://v.example/v1/speakers/spk_1"},
		{db.Event{Type: "outlet.created", Resource: "outlet", ResourceID: "out_1"}, "https://v.example/v1/outlets/out_1"},
		{db.Event{Type: db.PingEvent, Resource: "webhook", ResourceID: "wh_1"}, "https://v.example/v1/webhooks/wh_1"},
	} {
		m := NewMessage(&tc.e, "https://v.example/")
		if m.Data.URL != tc.want || m.Type != tc.e.Type || m.Data.ID != tc.e.ResourceID || m.Data.Changed == nil {
			t.Errorf("NewMessage(%+v) = %+v, want URL %s", tc.e, m, tc.want)
		}
	}
}
