package conformance

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// patchSamples are, for each resource, a new value of every member its patch type has
// (as JSON), and the field of the record the member changes. A member added to a patch
// type without a sample here fails the test: what the test proves it proves of every
// member, the ones added later included.
var patchSamples = map[string]map[string]struct{ value, field string }{
	"quote": {
		"text": {`"NATO is not on the table"`, "text"}, "speaker_id": {`"$speaker"`, "speaker"},
		"speaker_name": {`"Steve Witkoff"`, "speaker"}, "speaker_role": {`"Retired general"`, "speaker_role"},
		"said_on": {`"2025-04-21"`, "said_on"}, "date_precision": {`"month"`, "date_precision"},
		"outlet_id": {`"$outlet"`, "outlet"}, "outlet_name": {`"Kyiv Post"`, "outlet"},
		"context": {`"on Sunday Morning Futures"`, "context"}, "setting": {`"speech"`, "setting"},
		"lang": {`"de"`, "lang"}, "source_url": {`"https://example.com/kellogg"`, "source_url"},
		"tags": {`["nato", "peace talks"]`, "tags"},
	},
	"speaker": {
		"name": {`"Keith P. Kellogg"`, "name"}, "aliases": {`["Gen. Kellogg"]`, "aliases"},
		"wikidata_qid": {`"Q6385264"`, "wikidata_qid"}, "description": {`"US envoy"`, "description"},
		"anonymous": {`true`, "anonymous"},
		"positions": {`[{"title": "US Special Envoy to Ukraine", "from": "2025-01"}]`, "positions"},
	},
	"outlet": {"name": {`"Fox News Channel"`, "name"}, "aliases": {`["Fox"]`, "aliases"}, "url": {`"https://www.foxnews.com"`, "url"}, "country": {`"US"`, "country"}},
	"citation": {
		"url": {`"https://example.com/b"`, "url"}, "title": {`"Transcript"`, "title"}, "publisher": {`"Fox"`, "publisher"},
		"published_at": {`"2025-04-20"`, "published_at"}, "accessed_at": {`"2025-04-22"`, "accessed_at"},
		"archive_url": {`"https://web.archive.org/web/2025/https://example.com/a"`, "archive_url"},
		"excerpt":     {`"NATO isn't on the table, he said"`, "excerpt"}, "relation": {`"primary"`, "relation"},
	},
	"webhook": {
		"url": {`"https://b.example/hook"`, "url"}, "description": {`"the desk's CMS"`, "description"},
		"event_types": {`["quote.updated", "quote.created"]`, "event_types"},
		"watches":     {`{"tags": ["nato"]}`, "watches"}, "enabled": {`false`, "enabled"},
	},
}

// Every member of every patch type, sent alone, changes its field: in the record, in the
// audit entry, and in the changed fields of the webhook event — one diff decides all
// three, and no member can be dropped on the way (a patch member with no field of its name
// in the record is refused as a bug, never silently ignored).
func testEveryPatchMember(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	hook := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/hook", EventTypes: db.EventTypes})
	other, err := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Marco Rubio"})
	if err != nil {
		t.Fatal(err)
	}
	outlet, err := d.CreateOutlet(bg, db.OutletInput{Name: "Wall Street Journal"})
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer(`"$speaker"`, `"`+other.ID+`"`, `"$outlet"`, `"`+outlet.ID+`"`)
	types := map[string]any{"quote": db.QuotePatch{}, "speaker": db.SpeakerPatch{}, "outlet": db.OutletPatch{},
		"citation": db.CitationPatch{}, "webhook": db.WebhookPatch{}}
	for resource, zero := range types {
		rt := reflect.TypeOf(zero)
		for i := range rt.NumField() {
			member, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			sample, ok := patchSamples[resource][member]
			if !ok {
				t.Errorf("%s.%s has no sample in patchSamples: add one, and the test covers it", resource, member)
				continue
			}
			t.Run(resource+"."+member, func(t *testing.T) {
				// A fresh record of the resource for each member, so that it changes alone.
				q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
				body := []byte(`{"` + member + `": ` + vars.Replace(sample.value) + `}`)
				var id string
				var before, after any
				var err error
				switch resource {
				case "quote":
					id, before = q.ID, q
					var p db.QuotePatch
					mustUnmarshal(t, body, &p)
					after, err = d.UpdateQuote(bg, id, nil, p)
				case "speaker":
					s, _ := d.CreateSpeaker(bg, db.SpeakerInput{Name: "Keith Kellogg " + member})
					id, before = s.ID, s
					var p db.SpeakerPatch
					mustUnmarshal(t, body, &p)
					after, err = d.UpdateSpeaker(bg, id, nil, p)
				case "outlet":
					o, _ := d.CreateOutlet(bg, db.OutletInput{Name: "Fox News " + member})
					id, before = o.ID, o
					var p db.OutletPatch
					mustUnmarshal(t, body, &p)
					after, err = d.UpdateOutlet(bg, id, nil, p)
				case "citation":
					c, cerr := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://example.com/a", Relation: "report"})
					if cerr != nil {
						t.Fatal(cerr)
					}
					id, before = c.ID, c
					var p db.CitationPatch
					mustUnmarshal(t, body, &p)
					after, err = d.UpdateCitation(bg, q.ID, id, nil, p)
				case "webhook":
					w := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/" + member, EventTypes: []string{"quote.created"}})
					id, before = w.ID, w
					var p db.WebhookPatch
					mustUnmarshal(t, body, &p)
					after, err = d.UpdateWebhook(bg, id, nil, p)
				}
				if err != nil {
					t.Fatalf("patch %s: %v", body, err)
				}
				if b, a := field(t, before, sample.field), field(t, after, sample.field); b == a {
					t.Errorf("the record's %s did not change: %s", sample.field, a)
				}
				if v := field(t, after, "version"); v != "2" {
					t.Errorf("version %s after one change, want 2", v)
				}
				audit, err := d.Audit(bg, db.AuditFilter{Resource: &resource, ResourceID: &id, Limit: 1})
				if err != nil || len(audit.Data) != 1 || audit.Data[0].Action != "update" {
					t.Fatalf("audit: %+v %v", audit.Data, err)
				}
				if _, ok := audit.Data[0].Changes[sample.field]; !ok {
					t.Errorf("the audit entry's changes %v lack %s", keys(audit.Data[0].Changes), sample.field)
				}
				if resource == "webhook" {
					return // endpoints are not told of themselves
				}
				dls, err := d.ListDeliveries(bg, hook.ID, db.DeliveryFilter{Limit: 1})
				if err != nil || len(dls.Data) != 1 {
					t.Fatalf("deliveries: %+v %v", dls.Data, err)
				}
				dl, _, err := d.Delivery(bg, hook.ID, dls.Data[0].ID)
				if err != nil || dl.Event.Type != resource+".updated" || dl.Event.ResourceID != id {
					t.Fatalf("the newest event: %+v %v", dl.Event, err)
				}
				if !slices.Contains(dl.Event.Changed, sample.field) {
					t.Errorf("the event's changed fields %v lack %s", dl.Event.Changed, sample.field)
				}
			})
		}
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}

// field is a record's field as JSON, references by their ID.
func field(t *testing.T, rec any, name string) string {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var ref struct{ ID string }
	if json.Unmarshal(m[name], &ref) == nil && ref.ID != "" {
		return ref.ID
	}
	return string(m[name])
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Evidence is held to the rule words are: rewriting the excerpt of a citation the current
// verdict rests on returns the quote to unverified, with a verdict of the system's saying
// why; the url and relation of such a citation cannot change at all; a citation no
// verdict rests on changes freely.
func testEvidenceRewrittenResetsReview(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	primary, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://example.com/interview", Relation: "primary",
		Excerpt: str("“NATO isn’t on the table,” Kellogg said.")})
	if err != nil {
		t.Fatal(err)
	}
	other, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://example.com/report", Relation: "report"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "verified", Rating: str("true"),
		Summary: "Said on Fox News.", CitationIDs: []string{primary.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateCitation(bg, q.ID, other.ID, nil, db.CitationPatch{Excerpt: set("another report")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.Quote(bg, q.ID); got.Attribution != "verified" {
		t.Errorf("a citation no verdict rests on reset the review: %s", got.Attribution)
	}
	if _, err := d.UpdateCitation(bg, q.ID, primary.ID, nil, db.CitationPatch{URL: set("https://example.com/elsewhere")}); code(err) != db.Conflict {
		t.Errorf("moving the url a verdict rests on: %v", err)
	}
	c, err := d.UpdateCitation(bg, q.ID, primary.ID, nil, db.CitationPatch{Excerpt: set("Kellogg spoke of other things.")})
	if err != nil || c.ExcerptMatches == nil || *c.ExcerptMatches {
		t.Fatalf("rewrite the excerpt: %+v %v", c, err)
	}
	got, err := d.Quote(bg, q.ID)
	if err != nil || got.Attribution != "unverified" || got.Rating != nil || got.CurrentVerdict == nil ||
		got.CurrentVerdict.ReviewedBy != "system" || !strings.Contains(got.CurrentVerdict.Summary, "excerpt of citation "+primary.ID) {
		t.Errorf("after the evidence changed: %s %v, verdict %+v (%v)", got.Attribution, got.Rating, got.CurrentVerdict, err)
	}
}

// Every value of every vocabulary the engines store is stored and read back as it was:
// a value added to the core's vocabulary without the engines' CHECK constraints following
// fails here, on both engines.
func testVocabulariesStored(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	for _, setting := range db.Settings {
		q := mustQuote(t, d, db.QuoteInput{Text: "said in a " + setting, SpeakerName: str("Keith Kellogg"), Setting: &setting})
		if got, err := d.Quote(bg, q.ID); err != nil || got.Setting == nil || *got.Setting != setting {
			t.Errorf("setting %s: %+v %v", setting, got, err)
		}
	}
	for _, prec := range db.DatePrecisions {
		q := mustQuote(t, d, db.QuoteInput{Text: "dated to the " + prec, SpeakerName: str("Keith Kellogg"),
			SaidOn: str("2025-04-20"), DatePrecision: &prec})
		if got, err := d.Quote(bg, q.ID); err != nil || *got.DatePrecision != prec {
			t.Errorf("date precision %s: %+v %v", prec, got, err)
		}
	}
	q := mustQuote(t, d, kellogg("NATO isn’t on the table"))
	var primary string
	for _, rel := range db.Relations {
		c, err := d.CreateCitation(bg, q.ID, db.CitationInput{URL: "https://example.com/" + rel, Relation: rel})
		if err != nil || c.Relation != rel {
			t.Fatalf("relation %s: %+v %v", rel, c, err)
		}
		if rel == "primary" {
			primary = c.ID
		}
	}
	for _, attribution := range db.Attributions {
		for _, rating := range append([]*string{nil}, ptrs(db.Ratings)...) {
			v, err := d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: attribution, Rating: rating,
				Summary: "checked", CitationIDs: []string{primary}})
			if err != nil {
				t.Fatalf("verdict %s/%v: %v", attribution, rating, err)
			}
			got, err := d.Quote(bg, q.ID)
			if err != nil || got.Attribution != attribution || !samePtr(got.Rating, rating) || got.CurrentVerdict.ID != v.ID {
				t.Errorf("verdict %s/%v read back as %s/%v (%v)", attribution, rating, got.Attribution, got.Rating, err)
			}
		}
	}
	for _, role := range db.Roles {
		k, _, err := d.CreateKey(bg, db.KeyInput{Name: role + " desk", Role: role})
		if err != nil || k.Role != role {
			t.Errorf("role %s: %+v %v", role, k, err)
		}
	}
	w := mustWebhook(t, d, db.WebhookInput{URL: "https://a.example/all", EventTypes: db.EventTypes})
	if got, err := d.Webhook(bg, w.ID); err != nil || !slices.Equal(got.EventTypes, db.EventTypes) {
		t.Errorf("every event type: %+v %v", got, err)
	}
}

func ptrs(vs []string) []*string {
	out := make([]*string, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

func samePtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
