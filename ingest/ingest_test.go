package ingest

import (
	"io"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

func readAll(t *testing.T, in string, opt Options) (recs []db.ImportRecord, bad []db.ImportLineError) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(in), opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	for {
		r, err := rd.Next()
		if err == io.EOF {
			return recs, bad
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if r.Err != nil {
			bad = append(bad, *r.Err)
			continue
		}
		recs = append(recs, r.ImportRecord)
	}
}

func TestNDJSON(t *testing.T) {
	t.Parallel()
	in := `{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "external_id": "k1", "rating_label": "Pants on Fire!", "citations": [{"url": "https://example.com/a", "relation": "primary"}], "verdicts": [{"attribution": "verified", "summary": "ok", "citation_urls": ["https://example.com/a"]}]}

{"text": "x", "speaker_name": "S", "setting": "podcast"}
not json
{"text": "y", "speaker_name": "S", "unknown": 1}
{"text": "z", "speaker_name": "S", "rating_label": "Other"}
{"id": "q_1", "text": "exported", "speaker": {"id": "spk_1", "name": "S"}, "speaker_detail": {"id": "spk_1", "name": "S"}}
`
	recs, bad := readAll(t, in, Options{Format: "ndjson"})
	// The reader only reads: line 3's unknown setting is storage's to refuse (db tests it).
	if len(recs) != 3 || recs[0].ExternalID != "k1" || len(recs[0].Verdicts) != 2 || *recs[0].Verdicts[1].Rating != "false" ||
		recs[0].Line != 1 || recs[1].Line != 3 || recs[2].Exported == nil || recs[2].Exported.ID != "q_1" || recs[2].Line != 7 {
		t.Fatalf("records %+v", recs)
	}
	want := []struct {
		line  int
		field string
	}{{4, ""}, {5, ""}, {6, "rating_label"}}
	if len(bad) != len(want) {
		t.Fatalf("rejected %+v", bad)
	}
	for i, w := range want {
		if bad[i].Line != w.line || bad[i].Field != w.field || bad[i].Message == "" {
			t.Errorf("rejection %d: %+v, want line %d field %q", i, bad[i], w.line, w.field)
		}
	}
}

func TestTables(t *testing.T) {
	t.Parallel()
	// LIAR-like TSV: no header, a statement that opens a quote it never closes.
	tsv := "2635.json\tfalse\t\"Says the group supports it.\tabortion,taxes\tdwayne-bohac\tState representative\n" +
		"10540.json\tbarely-true\tWhen did the decline start?\tenergy\tscott-surovell\t\n" +
		"99.json\tfour-pinocchios\tSomething.\tx\tsomeone\t\n"
	recs, bad := readAll(t, tsv, Options{Format: "tsv", Map: "external_id=1,rating=2,text=3,tags=4,speaker=5,speaker_role=6"})
	if len(recs) != 2 || recs[0].Quote.Text != `"Says the group supports it.` || *recs[0].Quote.SpeakerName != "dwayne-bohac" ||
		len(recs[0].Quote.Tags) != 2 || *recs[1].Verdicts[0].Rating != "mostly_false" || recs[1].Quote.SpeakerRole != nil {
		t.Fatalf("TSV records %+v", recs)
	}
	if len(bad) != 1 || bad[0].Line != 3 || bad[0].Field != "rating" {
		t.Errorf("TSV rejected %+v", bad)
	}
	// CLEF-like TSV with a header, joined key columns and compact dates.
	clef := "split\tdoc_id\tdate_yyyymmdd\tevent_slug\tline_number\tspeaker\ttext\n" +
		"training\t20160209_msnbc\t20160209\tmsnbc_dem\t1\tTODD\tGood evening.\n" +
		"training\t20180126_x\t20182601\tx\t2\tTRUMP\tA bad date in the data.\n"
	recs, bad = readAll(t, clef, Options{Format: "tsv", Header: true,
		Map: "external_id=doc_id+line_number,said_on=date_yyyymmdd,context=event_slug,text=text,speaker=speaker"})
	if len(recs) != 2 || recs[0].ExternalID != "20160209_msnbc:1" || *recs[0].Quote.SaidOn != "2016-02-09" || len(bad) != 0 {
		t.Errorf("CLEF records %+v %+v", recs, bad)
	}
	// CSV by header names alone.
	csv := "text,speaker,said_on,tags\n\"Hello, \"\"world\"\"\",Ann,2024-05,a|b\n"
	recs, _ = readAll(t, csv, Options{Format: "csv"})
	if len(recs) != 1 || recs[0].Quote.Text != `Hello, "world"` || *recs[0].Quote.SaidOn != "2024-05" {
		t.Errorf("CSV records %+v", recs)
	}
	for _, bad := range []Options{{Format: "csv", Map: "words=1"}, {Format: "csv", Map: "text=1"}, {Format: "xlsx"},
		{Format: "tsv", Header: true, Map: "text=nope,speaker=speaker"}} {
		if _, err := NewReader(strings.NewReader("text\tspeaker\n"), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestClaimReview(t *testing.T) {
	t.Parallel()
	item := `{"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://factcheck.example/1",
		"claimReviewed": "Vaccines contain microchips", "datePublished": "2021-07-21",
		"author": {"@type": "Organization", "name": "AAP"},
		"itemReviewed": {"@type": "Claim", "author": {"name": "Facebook post"}, "datePublished": "2021-07-20T10:00:00Z"},
		"reviewRating": {"@type": "Rating", "alternateName": "False"}}`
	noClaim := `{"@type": "ClaimReview", "url": "https://factcheck.example/2", "headline": "A headline only"}`
	unknown := strings.Replace(item, `"False"`, `"Other"`, 1)
	for name, in := range map[string]string{"lines": item + "\n" + noClaim + "\n" + unknown + "\n", "array": "[" + item + "," + noClaim + "," + unknown + "]"} {
		recs, bad := readAll(t, in, Options{Format: "claimreview"})
		if len(recs) != 1 || *recs[0].Quote.SpeakerName != "Facebook post" || *recs[0].Quote.SaidOn != "2021-07-20" ||
			!strings.HasPrefix(recs[0].ExternalID, "https://factcheck.example/1#") || *recs[0].Verdicts[0].Rating != "false" ||
			recs[0].Citations[0].URL != "https://factcheck.example/1" {
			t.Errorf("%s: records %+v", name, recs)
		}
		if len(bad) != 2 || bad[0].Field != "claimReviewed" || bad[1].Field != "reviewRating.alternateName" {
			t.Errorf("%s: rejected %+v", name, bad)
		}
	}
}
