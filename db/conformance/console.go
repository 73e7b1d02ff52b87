package conformance

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// Sessions stand for their key: the secret opens one, the token finds it on any handle,
// a revoked key or an expiry ends it, and signing out ends it at once.
func testSessions(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	other := h.Again(t, d)
	k, secret, err := d.CreateKey(bg, db.KeyInput{Name: "desk", Role: "factchecker"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.OpenSession(bg, "vbt_wrong", time.Hour); code(err) != db.Unauthorized {
		t.Errorf("a wrong secret opened a session: %v", err)
	}
	s, token, err := d.OpenSession(bg, secret, time.Hour)
	if err != nil || s.Key.ID != k.ID || s.CSRF == "" || token == "" || token == s.CSRF {
		t.Fatalf("open session: %+v %q %v", s, token, err)
	}
	got, err := other.Session(bg, token)
	if err != nil || got.Key.Role != "factchecker" || got.CSRF != s.CSRF || got.Actor().KeyID != k.ID {
		t.Fatalf("the session through another handle: %+v %v", got, err)
	}
	if _, err := d.Session(bg, token+"x"); code(err) != db.Unauthorized {
		t.Errorf("a wrong token found a session: %v", err)
	}
	// A second session of the same key is its own: ending one leaves the other.
	_, token2, err := d.OpenSession(bg, secret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CloseSession(bg, token); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Session(bg, token); code(err) != db.Unauthorized {
		t.Errorf("a closed session still opens: %v", err)
	}
	if _, err := other.Session(bg, token2); err != nil {
		t.Errorf("closing one session closed another: %v", err)
	}
	if _, err := d.RevokeKey(bg, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Session(bg, token2); code(err) != db.Unauthorized {
		t.Errorf("a revoked key's session still opens: %v", err)
	}

	_, secret2, _ := d.CreateKey(bg, db.KeyInput{Name: "night desk", Role: "reader"})
	_, token3, err := d.OpenSession(bg, secret2, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Signing in again and again keeps the key's newest MaxSessionsPerKey sessions: the
	// oldest end, the newest open.
	tokens := []string{token3}
	for range db.MaxSessionsPerKey + 5 {
		_, tok, err := d.OpenSession(bg, secret2, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	open := 0
	for i, tok := range tokens {
		_, err := other.Session(bg, tok)
		if err == nil {
			open++
		}
		if newest := i >= len(tokens)-db.MaxSessionsPerKey; newest != (err == nil) {
			t.Errorf("session %d of %d: open %v, want %v", i+1, len(tokens), err == nil, newest)
		}
	}
	if open != db.MaxSessionsPerKey {
		t.Errorf("%d sessions of one key open, want the cap %d", open, db.MaxSessionsPerKey)
	}

	later := time.Now().Add(2 * time.Hour)
	other.SetClock(func() time.Time { return later })
	if _, err := other.Session(bg, tokens[len(tokens)-1]); code(err) != db.Unauthorized {
		t.Errorf("an expired session still opens: %v", err)
	}
}

// A claim holds a quote for one fact-checker: another is refused while it holds, takes it
// once it expires; the holder renews or releases it; a verdict — by any path — ends it.
// Of racing claims exactly one wins.
func testClaims(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	now := time.Now()
	d.SetClock(func() time.Time { return now })
	anna := db.WithActor(bg, db.Actor{Name: "Anna", KeyID: "key_anna", Role: "factchecker"})
	ben := db.WithActor(bg, db.Actor{Name: "Ben", KeyID: "key_ben", Role: "factchecker"})
	editor := db.WithActor(bg, db.Actor{Name: "Ed", KeyID: "key_ed", Role: "editor"})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))

	if _, err := d.ClaimQuote(editor, q.ID, 0); code(err) != db.Forbidden {
		t.Errorf("an editor claimed a quote: %v", err)
	}
	if _, err := d.ClaimQuote(anna, "q_missing", 0); code(err) != db.NotFound {
		t.Errorf("claiming a missing quote: %v", err)
	}
	c, err := d.ClaimQuote(anna, q.ID, 10*time.Minute)
	if err != nil || c.Name != "Anna" || !c.ExpiresAt.Equal(now.Truncate(time.Microsecond).Add(10*time.Minute)) {
		t.Fatalf("claim: %+v %v", c, err)
	}
	if _, err := d.ClaimQuote(ben, q.ID, 0); code(err) != db.Conflict {
		t.Errorf("a second fact-checker claimed a held quote: %v", err)
	}
	if _, err := d.ClaimQuote(anna, q.ID, 20*time.Minute); err != nil {
		t.Errorf("the holder could not renew: %v", err)
	}
	claims, err := d.Claims(ben, []*db.Quote{q})
	if err != nil || claims[q.ID] == nil || claims[q.ID].Name != "Anna" {
		t.Errorf("the claim is not shown to the others: %+v %v", claims, err)
	}
	if err := d.ReleaseQuote(ben, q.ID); err != nil {
		t.Fatal(err)
	}
	if claims, _ := d.Claims(bg, []*db.Quote{q}); claims[q.ID] == nil {
		t.Errorf("another fact-checker released the holder's claim")
	}
	// Expired: anyone may take it, and it is no longer shown.
	now = now.Add(21 * time.Minute)
	if claims, _ := d.Claims(bg, []*db.Quote{q}); claims[q.ID] != nil {
		t.Errorf("an expired claim is shown: %+v", claims[q.ID])
	}
	if _, err := d.ClaimQuote(ben, q.ID, 0); err != nil {
		t.Errorf("an expired claim still held: %v", err)
	}
	if err := d.ReleaseQuote(ben, q.ID); err != nil {
		t.Fatal(err)
	}
	if claims, _ := d.Claims(bg, []*db.Quote{q}); claims[q.ID] != nil {
		t.Errorf("a released claim is shown")
	}
	// A verdict ends the claim, whoever gives it and however it comes in.
	if _, err := d.ClaimQuote(anna, q.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AppendVerdict(anna, q.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "Fox News cut the answer short."}); err != nil {
		t.Fatal(err)
	}
	if claims, _ := d.Claims(bg, []*db.Quote{q}); claims[q.ID] != nil {
		t.Errorf("a verdict left the claim: %+v", claims[q.ID])
	}
	// Racing claims: exactly one wins.
	q2 := mustQuote(t, d, kellogg("we are close to a deal"))
	var wg sync.WaitGroup
	wins := make(chan string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := db.WithActor(bg, db.Actor{Name: "fc", KeyID: "key_" + string(rune('a'+i)), Role: "factchecker"})
			if _, err := d.ClaimQuote(ctx, q2.ID, 0); err == nil {
				wins <- "won"
			} else if code(err) != db.Conflict {
				t.Errorf("a racing claim: %v", err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Errorf("%d racing claims won, want 1", n)
	}
	// Deleting the quote takes its claim with it.
	if err := d.DeleteQuote(bg, q2.ID, nil); err != nil {
		t.Errorf("deleting a claimed quote: %v", err)
	}
}

// The review queue: unverified and disputed quotes, oldest first, narrowed by age.
func testReviewQueue(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d.SetClock(func() time.Time { return at })
	old := mustQuote(t, d, kellogg("the oldest words"))
	at = at.Add(time.Hour)
	disputed := mustQuote(t, d, kellogg("disputed words"))
	if _, err := d.AppendVerdict(bg, disputed.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "Fox News cut the answer short."}); err != nil {
		t.Fatal(err)
	}
	at = at.Add(time.Hour)
	checked := mustQuote(t, d, kellogg("checked words"))
	if _, err := d.AppendVerdict(bg, checked.ID, nil, db.VerdictInput{Attribution: "paraphrased", Summary: "The transcript has other words."}); err != nil {
		t.Fatal(err)
	}
	at = at.Add(time.Hour)
	newest := mustQuote(t, d, kellogg("the newest words"))
	ids := func(f db.QuoteFilter) []string {
		t.Helper()
		f.AwaitingReview, f.Sort = true, "created_at"
		p, err := d.ListQuotes(bg, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, q := range p.Data {
			out = append(out, q.ID)
		}
		return out
	}
	if got, want := ids(db.QuoteFilter{}), []string{old.ID, disputed.ID, newest.ID}; !slices.Equal(got, want) {
		t.Errorf("the queue: %v, want %v", got, want)
	}
	before := at.Add(-30 * time.Minute)
	if got, want := ids(db.QuoteFilter{RecordedBefore: &before}), []string{old.ID, disputed.ID}; !slices.Equal(got, want) {
		t.Errorf("the queue, older than half an hour: %v, want %v", got, want)
	}
	p, err := d.ListQuotes(bg, db.QuoteFilter{AwaitingReview: true, Facets: []string{"attribution"}})
	if err != nil || len(p.Facets["attribution"]) != 2 {
		t.Errorf("the queue's attribution facet: %+v %v", p.Facets, err)
	}
}

// A verdict may bring its new sources: they are stored with it, or — when the verdict
// or one of them is refused — nothing is.
func testVerdictCitingNewSources(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	primary := db.CitationInput{URL: "https://www.foxnews.com/video/kellogg", Relation: "primary", Excerpt: str("NATO isn’t on the table")}
	verified := db.VerdictInput{Attribution: "verified", Rating: str("not_checkable"), Summary: "Said on Fox News."}
	count := func() int {
		t.Helper()
		p, err := d.ListCitations(bg, q.ID, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Data)
	}
	if _, err := d.AppendVerdictCiting(bg, q.ID, []int64{q.Version + 1}, []db.CitationInput{primary}, verified); code(err) != db.PreconditionFailed {
		t.Errorf("a stale verdict with a new source: %v", err)
	}
	bad := primary
	bad.URL = "not a url"
	_, err := d.AppendVerdictCiting(bg, q.ID, nil, []db.CitationInput{primary, bad}, verified)
	if e, ok := err.(*db.Error); !ok || e.Code != db.Invalid || e.Field != "citations[1].url" {
		t.Errorf("a verdict with a bad new source: %v", err)
	}
	if _, err := d.AppendVerdictCiting(bg, q.ID, nil, nil, verified); code(err) != db.Invalid {
		t.Errorf("verified without a primary source: %v", err)
	}
	if n := count(); n != 0 {
		t.Fatalf("refused verdicts left %d citations", n)
	}
	editor := db.WithActor(bg, db.Actor{Name: "Ed", KeyID: "key_ed", Role: "editor"})
	if _, err := d.AppendVerdictCiting(editor, q.ID, nil, []db.CitationInput{primary}, verified); code(err) != db.Forbidden {
		t.Errorf("an editor gave a verdict with a source: %v", err)
	}
	v, err := d.AppendVerdictCiting(bg, q.ID, []int64{q.Version}, []db.CitationInput{primary}, verified)
	if err != nil || len(v.CitationIDs) != 1 || count() != 1 {
		t.Fatalf("a verified verdict resting on its new primary source: %+v %v", v, err)
	}
	if got, _ := d.Quote(bg, q.ID); got.Attribution != "verified" || got.Version != q.Version+1 {
		t.Errorf("the quote after the verdict: %s v%d", got.Attribution, got.Version)
	}
}
