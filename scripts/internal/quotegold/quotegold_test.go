package quotegold

import (
	"os"
	"path/filepath"
	"testing"
)

// A candidate outside the derived pairs is judged by the innermost attribution the
// annotators marked around it: right or wrong by its source, unscored when the source is a
// pronoun, extra only when no annotated speech covers it; recall counts the pairs alone.
func TestJudgeAgainstOtherAttributions(t *testing.T) {
	dir := t.TempDir()
	text := "“We will win,” Clinton said. Kaine said the plan was “bold” and “fair”. He called it “good”. “Yes.”"
	write := func(name, body string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dev/text/a.txt", text)
	write("direct_quote_pairs.dev.jsonl", `{"article": "a", "annotator": "x1", "attribution_id": "E1", "quote": "“We will win,”", "quote_spans": [[0, 14]], "speaker": "Clinton", "speaker_is_pronoun": false, "publication_date": "2016-06-22"}`+"\n")
	write("dev/attributions/a_x1.ann", "T1\tContent 0 14\t“We will win,”\n"+
		"T2\tSource 15 22\tClinton\n"+
		"E1\tAttribution:T9 Content:T1 Source:T2\n"+
		"T3\tContent 40 70\tthe plan was “bold” and “fair”\n"+
		"T4\tSource 29 34\tKaine\n"+
		"E2\tAttribution:T10 Source:T4 Content:T3\n"+
		"T5\tContent 53 59\t“bold”\n"+ // nested: the plan's authors called it bold
		"T6\tSource 29 34\tKaine\n"+
		"E3\tAttribution:T11 Content:T5 Source:T6\n"+
		"T7\tContent 85 91\t“good”\n"+
		"T8\tSource 72 74\tHe\n"+
		"E4\tAttribution:T12 Content:T7 Source:T8\n"+
		"T13\tContent 93 99\t“Yes.”\n"+ // no source: not an attribution the judge reads
		"E5\tAttribution-no-source:T14 Content:T13\n")
	as, err := PolNeAR(dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || len(as[0].Gold) != 1 || len(as[0].Others) != 3 {
		t.Fatalf("read %+v", as)
	}
	a := &as[0]
	for _, c := range []struct {
		name       string
		start, end int
		speaker    string
		index      int
		want       Verdict
	}{
		{"a pair, its speaker", 1, 12, "Hillary Clinton", 0, Right},
		{"a pair, another speaker", 1, 12, "Kaine", 0, Wrong},
		{"a quoted clause of reported speech, its source", 65, 69, "Tim Kaine", -1, Right},
		{"the innermost attribution judges", 54, 58, "Clinton", -1, Wrong},
		{"a pronoun source", 86, 90, "Kaine", -1, Unscored},
		{"speech no attribution with a source covers", 94, 98, "Kaine", -1, Extra},
	} {
		if i, v := a.Judge(c.start, c.end, c.speaker); i != c.index || v != c.want {
			t.Errorf("%s: %d %v, want %d %v", c.name, i, v, c.index, c.want)
		}
	}
	var s Score
	s.Add(a, []Cand{{Start: 1, End: 12, Speaker: "Clinton"}, {Start: 65, End: 69, Speaker: "Kaine"}, {Start: 94, End: 98, Speaker: "Kaine"}})
	if s.TP != 2 || s.FP != 1 || s.Named != 1 || s.Found != 1 {
		t.Errorf("score %+v: two right (one a pair), one extra; recall over the one pair", s)
	}
}
