package conformance

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// SeedEveryField fills d with records that between them give every field of an exported
// record a value: every member of the quote, its speaker and outlet, its verdicts and
// citations, a citation's source checks fetched twice (so changed has a value) and a
// failed one, and a quote the extractor found.
func SeedEveryField(t testing.TB, d *db.DB) {
	t.Helper()
	sp, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Steve Witkoff", Aliases: []string{"Witkoff"}, WikidataQID: str("Q7614201"),
		Description: "US Special Envoy", Anonymous: true,
		Positions: []db.Position{{Title: "US Special Envoy to the Middle East", From: str("2025-01"), To: str("2026")}}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := d.CreateOutlet(bg, db.OutletInput{Name: "Fox News", Aliases: []string{"Fox News Channel"}, URL: str("https://www.foxnews.com"),
		Country: str("US")})
	if err != nil {
		t.Fatal(err)
	}
	q := mustQuote(t, d, db.QuoteInput{Text: "We’re making progress — real progress", SpeakerID: &sp.ID, SpeakerRole: str("Envoy"),
		SaidOn: str("2025-04"), DatePrecision: str("month"), OutletID: &o.ID, Context: str("on Fox News Sunday"),
		Setting: str("interview"), Lang: str("en"), SourceURL: str("https://example.com/talks"), Tags: []string{"talks", "nato"}})
	cite := func(url, relation string) *db.Citation {
		c, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: url, Relation: relation, Title: str("Transcript"),
			Publisher: str("Fox News"), PublishedAt: str("2025-04-20"), AccessedAt: str("2025-04-22"),
			ArchiveURL: str("https://web.archive.org/web/2025/" + url), Excerpt: str("“We’re making progress — real progress,” he said."),
			Fetch: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	primary, failing := cite("https://example.com/transcript", "primary"), cite("https://example.com/gone", "report")
	fetchAll := func(hash string) {
		jobs, err := d.ClaimFetches(work, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			r := db.FetchResult{State: "fetched", FetchedAt: time.Now().UTC(), Status: ptrTo(200),
				ContentType: str("text/html; charset=utf-8"), Bytes: ptrTo(int64(4812)),
				SHA256: str(strings.Repeat(hash, 32)), Found: ptrTo(true), FoundAt: ptrTo(120), Context: str("… real progress …")}
			if j.CitationID == failing.ID {
				r = db.FetchResult{State: "failed", FetchedAt: time.Now().UTC(), Status: ptrTo(404), Error: str("the page answered 404")}
			}
			if err := d.RecordFetch(work, j, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	fetchAll("ab")
	if _, err := d.FetchSource(bg, q.ID, primary.ID); err != nil {
		t.Fatal(err)
	}
	fetchAll("cd") // the page again, edited since: changed is true
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "verified", Rating: str("mostly_true"),
		Summary: "On tape.", CitationIDs: []string{primary.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "paraphrased", Rating: str("half_true"),
		Summary: "Close, not the words.", CitationIDs: []string{primary.ID, failing.ID}}); err != nil {
		t.Fatal(err)
	}
	article := db.Article{Text: `"We will not give up Crimea," said President Volodymyr Zelensky on Tuesday.`, URL: str("https://example.com/zelensky")}
	read, err := d.Propose(bg, article)
	cands := read.Candidates
	if err != nil || len(cands) == 0 {
		t.Fatalf("propose: %v %v", cands, err)
	}
	if _, err := d.SaveExtracted(bg, article, []db.Pick{db.PickOf(cands[0], article)}); err != nil {
		t.Fatal(err)
	}
	// The chain: a re-report recorded by hand, then the same words recorded as a quote of
	// their own by another speaker — a suggested link, rejected with a note.
	kyiv, err := d.CreateAppearance(bg, q.ID, db.AppearanceInput{Words: "We are making progress, real progress",
		URL: str("https://www.kyivpost.com/post/1"), OutletName: str("Kyiv Post"), PublishedOn: str("2025-04-21"),
		DatePrecision: str("day"), Start: ptrTo(120), End: ptrTo(157), State: str("confirmed"), Note: str("Re-reported from Fox")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.PinFirstAppearance(bg, q.ID, nil, &db.PinInput{AppearanceID: kyiv.ID, Reason: "Fox aired it after the Kyiv Post printed it"}); err != nil {
		t.Fatal(err)
	}
	other, err := d.CreateQuote(bg, db.QuoteInput{Text: "We’re making progress — real progress", SpeakerName: str("Someone Else")})
	if err != nil || other.Link == nil || other.Link.Outcome != "suggested" {
		t.Fatalf("the same words by another speaker: %+v %v", other, err)
	}
	if _, err := d.RejectAppearance(bg, q.ID, other.Link.Appearance.ID, nil, db.AppearanceRejection{Note: str("Someone else's words")}); err != nil {
		t.Fatal(err)
	}
}

func ptrTo[T any](v T) *T { return &v }

// Export, restore into an empty archive and export again: the same bytes, every field of
// every part of a record carried — none comes back null or empty that went out with a
// value (a citation's source check came back {"state": null} before).
func testExportRoundTripsEveryField(t *testing.T, h Harness) {
	src := h.Open(t, db.Options{})
	SeedEveryField(t, src)
	first := exportAll(t, src)
	missing := map[string]bool{}
	for name := range recordFields(reflect.TypeFor[db.Record](), "") {
		missing[name] = true
	}
	var batch []db.ImportRecord
	for i, line := range bytes.Split(bytes.TrimSpace(first), []byte("\n")) {
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatal(err)
		}
		valued(v, "", missing)
		var r db.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		batch = append(batch, db.ImportRecord{Line: i + 1, Exported: &r})
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range missing {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Errorf("the seed gives %s no value: the round trip does not prove it is carried", name)
	}
	dst := h.Open(t, db.Options{})
	res, err := dst.Import(bg, batch)
	if err != nil || res.Created != len(batch) || res.Rejected != 0 {
		t.Fatalf("restore of the export: %+v %v", res, err)
	}
	if second := exportAll(t, dst); !bytes.Equal(first, second) {
		t.Errorf("export → restore → export changed the records:\n%s\n%s", first, second)
	}
	// Restored again over itself, every record is the stored one.
	if res, err := dst.Import(bg, batch); err != nil || res.Unchanged != len(batch) || res.Rejected != 0 {
		t.Errorf("the restore again: %+v %v, want every record unchanged", res, err)
	}
}

// A restore over a quote stored with other content leaves the stored quote and reports
// the line as a conflict naming what differs; it is never counted unchanged.
func testRestoreOverOtherContentConflicts(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	SeedEveryField(t, d)
	var batch []db.ImportRecord
	for i, line := range bytes.Split(bytes.TrimSpace(exportAll(t, d)), []byte("\n")) {
		var r db.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		batch = append(batch, db.ImportRecord{Line: i + 1, Exported: &r})
	}
	edited := batch[0].Exported.Quote
	q, err := d.UpdateQuote(bg, edited.ID, nil, db.QuotePatch{Context: db.Field[string]{Set: true, Value: "said again, differently"}})
	if err != nil {
		t.Fatal(err)
	}
	before := exportAll(t, d)
	res, err := d.Import(bg, batch)
	if err != nil || res.Rejected != 1 || res.Unchanged != len(batch)-1 || len(res.Errors) != 1 {
		t.Fatalf("restore over an edited quote: %+v %v, want one conflict", res, err)
	}
	e := res.Errors[0]
	if e.Line != 1 || e.Field != "id" || !strings.HasPrefix(e.Message, "conflict:") ||
		!strings.Contains(e.Message, "(context, updated_at, version differ)") {
		t.Errorf("the conflict: %+v, want line 1 naming context, updated_at and version", e)
	}
	if after := exportAll(t, d); !bytes.Equal(before, after) {
		t.Errorf("the conflicting restore changed the archive (quote %s version %d)", q.ID, q.Version)
	}
}

// recordFields are the JSON paths of every field a record can hold, arrays as [].
func recordFields(t reflect.Type, prefix string) map[string]bool {
	out := map[string]bool{}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
			prefix += "[]"
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		if prefix != "" {
			out[prefix] = true
		}
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			for k := range recordFields(f.Type, prefix) {
				out[k] = true
			}
			continue
		}
		if strings.Contains(opts, "omitempty") && (name == "snippet" || name == "possible_duplicates" || name == "link") {
			continue // set on search hits and fresh recordings, never exported
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() ||
			f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct && f.Type.Elem() != reflect.TypeFor[time.Time]() ||
			f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() != reflect.String {
			for k := range recordFields(f.Type, p) {
				out[k] = true
			}
			continue
		}
		out[p] = true
	}
	return out
}

// valued strikes from missing every path v gives a value that is not null, empty or false.
func valued(v any, prefix string, missing map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			valued(x, p, missing)
		}
	case []any:
		if len(v) > 0 && prefix != "" {
			if _, isObject := v[0].(map[string]any); !isObject {
				delete(missing, prefix)
			}
		}
		for _, x := range v {
			valued(x, prefix+"[]", missing)
		}
	case nil:
	default:
		if v != false && v != "" {
			delete(missing, prefix)
		}
	}
}
