// Package conformance is the suite every engine passes: the same answers, the same error
// codes, the same guarantees under concurrent writers, whichever database keeps the
// archive. It links no driver: each engine's tests run it over archives they open.
package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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

// Harness opens archives on one engine for the conformance suite.
type Harness struct {
	// Open returns a fresh, empty archive, closed when the test ends.
	Open func(t testing.TB, opt db.Options) *db.DB
	// Again opens a second handle on d's database, closed when the test ends: another
	// process, as far as d can tell.
	Again func(t testing.TB, d *db.DB) *db.DB
}

// Run pins what every engine must do. Each engine's tests run it; an engine passes it or
// is not an engine.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Reopen", testReopen},
		{"FailedWriteLeavesNothing", testFailedWriteLeavesNothing},
		{"ErrorCodes", testErrorCodes},
		{"Permissions", testPermissions},
		{"ConcurrentWriters", testConcurrentWriters},
		{"RacingIfMatch", testRacingIfMatch},
		{"RacingVerdicts", testRacingVerdicts},
		{"RacingFindOrCreate", testRacingFindOrCreate},
		{"RacingIdempotencyKeys", testRacingIdempotencyKeys},
		{"AbandonedIdempotencyClaimsLapse", testAbandonedIdempotencyClaimsLapse},
		{"RacingImports", testRacingImports},
		{"ImportIdempotent", testImportIdempotent},
		{"ImportRejectsAlone", testImportRejectsAlone},
		{"ExportImportRoundTrip", testExportImportRoundTrip},
		{"VerdictRules", testVerdictRules},
		{"Citations", testCitations},
		{"Speakers", testSpeakers},
		{"Cursors", testCursors},
		{"ForgedCursors", testForgedCursors},
		{"QuotesBySeqKeepsOrder", testQuotesBySeqKeepsOrder},
		{"SearchSemantics", testSearchSemantics},
		{"SearchRanking", testSearchRanking},
		{"RankWindow", testRankWindow},
		{"Facets", testFacets},
		{"Filters", testFilters},
		{"Similar", testSimilar},
		{"Audit", testAudit},
		{"Reviews", testReviews},
		{"QuoteCacheNeverStale", testQuoteCacheNeverStale},
		{"RevocationReachesCachedKey", testRevocationReachesCachedKey},
		{"Verify", testVerify},
		{"Outbox", testOutbox},
		{"WebhookPermissions", testWebhookPermissions},
		{"DeliveryClaims", testDeliveryClaims},
		{"RecoverDeliveries", testRecoverDeliveries},
		{"WebhookSecretRotation", testWebhookSecretRotation},
		{"SourceFetches", testSourceFetches},
		{"Sessions", testSessions},
		{"Claims", testClaims},
		{"ReviewQueue", testReviewQueue},
		{"VerdictCitingNewSources", testVerdictCitingNewSources},
		{"FailClosed", testFailClosed},
		{"EveryPatchMember", testEveryPatchMember},
		{"EvidenceRewrittenResetsReview", testEvidenceRewrittenResetsReview},
		{"VocabulariesStored", testVocabulariesStored},
		{"ExportRoundTripsEveryField", testExportRoundTripsEveryField},
		{"Linking", testLinking},
		{"BatchLinking", testBatchLinking},
		{"BatchLinkingAcrossParts", testBatchLinkingAcrossParts},
		{"BatchLinkingFollowsEdits", testBatchLinkingFollowsEdits},
		{"CorpusRecords", testCorpusRecords},
		{"Loads", testLoads},
		{"LoadAudit", testLoadAudit},
		{"AppearanceWords", testAppearanceWords},
		{"RestoreOverOtherContentConflicts", testRestoreOverOtherContentConflicts},
		{"DeliveriesPerEndpoint", testDeliveriesPerEndpoint},
		{"MergeSpeakers", testMergeSpeakers},
		{"MergeRefusals", testMergeRefusals},
		{"MergeChainsAndUndo", testMergeChainsAndUndo},
		{"MergeUndoRepoints", testMergeUndoRepoints},
		{"RacingMerges", testRacingMerges},
		{"MergeOutlets", testMergeOutlets},
		{"RestoreAcrossMerge", testRestoreAcrossMerge},
		{"Duplicates", testDuplicates},
		{"QIDRedirects", testQIDRedirects},
		{"AmbiguousNames", testAmbiguousNames},
		{"Positions", testPositions},
		{"MultilingualFolding", testMultilingualFolding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, h)
		})
	}
}

// bg is the context of what the suite does as the operator at the machine.
var bg = db.WithActor(context.Background(), db.System)

func str(s string) *string { return &s }

func set[T any](v T) db.Field[T] { return db.Field[T]{Set: true, Value: v} }

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return db.ErrorCode(err)
}

func mustQuote(t testing.TB, d *db.DB, in db.QuoteInput) *db.Quote {
	t.Helper()
	q, err := d.CreateQuote(bg, in)
	if err != nil {
		t.Fatalf("create quote %q: %v", in.Text, err)
	}
	return q
}

// kellogg is a fresh quote of Kellogg's: recorded as a quote of its own (separate), so
// that a test recording the same words twice gets two quotes — the linking rule has
// tests of its own (testLinking).
func kellogg(text string) db.QuoteInput {
	return db.QuoteInput{Text: text, SpeakerName: str("Keith Kellogg"), SpeakerRole: str("US Special Envoy to Ukraine"),
		SaidOn: str("2025-04-20"), OutletName: str("Fox News"), Context: str("interview with Fox News"), Setting: str("interview"),
		Lang: str("en"), Tags: []string{"Ukraine", "nato"}, Separate: true}
}

func testReopen(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	v, err := d.SchemaVersion(bg)
	if err != nil || v < 1 {
		t.Fatalf("schema version %d %v", v, err)
	}
	again := h.Again(t, d)
	got, err := again.Quote(bg, q.ID)
	if err != nil || got.Text != q.Text || got.Speaker.Name != "Keith Kellogg" || got.Outlet == nil || got.Outlet.Name != "Fox News" {
		t.Fatalf("read through another handle: %+v %v", got, err)
	}
	if v2, err := again.SchemaVersion(bg); err != nil || v2 != v {
		t.Errorf("schema version %d through another handle, %d through the first (%v)", v2, v, err)
	}
	if c, err := again.Counts(bg); err != nil || c != (db.Counts{Quotes: 1, Speakers: 1, Outlets: 1}) {
		t.Errorf("counts %+v %v", c, err)
	}
}

// A write that fails half-way leaves nothing behind: the speaker found-or-created by name
// goes with the quote that failed.
func testFailedWriteLeavesNothing(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	_, err := d.CreateQuote(bg, db.QuoteInput{Text: "x", SpeakerName: str("New Speaker"), OutletID: str("out_missing")})
	if code(err) != db.Invalid {
		t.Fatalf("create with a missing outlet: %v, want invalid", err)
	}
	if c, _ := d.Counts(bg); c != (db.Counts{}) {
		t.Errorf("a failed write left %+v", c)
	}
	if p, err := d.ListSpeakers(bg, db.SpeakerFilter{Q: str("new speaker")}); err != nil || len(p.Data) != 0 {
		t.Errorf("the speaker of a failed write is findable: %d %v", len(p.Data), err)
	}
	// A failed batch of many stores none of them.
	err = d.CreateQuotes(bg, []db.QuoteInput{{Text: "a", SpeakerName: str("A")}, {Text: "b", SpeakerID: str("spk_missing")}})
	var e *db.Error
	if !errors.As(err, &e) || e.Field != "[1].speaker_id" {
		t.Fatalf("batch with a bad second quote: %v", err)
	}
	if c, _ := d.Counts(bg); c != (db.Counts{}) {
		t.Errorf("a failed batch left %+v", c)
	}
}

// Every storage error a client can cause has its code, on every engine.
func testErrorCodes(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	sp := q.Speaker.ID
	out := q.Outlet.ID
	c, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://www.foxnews.com/video/1", Relation: "primary"})
	if err != nil {
		t.Fatal(err)
	}
	qid2 := mustQuote(t, d, db.QuoteInput{Text: "other words", SpeakerName: str("Other")}).ID
	if _, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Q holder", WikidataQID: str("Q42")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want string
		do   func() error
	}{
		{"quote not found", db.NotFound, func() error { _, err := d.Quote(bg, "q_missing"); return err }},
		{"update missing quote", db.NotFound, func() error {
			_, err := d.UpdateQuote(bg, "q_missing", nil, db.QuotePatch{Text: set("x")})
			return err
		}},
		{"stale quote", db.PreconditionFailed, func() error {
			_, err := d.UpdateQuote(bg, q.ID, []int64{q.Version + 7}, db.QuotePatch{Text: set("x")})
			return err
		}},
		{"unknown speaker id", db.Invalid, func() error {
			_, err := d.CreateQuote(bg, db.QuoteInput{Text: "x", SpeakerID: str("spk_missing")})
			return err
		}},
		{"bad date", db.Malformed, func() error {
			_, err := d.CreateQuote(bg, db.QuoteInput{Text: "x", SpeakerName: str("S"), SaidOn: str("2025-13-01")})
			return err
		}},
		{"rule broken", db.Invalid, func() error {
			_, err := d.CreateQuote(bg, db.QuoteInput{Text: " ", SpeakerName: str("S")})
			return err
		}},
		{"delete speaker with quotes", db.Conflict, func() error { return d.DeleteSpeaker(bg, sp, nil) }},
		{"delete outlet with quotes", db.Conflict, func() error { return d.DeleteOutlet(bg, out, nil) }},
		{"outlet name taken", db.Conflict, func() error { _, err := d.CreateOutlet(bg, db.OutletInput{Name: "FOX  news"}); return err }},
		{"wikidata qid taken", db.Conflict, func() error {
			_, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Another", WikidataQID: str("Q42")})
			return err
		}},
		{"citation url cited twice", db.Conflict, func() error {
			_, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "HTTPS://www.FoxNews.com:443/video/1#t=3", Relation: "report"})
			return err
		}},
		{"citation of another quote", db.NotFound, func() error { _, err := d.Citation(bg, qid2, c.ID); return err }},
		{"verdict citing another quote's citation", db.Invalid, func() error {
			_, err := d.AppendVerdict(bg, qid2, nil, db.VerdictInput{Attribution: "verified", Summary: "s", CitationIDs: []string{c.ID}})
			return err
		}},
		{"verified without a primary source", db.Invalid, func() error {
			_, err := d.AppendVerdict(bg, qid2, nil, db.VerdictInput{Attribution: "verified", Summary: "s"})
			return err
		}},
		{"verdict of a missing quote", db.NotFound, func() error {
			_, err := d.AppendVerdict(bg, "q_missing", nil, db.VerdictInput{Attribution: "disputed", Summary: "s"})
			return err
		}},
		{"revoke a missing key", db.NotFound, func() error { _, err := d.RevokeKey(bg, "key_missing"); return err }},
		{"bad key", db.Unauthorized, func() error { _, err := d.Authenticate(bg, "vbt_nothing"); return err }},
		{"search of nothing", db.Malformed, func() error { _, err := d.ListQuotes(bg, db.QuoteFilter{Q: str(`"" - *`)}); return err }},
		{"relevance without a query", db.Malformed, func() error { _, err := d.ListQuotes(bg, db.QuoteFilter{Sort: "relevance"}); return err }},
		{"unknown sort", db.Malformed, func() error { _, err := d.ListQuotes(bg, db.QuoteFilter{Sort: "text"}); return err }},
		{"unknown facet", db.Malformed, func() error { _, err := d.ListQuotes(bg, db.QuoteFilter{Facets: []string{"colour"}}); return err }},
		{"cursor of another sort", db.Malformed, func() error {
			p, err := d.ListQuotes(bg, db.QuoteFilter{Sort: "said_on", Limit: 1})
			if err != nil || p.NextCursor == nil {
				return fmt.Errorf("no cursor: %v", err)
			}
			_, err = d.ListQuotes(bg, db.QuoteFilter{Sort: "-said_on", Cursor: p.NextCursor})
			return err
		}},
	}
	for _, tt := range tests {
		if got := code(tt.do()); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// Storage checks the actor's role on every write, whoever calls it.
func testPermissions(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	as := func(role string) context.Context {
		return db.WithActor(bg, db.Actor{Name: role + "-desk", KeyID: "key_" + role, Role: role})
	}
	verdict := db.VerdictInput{Attribution: "disputed", Summary: "Sources conflict."}
	tests := []struct {
		role    string
		write   string
		allowed bool
		do      func(ctx context.Context) error
	}{
		{"reader", "create quote", false, func(ctx context.Context) error { _, err := d.CreateQuote(ctx, kellogg("x")); return err }},
		{"editor", "create quote", true, func(ctx context.Context) error { _, err := d.CreateQuote(ctx, kellogg("y")); return err }},
		{"editor", "verdict", false, func(ctx context.Context) error { _, err := d.AppendVerdict(ctx, q.ID, nil, verdict); return err }},
		{"factchecker", "verdict", true, func(ctx context.Context) error { _, err := d.AppendVerdict(ctx, q.ID, nil, verdict); return err }},
		{"factchecker", "delete quote", false, func(ctx context.Context) error { return d.DeleteQuote(ctx, q.ID, nil) }},
		{"editor", "create key", false, func(ctx context.Context) error {
			_, _, err := d.CreateKey(ctx, db.KeyInput{Name: "x", Role: "admin"})
			return err
		}},
		{"editor", "import verdicts", false, func(ctx context.Context) error {
			res, err := d.Import(ctx, []db.ImportRecord{{Line: 1, Quote: kellogg("imported"), Verdicts: []db.ImportVerdict{{Attribution: "disputed", Summary: "s"}}}})
			if err == nil && res.Rejected == 1 && res.Errors[0].Field == "verdicts" {
				return &db.Error{Code: db.Forbidden}
			}
			return err
		}},
		{"reader", "import", false, func(ctx context.Context) error { _, err := d.Import(ctx, nil); return err }},
		{"editor", "audit", false, func(ctx context.Context) error { _, err := d.Audit(ctx, db.AuditFilter{}); return err }},
	}
	for _, tt := range tests {
		err := tt.do(as(tt.role))
		if tt.allowed && err != nil {
			t.Errorf("%s may %s: %v", tt.role, tt.write, err)
		}
		if !tt.allowed && code(err) != db.Forbidden {
			t.Errorf("%s may not %s: %v", tt.role, tt.write, err)
		}
	}
	// The author is the actor, never a body's claim.
	got, err := d.CreateQuote(as("editor"), kellogg("authored"))
	if err != nil || got.CreatedBy != "editor-desk" {
		t.Errorf("created_by %q %v", got.CreatedBy, err)
	}
}

// Many writers at once all succeed, half of them finding or creating speakers by name,
// with readers running beside them.
func testConcurrentWriters(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	sp, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "S"})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				in := db.QuoteInput{Text: "words", SpeakerID: &sp.ID}
				if i%2 == 0 {
					in = db.QuoteInput{Text: "words", SpeakerName: str(fmt.Sprintf("speaker %d-%d", w, i)), Tags: []string{"a", "b"}}
				}
				if _, err := d.CreateQuote(bg, in); err != nil {
					errs <- err
				}
				if _, err := d.ListQuotes(bg, db.QuoteFilter{Limit: 5}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	if c, err := d.Counts(bg); err != nil || c.Quotes != writers*each || c.Speakers != 1+writers*each/2 {
		t.Errorf("counts %+v (%v)", c, err)
	}
}

// race runs n calls of fn at once, as close together as goroutines start, on handles
// taken in turn from ds (two handles: two processes), and returns their errors.
func race(n int, ds []*db.DB, fn func(d *db.DB, i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(ds[i%len(ds)], i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func tally(errs []error) map[string]int {
	out := map[string]int{}
	for _, err := range errs {
		out[code(err)]++
	}
	return out
}

// Twenty PATCHes with one If-Match, split across two handles: exactly one wins, the rest
// are told the version moved, and the version moved once.
func testRacingIfMatch(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	ds := []*db.DB{d, h.Again(t, d)}
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	sp, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Racer"})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []struct {
		name string
		fn   func(d *db.DB, i int) error
	}{
		{"quote", func(d *db.DB, i int) error {
			_, err := d.UpdateQuote(bg, q.ID, []int64{q.Version}, db.QuotePatch{Context: set(fmt.Sprint("edit ", i))})
			return err
		}},
		{"speaker", func(d *db.DB, i int) error {
			_, err := d.UpdateSpeaker(bg, sp.ID, []int64{sp.Version}, db.SpeakerPatch{Description: set(fmt.Sprint("edit ", i))})
			return err
		}},
	} {
		got := tally(race(20, ds, target.fn))
		if got["ok"] != 1 || got[db.PreconditionFailed] != 19 {
			t.Errorf("%s: 20 PATCHes with one If-Match: %v, want 1 ok and 19 precondition_failed", target.name, got)
		}
	}
	if got, _ := d.Quote(bg, q.ID); got.Version != q.Version+1 {
		t.Errorf("quote version %d after the race, want %d", got.Version, q.Version+1)
	}
}

// Ten verdicts with one If-Match: one wins. Ten without: all are appended, each
// superseding the one before it — never two the same.
func testRacingVerdicts(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	ds := []*db.DB{d, h.Again(t, d)}
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	in := db.VerdictInput{Attribution: "disputed", Summary: "Sources conflict."}
	got := tally(race(10, ds, func(d *db.DB, _ int) error {
		_, err := d.AppendVerdict(bg, q.ID, []int64{q.Version}, in)
		return err
	}))
	if got["ok"] != 1 || got[db.PreconditionFailed] != 9 {
		t.Fatalf("10 verdicts with one If-Match: %v", got)
	}
	if errs := race(10, ds, func(d *db.DB, _ int) error { _, err := d.AppendVerdict(bg, q.ID, nil, in); return err }); tally(errs)["ok"] != 10 {
		t.Fatalf("10 verdicts without If-Match: %v", tally(errs))
	}
	hist, err := d.ListVerdicts(bg, q.ID, 100, nil)
	if err != nil || len(hist.Data) != 11 {
		t.Fatalf("history: %d verdicts %v", len(hist.Data), err)
	}
	superseded := map[string]bool{}
	for i, v := range hist.Data { // newest first
		if i == len(hist.Data)-1 {
			if v.Supersedes != nil {
				t.Errorf("the first verdict supersedes %s", *v.Supersedes)
			}
			continue
		}
		if v.Supersedes == nil || *v.Supersedes != hist.Data[i+1].ID || superseded[*v.Supersedes] {
			t.Errorf("verdict %d supersedes %v, want %s once", i, v.Supersedes, hist.Data[i+1].ID)
		}
		if v.Supersedes != nil {
			superseded[*v.Supersedes] = true
		}
	}
	cur, _ := d.Quote(bg, q.ID)
	if cur.Version != q.Version+11 || cur.CurrentVerdict == nil || cur.CurrentVerdict.ID != hist.Data[0].ID {
		t.Errorf("quote after the race: version %d, current %v", cur.Version, cur.CurrentVerdict)
	}
}

// Writers naming a new speaker or outlet at once create one of each, not one each.
func testRacingFindOrCreate(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	ds := []*db.DB{d, h.Again(t, d)}
	errs := race(12, ds, func(d *db.DB, i int) error {
		_, err := d.CreateQuote(bg, db.QuoteInput{Text: fmt.Sprint("words ", i), SpeakerName: str("Marco Rubio"),
			OutletName: str("The Wall Street Journal")})
		return err
	})
	if got := tally(errs); got["ok"] != 12 {
		t.Fatalf("12 quotes naming one new speaker: %v (%v)", got, errs)
	}
	if c, _ := d.Counts(bg); c.Speakers != 1 || c.Outlets != 1 || c.Quotes != 12 {
		t.Errorf("counts %+v, want one speaker and one outlet", c)
	}
}

// One Idempotency-Key claimed by ten requests at once: one runs, nine see its claim.
func testRacingIdempotencyKeys(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	ds := []*db.DB{d, h.Again(t, d)}
	ctx := db.WithActor(bg, db.Actor{Name: "desk", KeyID: "key_desk", Role: "editor"})
	var mu sync.Mutex
	claimed, seen := 0, 0
	errs := race(10, ds, func(d *db.DB, _ int) error {
		run, err := d.ClaimIdempotencyKey(ctx, "retry-1")
		mu.Lock()
		defer mu.Unlock()
		if run == nil && err == nil {
			claimed++
		} else if run != nil {
			seen++
		}
		return err
	})
	if claimed != 1 || seen != 9 || tally(errs)["ok"] != 10 {
		t.Fatalf("claims: %d claimed, %d saw the claim, %v", claimed, seen, tally(errs))
	}
	if err := d.CompleteIdempotencyKey(ctx, "retry-1", "h", 201, []byte(`{"id":"q_1"}`)); err != nil {
		t.Fatal(err)
	}
	run, err := d.ClaimIdempotencyKey(ctx, "retry-1")
	if err != nil || run == nil || run.Status != 201 || run.RequestHash != "h" || string(run.Response) != `{"id":"q_1"}` {
		t.Errorf("completed run: %+v %v", run, err)
	}
	// Another API key's claim of the same key is its own.
	other := db.WithActor(bg, db.Actor{Name: "other", KeyID: "key_other", Role: "editor"})
	if run, err := d.ClaimIdempotencyKey(other, "retry-1"); run != nil || err != nil {
		t.Errorf("another key's claim: %+v %v", run, err)
	}
	if err := d.ReleaseIdempotencyKey(other, "retry-1"); err != nil {
		t.Fatal(err)
	}
	if run, err := d.ClaimIdempotencyKey(other, "retry-1"); run != nil || err != nil {
		t.Errorf("a released claim: %+v %v", run, err)
	}
}

// A claim nobody released — its server stopped, or lost the database mid-request — holds
// its key for the lease, not for the day; an answered one is remembered the whole day.
func testAbandonedIdempotencyClaimsLapse(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	now := time.Now().UTC()
	d.SetClock(func() time.Time { return now })
	ctx := db.WithActor(bg, db.Actor{Name: "desk", KeyID: "key_desk", Role: "editor"})
	for _, key := range []string{"abandoned", "answered"} {
		if run, err := d.ClaimIdempotencyKey(ctx, key); run != nil || err != nil {
			t.Fatalf("claim %s: %+v %v", key, run, err)
		}
	}
	if err := d.CompleteIdempotencyKey(ctx, "answered", "h", 201, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	d.SetClock(func() time.Time { return now.Add(db.IdempotencyLease - time.Second) })
	if run, err := d.ClaimIdempotencyKey(ctx, "abandoned"); err != nil || run == nil || run.Status != 0 {
		t.Errorf("within the lease: %+v %v, want the claim still running", run, err)
	}
	d.SetClock(func() time.Time { return now.Add(db.IdempotencyLease + time.Second) })
	if run, err := d.ClaimIdempotencyKey(ctx, "abandoned"); run != nil || err != nil {
		t.Errorf("past the lease: %+v %v, want a new claim", run, err)
	}
	if run, err := d.ClaimIdempotencyKey(ctx, "answered"); err != nil || run == nil || run.Status != 201 {
		t.Errorf("an answered key past the lease: %+v %v, want its answer", run, err)
	}
}

func importBatch(n int, prefix string) []db.ImportRecord {
	var batch []db.ImportRecord
	for i := range n {
		batch = append(batch, db.ImportRecord{Line: i + 1, ExternalID: fmt.Sprintf("%s-%d", prefix, i), Quote: db.QuoteInput{
			Text:        fmt.Sprintf("Sanctions on grain number %d are not on the table", i),
			SpeakerName: str(fmt.Sprint("Speaker ", i%7)), OutletName: str(fmt.Sprint("Outlet ", i%3)), Context: str("zebracontext"),
			SaidOn: str(fmt.Sprintf("2025-%02d-%02d", i%12+1, i%28+1)), Tags: []string{"Grain", "grain", fmt.Sprint("t", i%4)}}})
	}
	return batch
}

// The same file imported by two writers at once stores each record once.
func testRacingImports(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	ds := []*db.DB{d, h.Again(t, d)}
	results := make([]db.ImportResult, 4)
	errs := race(4, ds, func(d *db.DB, i int) error {
		var err error
		results[i], err = d.Import(bg, importBatch(150, "race"))
		return err
	})
	if got := tally(errs); got["ok"] != 4 {
		t.Fatalf("racing imports: %v %v", got, errs)
	}
	created := 0
	for _, r := range results {
		created += r.Created
		if r.Rejected != 0 || r.Created+r.Unchanged+r.Updated != 150 {
			t.Errorf("an import's result: %+v", r)
		}
	}
	if c, _ := d.Counts(bg); created != 150 || c.Quotes != 150 || c.Speakers != 7 || c.Outlets != 3 {
		t.Errorf("%d created in all; counts %+v", created, c)
	}
}

// Importing the same records again changes nothing; changed records are updates; bulk
// batches are searchable and audited like single creates.
func testImportIdempotent(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	batch := importBatch(250, "k")
	// One record with a verdict takes the record-at-a-time path inside the same batch,
	// and one repeats a key already in the batch.
	batch = append(batch, db.ImportRecord{Line: 251, ExternalID: "v", Quote: db.QuoteInput{Text: "Verdicted sanctions words",
		SpeakerName: str("Speaker 1")}, Verdicts: []db.ImportVerdict{{Attribution: "paraphrased", Summary: "The gist, not the words."}}})
	batch = append(batch, db.ImportRecord{Line: 252, ExternalID: "k-0", Quote: batch[0].Quote})
	res, err := d.Import(bg, batch)
	if err != nil || res.Created != 251 || res.Unchanged != 1 || res.Rejected != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	for q, want := range map[string]int{"sanctions": 251, "grain": 250, `"speaker 3"`: 36, "zebracontext": 250, "verdicted": 1} {
		if got := countAll(t, d, db.QuoteFilter{Q: str(q)}); got != want {
			t.Errorf("search %q: %d hits, want %d", q, got, want)
		}
	}
	if got := countAll(t, d, db.QuoteFilter{Tag: str("GRAIN")}); got != 250 {
		t.Errorf("tag grain: %d", got)
	}
	audit, err := d.Audit(bg, db.AuditFilter{Resource: str("quote"), Limit: 100})
	if err != nil || len(audit.Data) != 100 || audit.Data[0].Action != "create" || audit.Data[0].Changes["text"].After == nil {
		t.Fatalf("audit of the import: %d %v", len(audit.Data), err)
	}
	again, err := d.Import(bg, batch)
	if err != nil || again.Created != 0 || again.Unchanged != 252 {
		t.Fatalf("second import: %+v %v", again, err)
	}
	changed := importBatch(3, "k")
	changed[1].Quote.Text = "Sanctions on grain are off the table now"
	res, err = d.Import(bg, changed)
	if err != nil || res.Updated != 1 || res.Unchanged != 2 {
		t.Fatalf("changed import: %+v %v", res, err)
	}
	if got := countAll(t, d, db.QuoteFilter{Q: str(`"off the table now"`)}); got != 1 {
		t.Errorf("the updated record is not found by its new words: %d", got)
	}
}

// A record that breaks a rule is rejected with its line; the rest of its batch goes in.
func testImportRejectsAlone(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	batch := importBatch(5, "r")
	batch[2].Quote.SaidOn = str("2025-02-30")
	batch[3].Quote.Text = ""
	batch = append(batch, db.ImportRecord{Line: 6, ExternalID: "r-cite", Quote: kellogg("Cited words"),
		Citations: []db.CitationInput{{URL: "https://example.com/a", Relation: "primary"}},
		Verdicts:  []db.ImportVerdict{{Attribution: "verified", Summary: "Recorded.", CitationURLs: []string{"https://example.com/a"}}}})
	batch = append(batch, db.ImportRecord{Line: 7, ExternalID: "r-dup-url", Quote: kellogg("Twice cited"),
		Citations: []db.CitationInput{{URL: "https://example.com/b", Relation: "primary"}, {URL: "https://EXAMPLE.com/b", Relation: "report"}}})
	res, err := d.Import(bg, batch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 4 || res.Rejected != 3 {
		t.Fatalf("import: %+v", res)
	}
	fields := map[int]string{}
	for _, e := range res.Errors {
		fields[e.Line] = e.Field
	}
	if fields[3] != "said_on" || fields[4] != "text" || fields[7] != "citations[1].url" {
		t.Errorf("rejections: %+v", res.Errors)
	}
	if c, _ := d.Counts(bg); c.Quotes != 4 {
		t.Errorf("counts %+v", c)
	}
	p, err := d.ListQuotes(bg, db.QuoteFilter{Attribution: str("verified")})
	if err != nil || len(p.Data) != 1 || p.Data[0].Text != "Cited words" || p.Data[0].CurrentVerdict == nil {
		t.Errorf("the verified import: %v %v", p.Data, err)
	}
}

// exportAll writes every quote of d as NDJSON, oldest first.
func exportAll(t testing.TB, d *db.DB) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := d.Export(bg, db.QuoteFilter{Sort: "created_at"}, func(r *db.Record) error { return enc.Encode(r) }); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seedArchive fills d with a small archive that uses every part of a record.
func seedArchive(t testing.TB, d *db.DB) {
	t.Helper()
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	c, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://www.foxnews.com/video/kellogg", Relation: "primary",
		Title: str("Kellogg on Sunday Morning Futures"), Publisher: str("Fox News"), PublishedAt: str("2025-04-20"),
		Excerpt: str(`"NATO isn't on the table," Kellogg said.`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "verified", Rating: str("not_checkable"),
		Summary: "Said on Fox News.", CitationIDs: []string{c.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "out_of_context", Summary: "The framing changes it.",
		CitationIDs: []string{c.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "A senior State Department official", Anonymous: true}); err != nil {
		t.Fatal(err)
	}
	sp, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Steve Witkoff", Aliases: []string{"Witkoff", "Special Envoy Witkoff"},
		WikidataQID: str("Q7614201"), Description: "US Special Envoy"})
	if err != nil {
		t.Fatal(err)
	}
	mustQuote(t, d, db.QuoteInput{Text: "We’re making progress — real progress", SpeakerID: &sp.ID, SaidOn: str("2025-04"),
		Tags: []string{"Talks"}, SourceURL: str("https://example.com/talks")})
	mustQuote(t, d, db.QuoteInput{Text: "<b>Markup</b> & \"quotes\" stay as they are", SpeakerName: str("Witkoff")})
}

// Export, import into an empty archive and export again: the same records, byte for byte.
func testExportImportRoundTrip(t *testing.T, h Harness) {
	src := h.Open(t, db.Options{})
	seedArchive(t, src)
	first := exportAll(t, src)
	var batch []db.ImportRecord
	for i, line := range bytes.Split(bytes.TrimSpace(first), []byte("\n")) {
		var r db.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		batch = append(batch, db.ImportRecord{Line: i + 1, Exported: &r})
	}
	dst := h.Open(t, db.Options{})
	res, err := dst.Import(bg, batch)
	if err != nil || res.Created != 3 || res.Rejected != 0 {
		t.Fatalf("import of the export: %+v %v", res, err)
	}
	if second := exportAll(t, dst); !bytes.Equal(first, second) {
		t.Errorf("export → import → export changed the records:\n%s\n%s", first, second)
	}
	if res, err := dst.Import(bg, batch); err != nil || res.Unchanged != 3 {
		t.Errorf("the export imported again: %+v %v", res, err)
	}
}

func testVerdictRules(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	report, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://example.com/report", Relation: "report"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "verified", Summary: "s",
		CitationIDs: []string{report.ID}}); code(err) != db.Invalid {
		t.Errorf("verified on a report: %v", err)
	}
	primary, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://example.com/video", Relation: "primary"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.AppendVerdict(bg, q.ID, []int64{q.Version + 0}, db.VerdictInput{Attribution: "verified", Rating: str("not_checkable"),
		Summary: "s", CitationIDs: []string{primary.ID, report.ID, primary.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.CitationIDs, []string{primary.ID, report.ID}) || v.QuoteVersion() != q.Version+1 || v.ReviewedBy != "system" {
		t.Errorf("verdict: %+v, quote version %d", v, v.QuoteVersion())
	}
	// The citations a verdict rests on stay, url and relation unchanged.
	if err := d.DeleteCitation(bg, q.ID, primary.ID, nil); code(err) != db.Conflict {
		t.Errorf("delete a citation a verdict rests on: %v", err)
	}
	if _, err := d.UpdateCitation(bg, q.ID, primary.ID, nil, db.CitationPatch{Relation: set("report")}); code(err) != db.Conflict {
		t.Errorf("change the relation a verdict rests on: %v", err)
	}
	if _, err := d.UpdateCitation(bg, q.ID, primary.ID, nil, db.CitationPatch{Title: set("A title")}); err != nil {
		t.Errorf("a title may change: %v", err)
	}
	// A reviewed quote whose words change goes back to unverified, by a verdict of the
	// system's that keeps the history.
	if _, err := d.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Text: set("NATO is not on the table")}); err != nil {
		t.Fatal(err)
	}
	got, _ := d.Quote(bg, q.ID)
	if got.Attribution != "unverified" || got.Rating != nil || got.CurrentVerdict == nil || got.CurrentVerdict.Supersedes == nil ||
		*got.CurrentVerdict.Supersedes != v.ID {
		t.Errorf("after rewording: %s %v %+v", got.Attribution, got.Rating, got.CurrentVerdict)
	}
	if err := d.DeleteQuote(bg, q.ID, nil); code(err) != db.Conflict {
		t.Errorf("delete a quote with verdicts: %v", err)
	}
	// A change of anything else keeps the verdict.
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "paraphrased", Summary: "s"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Tags: set([]string{"x"})}); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.Quote(bg, q.ID); got.Attribution != "paraphrased" {
		t.Errorf("a tag change reset the review: %s", got.Attribution)
	}
	one, err := d.Verdict(bg, q.ID, v.ID)
	if err != nil || one.ID != v.ID || one.Summary != "s" {
		t.Errorf("read one verdict: %+v %v", one, err)
	}
	if _, err := d.Verdict(bg, q.ID, "v_missing"); code(err) != db.NotFound {
		t.Errorf("missing verdict: %v", err)
	}
}

func testCitations(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	var ids []string
	for i := range 5 {
		c, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: fmt.Sprintf("https://example.com/%d", i), Relation: "report",
			Excerpt: str(fmt.Sprintf(`He said: "NATO isn't on the TABLE" (%d)`, i))})
		if err != nil {
			t.Fatal(err)
		}
		if c.ExcerptMatches == nil || !*c.ExcerptMatches || c.Version != 1 {
			t.Errorf("citation %d: excerpt_matches %v version %d", i, c.ExcerptMatches, c.Version)
		}
		ids = append(ids, c.ID)
	}
	var seen []string
	var cursor *string
	for {
		p, err := d.ListCitations(bg, q.ID, 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Data {
			seen = append(seen, c.ID)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = p.NextCursor
	}
	if !slices.Equal(seen, ids) {
		t.Errorf("citations paged %v, want %v", seen, ids)
	}
	c, err := d.UpdateCitation(bg, q.ID, ids[0], []int64{1}, db.CitationPatch{Excerpt: set("unrelated words"), PublishedAt: set("2025-04-21")})
	if err != nil || c.Version != 2 || *c.ExcerptMatches || *c.PublishedAt != "2025-04-21" {
		t.Fatalf("update: %+v %v", c, err)
	}
	if _, err := d.UpdateCitation(bg, q.ID, ids[0], []int64{1}, db.CitationPatch{Title: set("t")}); code(err) != db.PreconditionFailed {
		t.Errorf("stale citation: %v", err)
	}
	if _, err := d.UpdateCitation(bg, q.ID, ids[0], nil, db.CitationPatch{URL: set("https://example.com/1")}); code(err) != db.Conflict {
		t.Errorf("url of another citation: %v", err)
	}
	if err := d.DeleteCitation(bg, q.ID, ids[1], []int64{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Citation(bg, q.ID, ids[1]); code(err) != db.NotFound {
		t.Errorf("deleted citation: %v", err)
	}
	// A changed quote is checked against its new words.
	if _, err := d.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Text: set("unrelated words")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.Citation(bg, q.ID, ids[0]); !*c.ExcerptMatches {
		t.Error("excerpt_matches did not follow the quote's new text")
	}
}

func testSpeakers(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	sp, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Keith Kellogg", Aliases: []string{"Gen. Kellogg", "keith  KELLOGG", "Kellogg"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.Aliases, []string{"Gen. Kellogg", "Kellogg"}) {
		t.Errorf("aliases %v: the one that folds to the name should go", sp.Aliases)
	}
	// Quotes name the speaker by any name, folded.
	for _, name := range []string{"keith kellogg", "GEN. KELLOGG", "Kellogg"} {
		q := mustQuote(t, d, db.QuoteInput{Text: "by " + name, SpeakerName: str(name)})
		if q.Speaker.ID != sp.ID {
			t.Errorf("%q resolved to %s, want %s", name, q.Speaker.ID, sp.ID)
		}
	}
	if _, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Kellogg"}); err != nil {
		t.Fatal(err) // a second speaker may share a name: the archive cannot know they are one
	}
	if _, err := d.CreateQuote(bg, db.QuoteInput{Text: "ambiguous", SpeakerName: str("Kellogg")}); code(err) != db.Conflict {
		t.Errorf("an ambiguous name: %v", err)
	}
	p, err := d.ListSpeakers(bg, db.SpeakerFilter{Q: str("gen.")})
	if err != nil || len(p.Data) != 1 || p.Data[0].ID != sp.ID {
		t.Errorf("speakers by alias: %v %v", p.Data, err)
	}
	// A rename re-indexes the speaker's quotes for search.
	if _, err := d.UpdateSpeaker(bg, sp.ID, []int64{sp.Version}, db.SpeakerPatch{Name: set("Keith P. Kellogg"),
		Aliases: set([]string{"Lt. Gen. Kellogg"})}); err != nil {
		t.Fatal(err)
	}
	if got := countAll(t, d, db.QuoteFilter{Q: str("lt")}); got != 3 {
		t.Errorf("search by the new alias: %d, want 3", got)
	}
	if got := countAll(t, d, db.QuoteFilter{Q: str("gen")}); got != 3 {
		t.Errorf("search by a word of the new alias: %d, want 3", got)
	}
	if got := countAll(t, d, db.QuoteFilter{Q: str(`"gen kellogg"`)}); got != 3 {
		t.Errorf("phrase of the new alias: %d, want 3", got)
	}
	if got := countAll(t, d, db.QuoteFilter{Q: str("by")}); got != 3 {
		t.Errorf("search by the quotes' own words after the re-index: %d, want 3", got)
	}
	unchanged, err := d.UpdateSpeaker(bg, sp.ID, nil, db.SpeakerPatch{Description: set("")})
	if err != nil || unchanged.Version != sp.Version+1 {
		t.Errorf("a patch that changes nothing moved the version: %d %v", unchanged.Version, err)
	}
	alone, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Nobody Quoted"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteSpeaker(bg, alone.ID, []int64{2}); code(err) != db.PreconditionFailed {
		t.Errorf("stale delete: %v", err)
	}
	if err := d.DeleteSpeaker(bg, alone.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Speaker(bg, alone.ID); code(err) != db.NotFound {
		t.Errorf("deleted speaker: %v", err)
	}
	o, err := d.CreateOutlet(bg, db.OutletInput{Name: "Le Monde", URL: str("https://www.lemonde.fr")})
	if err != nil {
		t.Fatal(err)
	}
	if o2, err := d.UpdateOutlet(bg, o.ID, []int64{1}, db.OutletPatch{URL: db.Field[string]{Set: true, Null: true}}); err != nil ||
		o2.URL != nil || o2.Version != 2 {
		t.Errorf("clear an outlet's URL: %+v %v", o2, err)
	}
	if p, err := d.ListOutlets(bg, db.OutletFilter{Q: str("MONDE")}); err != nil || len(p.Data) != 1 {
		t.Errorf("outlets by name: %v %v", p.Data, err)
	}
}

// countAll pages through a quote list and counts what it finds, failing on a repeat.
func countAll(t testing.TB, d *db.DB, f db.QuoteFilter) int {
	return len(listAll(t, d, f))
}

func listAll(t testing.TB, d *db.DB, f db.QuoteFilter) []*db.Quote {
	t.Helper()
	f.Limit = 100
	var out []*db.Quote
	seen := map[string]bool{}
	for {
		p, err := d.ListQuotes(bg, f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		for _, q := range p.Data {
			if seen[q.ID] {
				t.Fatalf("list %+v: %s twice", f, q.ID)
			}
			seen[q.ID] = true
			out = append(out, q)
		}
		if p.NextCursor == nil {
			return out
		}
		f.Cursor = p.NextCursor
	}
}

// Every order pages through every quote once, also while quotes are added between pages.
func testCursors(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	for i := range 23 {
		in := db.QuoteInput{Text: fmt.Sprintf("paged words %d", i), SpeakerName: str("S")}
		if i%4 != 0 {
			in.SaidOn = str(fmt.Sprintf("2025-%02d-%02d", 1+i%5, 1+i%7)) // ties on the date; some undated
		}
		mustQuote(t, d, in)
	}
	for _, sort := range db.QuoteSorts {
		f := db.QuoteFilter{Sort: sort, Limit: 4}
		if sort == "relevance" {
			f.Q = str("paged")
		}
		seen := map[string]bool{}
		var order []*db.Quote
		for page := 0; ; page++ {
			p, err := d.ListQuotes(bg, f)
			if err != nil {
				t.Fatalf("%s page %d: %v", sort, page, err)
			}
			for _, q := range p.Data {
				if seen[q.ID] {
					t.Errorf("%s: %s twice", sort, q.ID)
				}
				seen[q.ID] = true
				order = append(order, q)
			}
			if p.NextCursor == nil {
				break
			}
			f.Cursor = p.NextCursor
			mustQuote(t, d, db.QuoteInput{Text: fmt.Sprintf("added while paging %s %d", sort, page), SpeakerName: str("T"),
				SaidOn: str("2025-03-03")})
		}
		original := 0
		for id := range seen {
			if q, _ := d.Quote(bg, id); strings.HasPrefix(q.Text, "paged") {
				original++
			}
		}
		if original != 23 {
			t.Errorf("%s: %d of the 23 quotes seen", sort, original)
		}
		for i := 1; i < len(order) && sort != "relevance"; i++ {
			a, b := order[i-1], order[i]
			da, db_ := "", ""
			if a.SaidOn != nil {
				da = *a.SaidOn
			}
			if b.SaidOn != nil {
				db_ = *b.SaidOn
			}
			switch sort {
			case "-said_on":
				if da < db_ {
					t.Errorf("-said_on: %s before %s", da, db_)
				}
			case "said_on":
				if da > db_ {
					t.Errorf("said_on: %s before %s", da, db_)
				}
			case "created_at":
				if a.CreatedAt.After(b.CreatedAt) {
					t.Errorf("created_at out of order")
				}
			case "-created_at":
				if a.CreatedAt.Before(b.CreatedAt) {
					t.Errorf("-created_at out of order")
				}
			}
		}
	}
}

// Cursors are signed: one changed by a client (its rank floor, say) is refused.
func testForgedCursors(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	for i := range 3 {
		mustQuote(t, d, db.QuoteInput{Text: strings.Repeat("grain ", i+1), SpeakerName: str("S")})
	}
	q := "grain"
	page, err := d.ListQuotes(bg, db.QuoteFilter{Q: &q, Limit: 1})
	if err != nil || page.NextCursor == nil {
		t.Fatalf("first page: %v %v", page.NextCursor, err)
	}
	if _, err := d.ListQuotes(bg, db.QuoteFilter{Q: &q, Limit: 1, Cursor: page.NextCursor}); err != nil {
		t.Fatalf("the issued cursor: %v", err)
	}
	real := *page.NextCursor
	payload, sig, _ := strings.Cut(real, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	c["f"], c["q"] = 1, 1<<40
	forgedJSON, _ := json.Marshal(c)
	forged := base64.RawURLEncoding.EncodeToString(forgedJSON)
	for _, cur := range []string{payload, forged + "." + sig, real + "x", "e30"} {
		if _, err := d.ListQuotes(bg, db.QuoteFilter{Q: &q, Limit: 1, Cursor: &cur}); code(err) != db.Malformed {
			t.Errorf("cursor %q: %v, want malformed", cur, err)
		}
	}
	// A cursor of one archive is not a cursor of another.
	other := h.Open(t, db.Options{})
	mustQuote(t, other, db.QuoteInput{Text: "grain", SpeakerName: str("S")})
	if _, err := other.ListQuotes(bg, db.QuoteFilter{Q: &q, Limit: 1, Cursor: &real}); code(err) != db.Malformed {
		t.Errorf("another archive's cursor: %v", err)
	}
}

// A page's quotes are read in one statement and come back in the order asked for.
func testQuotesBySeqKeepsOrder(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	var seqs []int64
	texts := map[int64]string{}
	for i := range 5 {
		q := mustQuote(t, d, db.QuoteInput{Text: fmt.Sprintf("quote number %d", i), SpeakerName: str("S")})
		seqs = append(seqs, q.Seq)
		texts[q.Seq] = q.Text
	}
	for _, order := range [][]int64{{}, {seqs[4], seqs[0], seqs[2]}, {seqs[1]}, {seqs[3], seqs[2], seqs[1], seqs[0], seqs[4]}} {
		err := d.Engine().Read(bg, func(tx db.Tx) error {
			got, err := tx.QuotesBySeq(bg, order)
			if err != nil {
				return err
			}
			if len(got) != len(order) {
				t.Fatalf("%d quotes for %d seqs", len(got), len(order))
			}
			for i, q := range got {
				if q.Text != texts[order[i]] {
					t.Errorf("position %d: %q, want %q", i, q.Text, texts[order[i]])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := d.Engine().Read(bg, func(tx db.Tx) error {
		_, err := tx.QuotesBySeq(bg, []int64{seqs[0], 1 << 40})
		return err
	})
	if err == nil {
		t.Error("a seq with no quote read without error")
	}
}

// The query language means the same on every engine: the same quotes match.
func testSearchSemantics(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	witkoff, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Steve Witkoff", Aliases: []string{"Special Envoy Witkoff"}})
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]db.QuoteInput{
		"kellogg":  kellogg("NATO isn’t on the table"),
		"plain":    {Text: "NATO is not on the table for Ukraine", SpeakerName: str("Marco Rubio")},
		"table":    {Text: "The table is set for peace talks", SpeakerID: &witkoff.ID, Context: str("press conference in London")},
		"accents":  {Text: "Le président a parlé à l’Élysée", SpeakerName: str("Emmanuel Macron"), Lang: str("fr")},
		"dashes":   {Text: "A durable peace — not a ceasefire — is the aim", SpeakerName: str("Volodymyr Zelenskyy")},
		"numbers":  {Text: "Article 5 applies; 2025 is not 2024", SpeakerName: str("Mark Rutte")},
		"adjacent": {Text: "The plan: table it", SpeakerName: str("Keir Starmer")},
	}
	ids := map[string]string{}
	for name, in := range texts {
		ids[name] = mustQuote(t, d, in).ID
	}
	tests := []struct {
		q    string
		want []string
	}{
		{`nato`, []string{"kellogg", "plain"}},
		{`NATO table`, []string{"kellogg", "plain"}},
		{`isn't`, []string{"kellogg"}},    // a plain keyboard finds the typographic apostrophe
		{`isn’t on`, []string{"kellogg"}}, // and the other way round
		{`"on the table"`, []string{"kellogg", "plain"}},
		{`"the table on"`, nil},
		{`"not on the table"`, []string{"plain"}},
		{`tab*`, []string{"kellogg", "plain", "table", "adjacent"}},
		{`"peace talk"*`, []string{"table"}},
		{`nato -ukraine`, []string{"kellogg"}},
		{`table -"for ukraine"`, []string{"kellogg", "table", "adjacent"}},
		{`president`, []string{"accents"}}, // diacritics folded
		{`élysée`, []string{"accents"}},
		{`elysee OR rutte`, []string{"accents", "numbers"}},
		{`peace OR ceasefire table`, []string{"table"}},
		{`kellogg`, []string{"kellogg"}},            // the speaker's name
		{`envoy`, []string{"table"}},                // a speaker's alias
		{`london`, []string{"table"}},               // the context
		{`"witkoff london"`, nil},                   // a phrase does not cross from the speaker to the context
		{`"durable peace not"`, []string{"dashes"}}, // punctuation between words is nothing
		{`article 5`, []string{"numbers"}},
		{`2024`, []string{"numbers"}},
		{`fox`, []string{"kellogg"}}, // the context, "interview with Fox News"
		{`NEAR(nato table)`, nil},    // operators are words here: "near" is in no quote
		{`nato AND table`, nil},      // "and" is a word, and no quote holds it
		{`"unclosed phrase`, nil},
		{`ukraine:`, []string{"plain"}},
	}
	for _, tt := range tests {
		got := listAll(t, d, db.QuoteFilter{Q: str(tt.q)})
		var names []string
		for _, q := range got {
			for name, id := range ids {
				if id == q.ID {
					names = append(names, name)
				}
			}
		}
		sort.Strings(names)
		want := append([]string(nil), tt.want...)
		sort.Strings(want)
		if !slices.Equal(names, want) {
			t.Errorf("q=%s: %v, want %v", tt.q, names, want)
		}
		for _, q := range got {
			if q.Snippet == nil {
				t.Errorf("q=%s: hit %s has no snippet", tt.q, q.ID)
			}
		}
	}
	p, err := d.ListQuotes(bg, db.QuoteFilter{Q: str("isn't")})
	if err != nil || len(p.Data) != 1 || *p.Data[0].Snippet != "<mark>NATO isn’t</mark> on the table" && *p.Data[0].Snippet != "NATO <mark>isn’t</mark> on the table" {
		t.Errorf("snippet: %v %v", p.Data, err)
	}
}

// Relevance orders by where the words stand — a quote's own words above its speaker's
// names, those above its context — and by how much of the quote they are; engines score
// differently, so what is pinned is these orderings, not the scores.
func testSearchRanking(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	inContext := mustQuote(t, d, db.QuoteInput{Text: "We will talk", SpeakerName: str("A"), Context: str("about grain exports")}).ID
	inSpeaker := mustQuote(t, d, db.QuoteInput{Text: "We will see", SpeakerName: str("Grain Council")}).ID
	inText := mustQuote(t, d, db.QuoteInput{Text: "Grain must flow through the Black Sea ports this winter", SpeakerName: str("B")}).ID
	dense := mustQuote(t, d, db.QuoteInput{Text: "Grain, grain, grain", SpeakerName: str("C")}).ID
	got := listAll(t, d, db.QuoteFilter{Q: str("grain")})
	pos := map[string]int{}
	for i, q := range got {
		pos[q.ID] = i
	}
	if len(got) != 4 || !(pos[dense] < pos[inText] && pos[inText] < pos[inSpeaker] && pos[inSpeaker] < pos[inContext]) {
		t.Errorf("relevance order: dense %d, in text %d, in speaker %d, in context %d", pos[dense], pos[inText], pos[inSpeaker], pos[inContext])
	}
}

// Beyond the rank window, relevance ranks the newest matches only, and every page of one
// search keeps to the same window even as matching quotes are added; a phrase of common
// words ranks its matches among the newest quotes with its words.
func testRankWindow(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{RankWindow: 10})
	var newest []string
	for i := range 40 {
		q := mustQuote(t, d, db.QuoteInput{Text: fmt.Sprintf("common word %d", i), SpeakerName: str("S")})
		if i >= 29 { // the window's floor is the 11th newest
			newest = append(newest, q.ID)
		}
	}
	seen := map[string]bool{}
	f := db.QuoteFilter{Q: str("common"), Limit: 4}
	for {
		p, err := d.ListQuotes(bg, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range p.Data {
			if seen[q.ID] {
				t.Errorf("%s twice", q.ID)
			}
			seen[q.ID] = true
		}
		mustQuote(t, d, db.QuoteInput{Text: "common again", SpeakerName: str("S")})
		if p.NextCursor == nil {
			break
		}
		f.Cursor = p.NextCursor
	}
	if len(seen) != len(newest) {
		t.Errorf("ranked %d quotes, want the %d newest", len(seen), len(newest))
	}
	for _, id := range newest {
		if !seen[id] {
			t.Errorf("newest match %s not ranked", id)
		}
	}
	// A filter makes the result small enough to rank it all; a date order finds all.
	c, _ := d.Counts(bg)
	if n := countAll(t, d, db.QuoteFilter{Q: str("common"), Speaker: str("s")}); int64(n) != c.Quotes {
		t.Errorf("filtered relevance: %d quotes of %d", n, c.Quotes)
	}
	if n := countAll(t, d, db.QuoteFilter{Q: str("common"), Sort: "-said_on"}); int64(n) != c.Quotes {
		t.Errorf("by date: %d quotes of %d", n, c.Quotes)
	}
	// An export is every match: the window ranked, then the older matches, newest first,
	// each once.
	exported := map[string]int{}
	var order []string
	if err := d.Export(bg, db.QuoteFilter{Q: str("common")}, func(r *db.Record) error {
		exported[r.ID]++
		order = append(order, r.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if int64(len(exported)) != c.Quotes || len(order) != len(exported) {
		t.Errorf("relevance export: %d quotes (%d lines) of %d", len(exported), len(order), c.Quotes)
	}

	p := h.Open(t, db.Options{RankWindow: 10})
	want := map[string]bool{}
	for i := range 40 {
		text := fmt.Sprintf("table on the %d", i) // the words, not the phrase
		if i%3 == 0 {
			text = fmt.Sprintf("on the table %d", i)
		}
		q := mustQuote(t, p, db.QuoteInput{Text: text, SpeakerName: str("S")})
		if i >= 29 && i%3 == 0 { // the 11 newest have the words; 30, 33, 36, 39 the phrase
			want[q.ID] = true
		}
	}
	got := listAll(t, p, db.QuoteFilter{Q: str(`"on the table"`)})
	for _, q := range got {
		if !want[q.ID] {
			t.Errorf("%s (%q) ranked: outside the window", q.ID, q.Text)
		}
	}
	if len(got) != len(want) {
		t.Errorf("ranked %d phrase matches, want the %d in the window", len(got), len(want))
	}
	if n := countAll(t, p, db.QuoteFilter{Q: str(`"on the table"`), Sort: "-said_on"}); n != 14 {
		t.Errorf("by date: %d phrase matches, want 14", n)
	}
}

func testFacets(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	seedArchive(t, d)
	for i := range 5 {
		mustQuote(t, d, db.QuoteInput{Text: fmt.Sprint("More words ", i), SpeakerName: str("Keith Kellogg"),
			SaidOn: str(fmt.Sprintf("202%d-01-01", 3+i%2)), Tags: []string{"nato"}, OutletName: str("fox news")})
	}
	p, err := d.ListQuotes(bg, db.QuoteFilter{Facets: db.Facets, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	flat := func(facet string) string {
		var parts []string
		for _, fc := range p.Facets[facet] {
			label := ""
			if fc.Label != nil {
				label = "/" + *fc.Label
			}
			parts = append(parts, fmt.Sprintf("%s%s=%d", fc.Value, label, fc.Count))
		}
		return strings.Join(parts, " ")
	}
	for facet, want := range map[string]string{
		"year":        "2023=3 2024=2 2025=2",
		"attribution": "unverified=7 out_of_context=1",
		"rating":      "",
		"tag":         "nato=6 talks=1 ukraine=1",
	} {
		if got := flat(facet); got != want {
			t.Errorf("facet %s: %q, want %q", facet, got, want)
		}
	}
	if s := p.Facets["speaker"]; len(s) != 2 || s[0].Count != 6 || *s[0].Label != "Keith Kellogg" || s[1].Count != 2 || *s[1].Label != "Steve Witkoff" {
		t.Errorf("speaker facet: %s", flat("speaker"))
	}
	if o := p.Facets["outlet"]; len(o) != 1 || o[0].Count != 6 || *o[0].Label != "Fox News" {
		t.Errorf("outlet facet: %s", flat("outlet"))
	}
	// Facets count the whole result of a search, not its page.
	p, err = d.ListQuotes(bg, db.QuoteFilter{Q: str("words"), Facets: []string{"speaker"}, Limit: 1})
	if err != nil || len(p.Facets["speaker"]) != 1 || p.Facets["speaker"][0].Count != 5 {
		t.Errorf("facets of a search: %+v %v", p.Facets, err)
	}
}

func testFilters(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	seedArchive(t, d)
	all := listAll(t, d, db.QuoteFilter{})
	var k *db.Quote
	for _, q := range all {
		if strings.HasPrefix(q.Text, "NATO") {
			k = q
		}
	}
	if len(all) != 3 || k == nil {
		t.Fatalf("%d quotes", len(all))
	}
	tests := []struct {
		name string
		f    db.QuoteFilter
		want int
	}{
		{"speaker id", db.QuoteFilter{SpeakerID: &k.Speaker.ID}, 1},
		{"speaker name part", db.QuoteFilter{Speaker: str("WITK")}, 2},
		{"speaker alias", db.QuoteFilter{Speaker: str("special envoy")}, 2},
		{"outlet", db.QuoteFilter{OutletID: &k.Outlet.ID}, 1},
		{"said from", db.QuoteFilter{SaidFrom: str("2025-04-01")}, 2},
		{"said to", db.QuoteFilter{SaidTo: str("2025-04-19")}, 1},
		{"tag, any case", db.QuoteFilter{Tag: str("TALKS")}, 1},
		{"lang, any case", db.QuoteFilter{Lang: str("EN")}, 1},
		{"attribution", db.QuoteFilter{Attribution: str("out_of_context")}, 1},
		{"rating", db.QuoteFilter{Rating: str("not_checkable")}, 0},
		{"query and filter", db.QuoteFilter{Q: str("progress OR markup"), Speaker: str("witkoff")}, 2},
		{"query and tag", db.QuoteFilter{Q: str("progress"), Tag: str("nato")}, 0},
	}
	for _, tt := range tests {
		if got := countAll(t, d, tt.f); got != tt.want {
			t.Errorf("%s: %d quotes, want %d", tt.name, got, tt.want)
		}
	}
}

func testSimilar(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	a := mustQuote(t, d, kellogg("NATO isn't on the table for Ukraine right now"))
	b := mustQuote(t, d, db.QuoteInput{Text: "NATO is not on the table for Ukraine right now", SpeakerName: str("Someone")})
	if len(b.PossibleDuplicates) != 1 || b.PossibleDuplicates[0].Quote.ID != a.ID {
		t.Errorf("possible duplicates of a variant: %+v", b.PossibleDuplicates)
	}
	mustQuote(t, d, db.QuoteInput{Text: "Entirely different words about grain exports", SpeakerName: str("Other")})
	sims, err := d.Similar(bg, a.ID, 10)
	if err != nil || len(sims) != 1 || sims[0].Quote.ID != b.ID || sims[0].Score < 0.3 {
		t.Fatalf("similar: %+v %v", sims, err)
	}
	// Bands follow the text.
	if _, err := d.UpdateQuote(bg, b.ID, nil, db.QuotePatch{Text: set("Membership of the alliance is off the agenda entirely")}); err != nil {
		t.Fatal(err)
	}
	if sims, _ := d.Similar(bg, a.ID, 10); len(sims) != 0 {
		t.Errorf("after rewording, still similar: %+v", sims)
	}
	c := mustQuote(t, d, db.QuoteInput{Text: "Membership of the alliance is off the agenda entirely, he said", SpeakerName: str("Third")})
	if len(c.PossibleDuplicates) != 1 || c.PossibleDuplicates[0].Quote.ID != b.ID {
		t.Errorf("the reworded quote is not found by its new words: %+v", c.PossibleDuplicates)
	}
	if err := d.DeleteQuote(bg, b.ID, nil); err != nil {
		t.Fatal(err)
	}
	if sims, _ := d.Similar(bg, c.ID, 10); len(sims) != 0 {
		t.Errorf("a deleted quote is still similar: %+v", sims)
	}
	if _, err := d.Similar(bg, "q_missing", 10); code(err) != db.NotFound {
		t.Errorf("similar of a missing quote: %v", err)
	}
}

func testAudit(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	ctx := db.WithActor(bg, db.Actor{Name: "desk", KeyID: "key_1", Role: "factchecker"})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	if _, err := d.UpdateQuote(ctx, q.ID, nil, db.QuotePatch{SpeakerRole: set("Envoy"), Tags: set([]string{"nato"})}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateQuote(ctx, q.ID, nil, db.QuotePatch{SpeakerRole: set("Envoy")}); err != nil {
		t.Fatal(err) // changes nothing: nothing audited
	}
	if _, err := d.AppendVerdict(ctx, q.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "s"}); err != nil {
		t.Fatal(err)
	}
	hist, err := d.QuoteHistory(bg, q.ID, 10, nil)
	if err != nil || len(hist.Data) != 3 {
		t.Fatalf("history: %d %v", len(hist.Data), err)
	}
	if e := hist.Data[1]; e.Action != "update" || e.Actor != "desk" || e.Changes["speaker_role"].Before != "US Special Envoy to Ukraine" ||
		e.Changes["speaker_role"].After != "Envoy" || len(e.Changes) != 2 {
		t.Errorf("update entry: %+v", e)
	}
	if e := hist.Data[0]; e.Action != "verdict" || e.Resource != "verdict" || e.QuoteID == nil || *e.QuoteID != q.ID {
		t.Errorf("verdict entry: %+v", e)
	}
	if hist.Data[2].Action != "create" || hist.Data[2].At.After(hist.Data[1].At) {
		t.Errorf("create entry: %+v", hist.Data[2])
	}
	p, err := d.Audit(bg, db.AuditFilter{Actor: str("desk"), Limit: 1})
	if err != nil || len(p.Data) != 1 || p.NextCursor == nil {
		t.Fatalf("audit by actor: %v %v", p.Data, err)
	}
	p2, err := d.Audit(bg, db.AuditFilter{Actor: str("desk"), Limit: 1, Cursor: p.NextCursor})
	if err != nil || len(p2.Data) != 1 || p2.Data[0].ID >= p.Data[0].ID || p2.NextCursor != nil {
		t.Errorf("second page: %v %v", p2.Data, err)
	}
	since := hist.Data[1].At
	if p, err := d.Audit(bg, db.AuditFilter{Since: &since, Resource: str("quote")}); err != nil || len(p.Data) != 1 {
		t.Errorf("audit since: %v %v", p.Data, err)
	}
	if _, err := d.QuoteHistory(bg, "q_missing", 10, nil); code(err) != db.NotFound {
		t.Errorf("history of a missing quote: %v", err)
	}
}

func testReviews(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	seedArchive(t, d)
	var reviewed *db.Quote
	for _, q := range listAll(t, d, db.QuoteFilter{}) {
		if q.CurrentVerdict != nil {
			reviewed = q
		} else if _, err := d.Review(bg, q.ID); code(err) != db.NotFound {
			t.Errorf("review of an unreviewed quote: %v", err)
		}
	}
	r, err := d.Review(bg, reviewed.ID)
	if err != nil || r.Speaker.Name != "Keith Kellogg" || len(r.Citations) != 1 || r.Quote.CurrentVerdict.Attribution != "out_of_context" ||
		r.Citations[0].ExcerptMatches == nil || !*r.Citations[0].ExcerptMatches {
		t.Fatalf("review: %+v %v", r, err)
	}
	second := mustQuote(t, d, db.QuoteInput{Text: "Second reviewed", SpeakerName: str("S")})
	if _, err := d.AppendVerdict(bg, second.ID, nil, db.VerdictInput{Attribution: "misattributed", Summary: "s"}); err != nil {
		t.Fatal(err)
	}
	p, err := d.ListReviews(bg, db.ReviewFilter{Limit: 1})
	if err != nil || len(p.Data) != 1 || p.Data[0].Quote.ID != reviewed.ID || p.NextCursor == nil {
		t.Fatalf("feed page 1: %v %v", p.Data, err)
	}
	p, err = d.ListReviews(bg, db.ReviewFilter{Limit: 1, Cursor: p.NextCursor})
	if err != nil || len(p.Data) != 1 || p.Data[0].Quote.ID != second.ID || p.NextCursor != nil {
		t.Fatalf("feed page 2: %v %v", p.Data, err)
	}
	future := time.Now().Add(time.Hour)
	if p, err := d.ListReviews(bg, db.ReviewFilter{Since: &future}); err != nil || len(p.Data) != 0 {
		t.Errorf("feed since the future: %v %v", p.Data, err)
	}
}

// Quotes read by ID are cached until the database changes. Whoever changes it — this
// handle through the quote or its speaker, or another handle on the same database — the
// next read says what the database says, also for a request marked Fresh before its own
// write.
func testQuoteCacheNeverStale(t *testing.T, h Harness) {
	server := h.Open(t, db.Options{})
	other := h.Again(t, server)
	q := mustQuote(t, server, db.QuoteInput{Text: "NATO isn't on the table", SpeakerName: str("Keith Kellogg")})
	read := func(ctx context.Context) *db.Quote {
		t.Helper()
		got, err := server.Quote(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	read(bg) // cached from here on
	steps := []struct {
		name     string
		external bool // a request begun before another process's write may see its start
		write    func(ctx context.Context) error
		check    func(*db.Quote) bool
	}{
		{"text edited by this handle", false, func(ctx context.Context) error {
			_, err := server.UpdateQuote(ctx, q.ID, nil, db.QuotePatch{Text: set("NATO is not on the table")})
			return err
		}, func(got *db.Quote) bool { return got.Text == "NATO is not on the table" && got.Version == 2 }},
		{"speaker renamed by this handle", false, func(ctx context.Context) error {
			_, err := server.UpdateSpeaker(ctx, q.Speaker.ID, nil, db.SpeakerPatch{Name: set("Keith P. Kellogg")})
			return err
		}, func(got *db.Quote) bool { return got.Speaker.Name == "Keith P. Kellogg" }},
		{"text edited by another handle", true, func(ctx context.Context) error {
			_, err := other.UpdateQuote(ctx, q.ID, nil, db.QuotePatch{Text: set("Ukraine in NATO is off the table")})
			return err
		}, func(got *db.Quote) bool { return got.Text == "Ukraine in NATO is off the table" && got.Version == 3 }},
		{"verdict given through another handle", true, func(ctx context.Context) error {
			_, err := other.AppendVerdict(ctx, q.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "s"})
			return err
		}, func(got *db.Quote) bool {
			return got.Attribution == "disputed" && got.CurrentVerdict != nil && got.Version == 4
		}},
	}
	for _, st := range steps {
		fresh, err := server.Fresh(bg)
		if err != nil {
			t.Fatal(err)
		}
		read(fresh)
		if err := st.write(fresh); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		readers := []context.Context{fresh, bg} // the marked request first: the cache is at its generation
		if st.external {
			readers = readers[1:]
		}
		for _, c := range readers {
			if got := read(c); !st.check(got) {
				t.Errorf("%s: read %q by %q, version %d", st.name, got.Text, got.Speaker.Name, got.Version)
			}
		}
		// What a caller sets on its copy never reaches the cache.
		read(bg).PossibleDuplicates = []db.SimilarQuote{{Score: 1}}
		if got := read(bg); got.PossibleDuplicates != nil {
			t.Errorf("%s: a caller's change reached the cache", st.name)
		}
	}
	// Two callers at once share reads of the version, yet each sees every commit made
	// before it asked.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					if _, err := server.Fresh(bg); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	for i := range 20 {
		if _, err := other.UpdateQuote(bg, q.ID, nil, db.QuotePatch{Context: set(fmt.Sprint("context ", i))}); err != nil {
			t.Fatal(err)
		}
		if got := read(bg); got.Context == nil || *got.Context != fmt.Sprint("context ", i) {
			t.Errorf("write %d by another handle: read %v", i, got.Context)
		}
	}
	close(stop)
	wg.Wait()
}

// Authenticated keys are cached, yet a revocation takes effect on the very next request
// — also when another process (`verbatim keys revoke`, or another server) revokes it.
func testRevocationReachesCachedKey(t *testing.T, h Harness) {
	server := h.Open(t, db.Options{})
	cli := h.Again(t, server)
	for _, revoker := range []*db.DB{server, cli} {
		k, secret, err := server.CreateKey(bg, db.KeyInput{Name: "desk", Role: "editor"})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // the first reads the database, the rest the cache
			got, err := server.Authenticate(bg, secret)
			if err != nil || got.ID != k.ID || got.Role != "editor" {
				t.Fatalf("authenticate: %+v, %v", got, err)
			}
		}
		if _, err := revoker.RevokeKey(bg, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := server.Authenticate(bg, secret); code(err) != db.Unauthorized {
			t.Errorf("revoked by %s: authenticate gave %v, want unauthorized", map[*db.DB]string{server: "the server", cli: "another process"}[revoker], err)
		}
		again, err := revoker.RevokeKey(bg, k.ID)
		if err != nil || again.RevokedAt == nil {
			t.Errorf("revoking twice: %+v %v", again, err)
		}
	}
	keys, err := cli.Keys(bg)
	if err != nil || len(keys) != 2 || keys[0].RevokedAt == nil {
		t.Errorf("keys: %v %v", keys, err)
	}
}

func testVerify(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	seedArchive(t, d)
	if _, err := d.Import(bg, importBatch(40, "v")); err != nil {
		t.Fatal(err)
	}
	rep, err := d.Verify(bg)
	if err != nil || !rep.OK() || rep.Quotes != 43 || rep.Verdicts != 2 || rep.Citations != 1 || rep.AuditLog < 46 {
		t.Errorf("verify: %+v %v", rep, err)
	}
}

// work is the context of the server's background work, which the core lets do only that.
var work = db.WithActor(context.Background(), db.Worker)

// The core refuses an operation whose context names no actor — reads and writes alike —
// rather than trusting it; the server's own actors may do their work and nothing else.
func testFailClosed(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	nobody := context.Background()
	anonymous := db.WithActor(nobody, db.Anonymous)
	ops := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"create quote", func(ctx context.Context) error { _, err := d.CreateQuote(ctx, kellogg("x")); return err }},
		{"read quote", func(ctx context.Context) error { _, err := d.Quote(ctx, q.ID); return err }},
		{"list quotes", func(ctx context.Context) error { _, err := d.ListQuotes(ctx, db.QuoteFilter{}); return err }},
		{"export", func(ctx context.Context) error {
			return d.Export(ctx, db.QuoteFilter{}, func(*db.Record) error { return nil })
		}},
		{"list speakers", func(ctx context.Context) error { _, err := d.ListSpeakers(ctx, db.SpeakerFilter{}); return err }},
		{"read history", func(ctx context.Context) error { _, err := d.QuoteHistory(ctx, q.ID, 10, nil); return err }},
		{"create key", func(ctx context.Context) error {
			_, _, err := d.CreateKey(ctx, db.KeyInput{Name: "k", Role: "admin"})
			return err
		}},
		{"import", func(ctx context.Context) error { _, err := d.Import(ctx, nil); return err }},
		{"claim deliveries", func(ctx context.Context) error { _, err := d.ClaimDeliveries(ctx, 1, 1, time.Minute); return err }},
		{"verify", func(ctx context.Context) error { _, err := d.Verify(ctx); return err }},
	}
	for _, op := range ops {
		if err := op.do(nobody); code(err) != db.Forbidden {
			t.Errorf("%s with no actor: %v, want forbidden", op.name, err)
		}
	}
	// The workers deliver and fetch, and may do nothing else.
	if _, err := d.ClaimDeliveries(work, 1, 1, time.Minute); err != nil {
		t.Errorf("the worker claiming deliveries: %v", err)
	}
	for _, op := range ops[:4] {
		if err := op.do(work); code(err) != db.Forbidden {
			t.Errorf("the worker may %s: %v", op.name, err)
		}
	}
	// The anonymous public reads, and does nothing more.
	if err := ops[1].do(anonymous); err != nil {
		t.Errorf("anonymous read: %v", err)
	}
	if err := ops[0].do(anonymous); code(err) != db.Forbidden {
		t.Errorf("anonymous write: %v", err)
	}
	page, _ := d.ListQuotes(bg, db.QuoteFilter{})
	if len(page.Data) != 1 {
		t.Errorf("refused operations wrote: %d quotes", len(page.Data))
	}
}
