package archive

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func TestNeutralizeCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"=HYPERLINK(\"https://evil.example\",\"click\")", "'=HYPERLINK(\"https://evil.example\",\"click\")"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"+1 555", "'+1 555"},
		{"-2+3", "'-2+3"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"NATO isn’t on the table", "NATO isn’t on the table"},
		{"a = b", "a = b"},
		{"", ""},
	} {
		if got := NeutralizeCell(tc.in); got != tc.want {
			t.Errorf("NeutralizeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Every text column of the CSV export goes out neutralised.
func TestCSVNeutralizesEveryTextColumn(t *testing.T) {
	t.Parallel()
	evil := "=HYPERLINK(\"https://evil.example\")"
	role, ctx, url := "@role", "+context", "-https://x"
	now := time.Date(2025, 4, 20, 0, 0, 0, 0, time.UTC)
	rec := &db.Record{Quote: &db.Quote{ID: "q_1", Text: evil, Speaker: db.SpeakerRef{ID: "spk_1", Name: "=name"},
		SpeakerRole: &role, Context: &ctx, SourceURL: &url, Tags: []string{"=tag"}, Attribution: "verified",
		Outlet: &db.OutletRef{ID: "out_1", Name: "@outlet"}, Version: 1, CreatedAt: now, UpdatedAt: now,
		CurrentVerdict: &db.Verdict{Summary: "=summary", ReviewedBy: "-desk", CreatedAt: now}}}
	var buf bytes.Buffer
	w, err := NewWriter("csv", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %v %v", rows, err)
	}
	for i, cell := range rows[1] {
		if cell != "" && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@') {
			t.Errorf("column %s went out as a formula: %q", rows[0][i], cell)
		}
	}
	if rows[1][1] != "'"+evil {
		t.Errorf("text column %q", rows[1][1])
	}
}
