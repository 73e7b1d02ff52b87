package conformance

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func mustWebhook(t testing.TB, d *db.DB, in db.WebhookInput) *db.Webhook {
	t.Helper()
	w, secret, err := d.CreateWebhook(bg, in)
	if err != nil {
		t.Fatalf("create webhook: %v", err)
	}
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < len("whsec_")+32 || w.Secret != secret {
		t.Fatalf("secret %q", secret)
	}
	return w
}

// events lists the event types delivered to an endpoint, with their resources, oldest first.
func events(t testing.TB, d *db.DB, webhookID string) []string {
	t.Helper()
	page, err := d.ListDeliveries(bg, webhookID, db.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatalf("list deliveries: %v", err)
	}
	var out []string
	for i := len(page.Data) - 1; i >= 0; i-- {
		dl := page.Data[i]
		out = append(out, dl.EventType+" "+dl.Event.ResourceID)
	}
	return out
}

// The outbox: each committed change is an event for exactly the endpoints that want it —
// by type, and by watches on its quote, speaker, outlet or tags — written in the change's
// own transaction, so a write that fails writes no event.
func testOutbox(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	other := mustQuote(t, d, db.QuoteInput{Text: "Other words", SpeakerName: str("Someone Else"), Tags: []string{"economy"}})
	all := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: db.EventTypes})
	verdicts := mustWebhook(t, d, db.WebhookInput{URL: "https://b.example/hook", EventTypes: []string{"verdict.created"}})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	bySpeaker := mustWebhook(t, d, db.WebhookInput{URL: "https://c.example/hook", EventTypes: db.EventTypes,
		Watches: &db.Watches{Speakers: []string{q.Speaker.ID}}})
	byTag := mustWebhook(t, d, db.WebhookInput{URL: "https://d.example/hook", EventTypes: []string{"quote.updated", "citation.created", "citation.deleted"},
		Watches: &db.Watches{Tags: []string{"NATO"}}})
	byQuote := mustWebhook(t, d, db.WebhookInput{URL: "https://e.example/hook", EventTypes: []string{"verdict.created"},
		Watches: &db.Watches{Quotes: []string{other.ID}}})
	off := mustWebhook(t, d, db.WebhookInput{URL: "https://f.example/hook", EventTypes: db.EventTypes})
	if _, err := d.UpdateWebhook(bg, off.ID, nil, db.WebhookPatch{Enabled: db.Field[bool]{Set: true, Value: false}}); err != nil {
		t.Fatal(err)
	}

	upd, err := d.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Context: set("Fox News Sunday")})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://www.foxnews.com/video/1", Relation: "primary"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "verified", Summary: "On tape.", CitationIDs: []string{c.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateQuote(bg, other.ID, nil, db.QuotePatch{Context: set("elsewhere")}); err != nil {
		t.Fatal(err)
	}
	// A write that fails: the verdict cites a citation the quote does not have.
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "verified", Summary: "x", CitationIDs: []string{"cit_missing"}}); err == nil {
		t.Fatal("a verdict citing nothing was appended")
	}
	sp, err := d.UpdateSpeaker(bg, q.Speaker.ID, nil, db.SpeakerPatch{Description: set("US envoy")})
	if err != nil {
		t.Fatal(err)
	}

	want := map[string][]string{
		all.ID: {"quote.created " + q.ID, "speaker.created " + q.Speaker.ID, "outlet.created " + q.Outlet.ID,
			"quote.updated " + q.ID, "citation.created " + c.ID, "verdict.created " + v.ID, "quote.updated " + other.ID,
			"speaker.updated " + sp.ID},
		verdicts.ID: {"verdict.created " + v.ID},
		bySpeaker.ID: {"quote.updated " + q.ID, "citation.created " + c.ID, "verdict.created " + v.ID,
			"speaker.updated " + sp.ID},
		byTag.ID:   {"quote.updated " + q.ID, "citation.created " + c.ID},
		byQuote.ID: nil,
		off.ID:     nil,
	}
	for id, w := range want {
		got := events(t, d, id)
		// Within one write, the order of a quote's new speaker and outlet is the engine's.
		sortWithin := func(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }
		if !slices.Equal(sortWithin(got), sortWithin(w)) {
			t.Errorf("endpoint %s got\n  %v\nwant\n  %v", id, got, w)
		}
	}
	page, err := d.ListDeliveries(bg, all.ID, db.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, dl := range page.Data {
		e := dl.Event
		switch {
		case e.ResourceID == upd.ID && e.Type == "quote.updated":
			if !slices.Equal(e.Changed, []string{"context"}) || e.Version == nil || *e.Version != upd.Version {
				t.Errorf("quote.updated: changed %v, version %v; want [context], %d", e.Changed, e.Version, upd.Version)
			}
		case e.Type == "verdict.created":
			if e.Version != nil || e.QuoteID == nil || *e.QuoteID != q.ID {
				t.Errorf("verdict.created: version %v, quote %v", e.Version, e.QuoteID)
			}
		}
		if dl.State != "pending" || dl.Attempts != 0 || dl.NextAttemptAt == nil || dl.WebhookID != all.ID {
			t.Errorf("a new delivery: %+v", dl)
		}
	}
	// Deleting an endpoint drops its deliveries.
	if err := d.DeleteWebhook(bg, all.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ListDeliveries(bg, all.ID, db.DeliveryFilter{}); code(err) != db.NotFound {
		t.Errorf("deliveries of a deleted endpoint: %v", err)
	}
}

// Endpoints are an admin's: every other role is refused every webhook operation.
func testWebhookPermissions(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	w := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: []string{"quote.created"}})
	for _, role := range []string{"reader", "editor", "factchecker"} {
		ctx := db.WithActor(bg, db.Actor{Name: role, KeyID: "key_" + role, Role: role})
		for name, do := range map[string]func() error{
			"create": func() error {
				_, _, err := d.CreateWebhook(ctx, db.WebhookInput{URL: "https://x.example/", EventTypes: []string{"quote.created"}})
				return err
			},
			"read":       func() error { _, err := d.Webhook(ctx, w.ID); return err },
			"list":       func() error { _, err := d.Webhooks(ctx); return err },
			"update":     func() error { _, err := d.UpdateWebhook(ctx, w.ID, nil, db.WebhookPatch{}); return err },
			"delete":     func() error { return d.DeleteWebhook(ctx, w.ID, nil) },
			"rotate":     func() error { _, _, err := d.RotateWebhookSecret(ctx, w.ID); return err },
			"ping":       func() error { _, err := d.PingWebhook(ctx, w.ID); return err },
			"deliveries": func() error { _, err := d.ListDeliveries(ctx, w.ID, db.DeliveryFilter{}); return err },
			"recover": func() error {
				_, err := d.RecoverDeliveries(ctx, w.ID, db.RecoverInput{Since: "2026-01-01T00:00:00Z"})
				return err
			},
			"redeliver": func() error { _, err := d.Redeliver(ctx, w.ID, "dlv_01JS8X2W5Q7K3M9N4P6R8T0V34"); return err },
		} {
			if err := do(); code(err) != db.Forbidden {
				t.Errorf("%s may not %s webhooks: %v", role, name, err)
			}
		}
	}
}

// Deliveries are claimed, leased and settled: two handles claiming at once never take the
// same delivery; a lease that ends (its holder died) frees the delivery; each attempt is
// recorded; 410 Gone and DisableAfter of failures turn the endpoint off, saying why.
func testDeliveryClaims(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	again := h.Again(t, d)
	w := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: []string{"speaker.created"}})
	const n = 60
	for i := range n {
		if _, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: fmt.Sprintf("Speaker %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for _, h := range []*db.DB{d, again, d, again} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				dls, err := h.ClaimDeliveries(work, 7, 1000, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(dls) == 0 {
					return
				}
				mu.Lock()
				for _, dl := range dls {
					claimed[dl.ID]++
					if dl.URL != w.URL || dl.Secret != w.Secret || dl.Event == nil || dl.EventID == "" {
						t.Errorf("a claimed delivery lacks what sending needs: %+v", dl)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("%d deliveries claimed, want %d", len(claimed), n)
	}
	for id, times := range claimed {
		if times != 1 {
			t.Errorf("delivery %s claimed %d times", id, times)
		}
	}
	// Leased: nothing more to claim until the leases end.
	if dls, _ := d.ClaimDeliveries(work, 100, 100, time.Minute); len(dls) != 0 {
		t.Errorf("%d deliveries claimed again under their leases", len(dls))
	}
	later := time.Now().Add(2 * time.Minute)
	d.SetClock(func() time.Time { return later })
	dls, err := d.ClaimDeliveries(work, 100, 100, time.Minute)
	if err != nil || len(dls) != n {
		t.Fatalf("after the leases ended: %d claimed (%v), want %d", len(dls), err, n)
	}

	status := func(s int) *int { return &s }
	at := later
	attempt := func(dl *db.Delivery, s *int, o db.Outcome) {
		t.Helper()
		dl.Attempts++
		if err := d.RecordAttempt(work, dl, db.Attempt{N: dl.Attempts, At: at, DurationMS: 12, Status: s, Response: str("body")}, o); err != nil {
			t.Fatal(err)
		}
	}
	// Two failures then a success: three attempts, in order, one delivery.
	first := dls[0]
	next := at.Add(time.Second)
	attempt(first, status(503), db.Outcome{State: "pending", Next: &next})
	attempt(first, nil, db.Outcome{State: "pending", Next: &next})
	attempt(first, status(200), db.Outcome{State: "succeeded"})
	got, attempts, err := d.Delivery(bg, w.ID, first.ID)
	if err != nil || got.State != "succeeded" || got.Attempts != 3 || got.NextAttemptAt != nil || len(attempts) != 3 ||
		*attempts[2].Status != 200 || attempts[0].N != 1 || got.EventID != first.EventID {
		t.Fatalf("after three attempts: %+v %+v %v", got, attempts, err)
	}
	if hook, _ := d.Webhook(bg, w.ID); hook.FailingSince != nil || !hook.Enabled {
		t.Errorf("a success leaves the endpoint failing: %+v", hook)
	}
	// Failing for DisableAfter turns the endpoint off; the reason says so.
	second := dls[1]
	attempt(second, status(500), db.Outcome{State: "pending", Next: &next})
	if hook, _ := d.Webhook(bg, w.ID); hook.FailingSince == nil || !hook.Enabled {
		t.Errorf("a failure does not mark the endpoint failing: %+v", hook)
	}
	at = at.Add(db.DisableAfter + time.Hour)
	attempt(second, status(500), db.Outcome{State: "pending", Next: &next})
	hook, _ := d.Webhook(bg, w.ID)
	if hook.Enabled || hook.DisabledReason == nil || !strings.Contains(*hook.DisabledReason, "HTTP 500") {
		t.Fatalf("failing for days leaves the endpoint %+v", hook)
	}
	// It keeps no backlog: its pending deliveries fail, unsent, saying why — those whose
	// attempts were under way once their leases end, at the hourly sweep. A ping is
	// claimed all the same.
	at = later.Add(2 * time.Minute)
	d.SetClock(func() time.Time { return at })
	if dls, _ := d.ClaimDeliveries(work, 100, 100, time.Minute); len(dls) != 0 {
		t.Errorf("%d deliveries of a disabled endpoint claimed", len(dls))
	}
	if _, err := d.PruneDeliveries(work, at.Add(-db.DeliveryRetention)); err != nil {
		t.Fatal(err)
	}
	if pending, _ := d.ListDeliveries(bg, w.ID, db.DeliveryFilter{State: str("pending"), Limit: 100}); len(pending.Data) != 0 {
		t.Errorf("%d deliveries of an endpoint turned off still pending", len(pending.Data))
	}
	failed, _ := d.ListDeliveries(bg, w.ID, db.DeliveryFilter{State: str("failed"), Limit: 100})
	for _, dl := range failed.Data {
		if dl.LastError == nil || *dl.LastError != db.TurnedOff {
			t.Errorf("failed %+v, want %q", dl, db.TurnedOff)
		}
	}
	if len(failed.Data) != n-1 {
		t.Errorf("%d deliveries failed unsent, want %d", len(failed.Data), n-1)
	}
	if re, err := d.Redeliver(bg, w.ID, first.ID); code(err) != db.Conflict {
		t.Errorf("a redelivery to an endpoint turned off: %+v %v, want a conflict", re, err)
	}
	ping, err := d.PingWebhook(bg, w.ID)
	if err != nil || ping.EventType != db.PingEvent || ping.State != "pending" {
		t.Fatalf("ping: %+v %v", ping, err)
	}
	if dls, _ := d.ClaimDeliveries(work, 100, 100, time.Minute); len(dls) != 1 || dls[0].ID != ping.ID {
		t.Errorf("the ping to a disabled endpoint: claimed %v", dls)
	}
	// Turned on again, it clears the reason and sends nothing by itself.
	if hook, err = d.UpdateWebhook(bg, w.ID, nil, db.WebhookPatch{Enabled: db.Field[bool]{Set: true, Value: true}}); err != nil ||
		hook.DisabledReason != nil || hook.FailingSince != nil {
		t.Fatalf("turned on: %+v %v", hook, err)
	}
	if dls, _ := d.ClaimDeliveries(work, 100, 100, time.Minute); len(dls) != 0 {
		t.Errorf("turned on, the endpoint was sent %d deliveries nobody asked for", len(dls))
	}
	// Redelivery: pending again, now, with the same event.
	re, err := d.Redeliver(bg, w.ID, first.ID)
	if err != nil || re.State != "pending" || re.EventID != first.EventID {
		t.Fatalf("redeliver: %+v %v", re, err)
	}
	// 410 Gone turns it off at once.
	attempt(dls[2], status(410), db.Outcome{State: "failed", Gone: true})
	if hook, _ = d.Webhook(bg, w.ID); hook.Enabled || hook.DisabledReason == nil || !strings.Contains(*hook.DisabledReason, "410") {
		t.Errorf("after 410 Gone: %+v", hook)
	}
	if entries, err := d.Audit(bg, db.AuditFilter{ResourceID: &w.ID}); err != nil || len(entries.Data) < 4 {
		t.Errorf("turning the endpoint off and on is not in the audit trail: %d entries, %v", len(entries.Data), err)
	}
	// Pruning forgets settled deliveries older than the retention: all of them, the
	// redelivery failed unsent by the 410 among them; the ping is pending.
	if pruned, err := d.PruneDeliveries(work, at.Add(db.DeliveryRetention)); err != nil || pruned != n {
		t.Errorf("pruned %d deliveries (%v), want %d", pruned, err, n)
	}
	if _, _, err := d.Delivery(bg, w.ID, dls[2].ID); code(err) != db.NotFound {
		t.Errorf("a settled delivery survived pruning: %v", err)
	}
	if _, _, err := d.Delivery(bg, w.ID, ping.ID); err != nil {
		t.Errorf("a pending delivery was pruned: %v", err)
	}
}

// An endpoint turned off keeps no backlog and is sent none when turned on; what it
// missed is recovered when asked for, from a moment, once.
func testRecoverDeliveries(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	start := time.Now().UTC().Truncate(time.Second)
	d.SetClock(func() time.Time { return start })
	w := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: []string{"speaker.created"}})
	speakers := func(prefix string, n int) {
		t.Helper()
		for i := range n {
			if _, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: fmt.Sprintf("%s %d", prefix, i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	count := func(state string) int {
		t.Helper()
		page, err := d.ListDeliveries(bg, w.ID, db.DeliveryFilter{State: &state, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Data)
	}
	speakers("Before", 5)
	off := db.WebhookPatch{Enabled: db.Field[bool]{Set: true, Value: false}}
	if _, err := d.UpdateWebhook(bg, w.ID, nil, off); err != nil {
		t.Fatal(err)
	}
	if count("pending") != 0 || count("failed") != 5 {
		t.Fatalf("turned off: %d pending, %d failed; want none pending, 5 failed unsent", count("pending"), count("failed"))
	}
	speakers("While off", 3)
	if count("pending")+count("failed") != 5 {
		t.Errorf("writes while the endpoint was off made deliveries for it")
	}
	since := db.RecoverInput{Since: start.Add(-time.Minute).Format(time.RFC3339)}
	if _, err := d.RecoverDeliveries(bg, w.ID, since); code(err) != db.Conflict {
		t.Errorf("recover while off: %v, want a conflict", err)
	}
	if _, err := d.UpdateWebhook(bg, w.ID, nil, db.WebhookPatch{Enabled: db.Field[bool]{Set: true, Value: true}}); err != nil {
		t.Fatal(err)
	}
	if count("pending") != 0 {
		t.Errorf("turned on, %d deliveries pending by themselves", count("pending"))
	}
	for _, bad := range []string{"", "yesterday", "2026-12-01", "2026-12-01 00:00:00"} {
		var e *db.Error
		if _, err := d.RecoverDeliveries(bg, w.ID, db.RecoverInput{Since: bad}); !errors.As(err, &e) || e.Code != db.Invalid || e.Field != "since" {
			t.Errorf("recover since %q: %v, want since invalid", bad, err)
		}
	}
	if _, err := d.RecoverDeliveries(bg, "wh_01JS8X2W5Q7K3M9N4P6R8T0V99", since); code(err) != db.NotFound {
		t.Errorf("recover an unknown endpoint: %v", err)
	}
	later := db.RecoverInput{Since: start.Add(time.Minute).Format(time.RFC3339)}
	if got, err := d.RecoverDeliveries(bg, w.ID, later); err != nil || got.Requeued != 0 {
		t.Errorf("recover since after them: %+v %v, want none", got, err)
	}
	got, err := d.RecoverDeliveries(bg, w.ID, since)
	if err != nil || got.Requeued != 5 || count("pending") != 5 || count("failed") != 0 {
		t.Fatalf("recover: %+v %v; %d pending", got, err, count("pending"))
	}
	if dls, err := d.ClaimDeliveries(work, 100, 100, time.Minute); err != nil || len(dls) != 5 {
		t.Errorf("the recovered deliveries: %d claimed, %v", len(dls), err)
	}
	entries, err := d.Audit(bg, db.AuditFilter{ResourceID: &w.ID})
	if err != nil || !slices.ContainsFunc(entries.Data, func(e *db.AuditEntry) bool { return e.Action == "recover" }) {
		t.Errorf("the recovery is not in the audit trail: %v", err)
	}
}

// Secrets rotate with an overlap: both sign until it ends.
func testWebhookSecretRotation(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	w := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: []string{"outlet.created"}})
	rotated, secret, err := d.RotateWebhookSecret(bg, w.ID)
	if err != nil || secret == w.Secret || rotated.PreviousSecretUntil == nil || rotated.Version != w.Version+1 {
		t.Fatalf("rotate: %+v %v", rotated, err)
	}
	if _, err := d.CreateOutlet(bg, db.OutletInput{Name: "Reuters"}); err != nil {
		t.Fatal(err)
	}
	dls, err := d.ClaimDeliveries(work, 10, 10, time.Minute)
	if err != nil || len(dls) != 1 {
		t.Fatalf("claim: %v %v", dls, err)
	}
	now := time.Now()
	if got := dls[0].SigningSecrets(now); !slices.Equal(got, []string{secret, w.Secret}) {
		t.Errorf("during the overlap, signed with %v", got)
	}
	if got := dls[0].SigningSecrets(now.Add(db.SecretOverlap + time.Minute)); !slices.Equal(got, []string{secret}) {
		t.Errorf("after the overlap, signed with %v", got)
	}
	if got, _ := d.Webhook(bg, w.ID); got.SecretHint != secret[:10] {
		t.Errorf("hint %q", got.SecretHint)
	}
}

// Source fetches queue with the citation and record what was found; a refetch says
// whether the page changed.
func testSourceFetches(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	c, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://www.foxnews.com/video/1", Relation: "primary", Fetch: true})
	if err != nil || c.Source == nil || c.Source.State != "pending" {
		t.Fatalf("a citation asked to be fetched: %+v %v", c, err)
	}
	plain, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://www.foxnews.com/video/2", Relation: "report"})
	if err != nil || plain.Source != nil {
		t.Fatalf("a citation not asked to be fetched: %+v %v", plain.Source, err)
	}
	record := func(hash string, found bool) *db.Citation {
		t.Helper()
		jobs, err := d.ClaimFetches(work, 10, time.Minute)
		if err != nil || len(jobs) != 1 || jobs[0].URL != c.URL || jobs[0].QuoteText != q.Text || jobs[0].CitationID != c.ID {
			t.Fatalf("claim fetches: %+v %v", jobs, err)
		}
		if again, _ := d.ClaimFetches(work, 10, time.Minute); len(again) != 0 {
			t.Fatalf("a leased fetch claimed again")
		}
		status, size, at := 200, int64(1234), 42
		r := db.FetchResult{State: "fetched", FetchedAt: time.Now().UTC(), Status: &status, Bytes: &size, SHA256: &hash, Found: &found}
		if found {
			r.FoundAt, r.Context = &at, str("… said: NATO isn’t on the table …")
		}
		if err := d.RecordFetch(work, jobs[0], r); err != nil {
			t.Fatal(err)
		}
		got, err := d.Citation(bg, q.ID, c.ID)
		if err != nil || got.Source == nil || got.Source.State != "fetched" || *got.Source.SHA256 != hash || *got.Source.Found != found {
			t.Fatalf("after the fetch: %+v %v", got.Source, err)
		}
		return got
	}
	if got := record("aa", true); got.Source.Changed != nil || *got.Source.FoundAt != 42 {
		t.Errorf("a first fetch: changed %v, found at %v", got.Source.Changed, got.Source.FoundAt)
	}
	if _, err := d.FetchSource(bg, q.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := record("aa", true); got.Source.Changed == nil || *got.Source.Changed {
		t.Errorf("the same page again: changed %v", got.Source.Changed)
	}
	if _, err := d.FetchSource(bg, q.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := record("bb", false); got.Source.Changed == nil || !*got.Source.Changed {
		t.Errorf("an altered page: changed %v", got.Source.Changed)
	}
	// A reader may not ask for fetches; the source is not audited as the citation's field.
	reader := db.WithActor(bg, db.Actor{Name: "r", KeyID: "key_r", Role: "reader"})
	if _, err := d.FetchSource(reader, q.ID, c.ID); code(err) != db.Forbidden {
		t.Errorf("a reader asked for a fetch: %v", err)
	}
	if _, err := d.FetchSource(bg, q.ID, "cit_missing"); code(err) != db.NotFound {
		t.Errorf("fetching a citation that is not there: %v", err)
	}
}

// No endpoint gets more than its share of the workers: with a slow endpoint's deliveries
// due first, a claim takes its share of them and the other endpoint's; while its share is
// under way it gets no more, whichever handle claims; when they settle, the next come.
func testDeliveriesPerEndpoint(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	again := h.Again(t, d)
	slow := mustWebhook(t, d, db.WebhookInput{URL: "https://slow.example/hook", EventTypes: []string{"quote.created"},
		Watches: &db.Watches{Tags: []string{"slow"}}})
	for i := range 10 {
		mustQuote(t, d, db.QuoteInput{Text: fmt.Sprintf("slow %d", i), SpeakerName: str("S"), Tags: []string{"slow"}})
	}
	fast := mustWebhook(t, d, db.WebhookInput{URL: "https://fast.example/hook", EventTypes: []string{"quote.created"}})
	mustQuote(t, d, db.QuoteInput{Text: "fast", SpeakerName: str("S")})
	by := func(dls []*db.Delivery) map[string]int {
		out := map[string]int{}
		for _, dl := range dls {
			out[dl.WebhookID]++
		}
		return out
	}
	dls, err := d.ClaimDeliveries(work, 16, 4, time.Minute)
	if got := by(dls); err != nil || got[slow.ID] != 4 || got[fast.ID] != 1 {
		t.Fatalf("first claim: %v %v, want 4 of the slow endpoint's and the fast one's", got, err)
	}
	if more, err := again.ClaimDeliveries(work, 16, 4, time.Minute); err != nil || len(more) != 0 {
		t.Errorf("with the slow endpoint's share under way, another handle claimed %v (%v)", by(more), err)
	}
	for _, dl := range dls[:2] {
		if dl.WebhookID != slow.ID {
			continue
		}
		if err := d.RecordAttempt(work, dl, db.Attempt{N: 1, At: time.Now(), Status: ptrTo(200)}, db.Outcome{State: "succeeded"}); err != nil {
			t.Fatal(err)
		}
	}
	settled := 0
	for _, dl := range dls[:2] {
		if dl.WebhookID == slow.ID {
			settled++
		}
	}
	if more, err := again.ClaimDeliveries(work, 16, 4, time.Minute); err != nil || by(more)[slow.ID] != settled {
		t.Errorf("after %d settled: claimed %v (%v)", settled, by(more), err)
	}
}
