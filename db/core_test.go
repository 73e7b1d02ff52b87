package db

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNormalizeDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		precision *string
		date      string
		prec      string
		bad       bool
	}{
		{in: "2025-04-20", date: "2025-04-20", prec: "day"},
		{in: "2025-04", date: "2025-04-01", prec: "month"},
		{in: "2025", date: "2025-01-01", prec: "year"},
		{in: "2025-04-20", precision: ptr("month"), date: "2025-04-01", prec: "month"},
		{in: "2025-04-20", precision: ptr("year"), date: "2025-01-01", prec: "year"},
		{in: "2025-04", precision: ptr("day"), bad: true},
		{in: "2024-02-29", date: "2024-02-29", prec: "day"},
		{in: "2025-02-29", bad: true},
		{in: "2025-4-20", bad: true},
		{in: "20250420", bad: true},
		{in: "0000", bad: true},
		{in: "", bad: true},
		{in: "2025-04-20 ", bad: true},
	}
	for _, tt := range tests {
		date, prec, err := NormalizeDate(tt.in, tt.precision)
		if tt.bad {
			if err == nil {
				t.Errorf("NormalizeDate(%q) = %q, %q; want an error", tt.in, date, prec)
			}
			continue
		}
		if err != nil || date != tt.date || prec != tt.prec {
			t.Errorf("NormalizeDate(%q) = %q, %q, %v; want %q, %q", tt.in, date, prec, err, tt.date, tt.prec)
		}
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	prev := ""
	for range 1000 {
		id := newID("q_", time.Now())
		if len(id) != 28 || seen[id] || !strings.HasPrefix(id, "q_") {
			t.Fatalf("bad or repeated ID %q", id)
		}
		if !validID("q_", id) {
			t.Fatalf("ID %q has characters outside Crockford base32", id)
		}
		if id[2:12] < prev {
			t.Fatalf("time part went backwards: %q after %q", id[2:12], prev)
		}
		prev = id[2:12]
		seen[id] = true
	}
}

// The bulk path records creations in the audit trail exactly as a single create does:
// every *string field of Quote set, none set, and text that JSON escapes.
func TestQuoteCreationMatchesAudit(t *testing.T) {
	t.Parallel()
	full := &Quote{ID: "q_1", Text: "words", Speaker: SpeakerRef{ID: "spk_1", Name: "S"}, Outlet: &OutletRef{ID: "out_1", Name: "O"},
		Tags: []string{"a", "b"}, Attribution: "unverified", CreatedBy: "desk", Seq: 7, Version: 1}
	v := reflect.ValueOf(full).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.CanSet() && f.Type() == reflect.TypeFor[*string]() {
			s := v.Type().Field(i).Name + " <\"&>\u2028"
			f.Set(reflect.ValueOf(&s))
		}
	}
	for name, q := range map[string]*Quote{
		"every field": full,
		"nulls":       {ID: "q_2", Text: "w", Speaker: SpeakerRef{ID: "spk_1"}, Attribution: "unverified", CreatedBy: "desk"},
		"no tags":     {ID: "q_3", Text: "w", Speaker: SpeakerRef{ID: "spk_1"}, Tags: []string{}, Attribution: "verified"},
		"escapes":     {ID: "q_4", Text: "“NATO” isn’t <on> the table & \"more\"\n\t\x00", Speaker: SpeakerRef{ID: "spk_1"}},
	} {
		got, err := quoteCreation(q)
		if err != nil {
			t.Fatal(err)
		}
		changes := map[string]Change{}
		for k, v := range fields(q) {
			changes[k] = Change{After: v}
		}
		want, _ := json.Marshal(changes)
		if got != string(want) {
			t.Errorf("%s: bulk audit\n got %s\nwant %s", name, got, want)
		}
	}
}

// A read that began before a write of this process commits may hold the old value; its
// put is refused, so the writer's own read afterwards cannot be served the old value.
func TestCachePutAfterClearIsRefused(t *testing.T) {
	t.Parallel()
	c := cache[string, int]{max: 10}
	_, ok, token := c.get(1, "q")
	if ok {
		t.Fatal("hit in an empty cache")
	}
	c.clear() // a write commits while the read is under way
	c.put(1, token, "q", 41)
	if v, ok, _ := c.get(1, "q"); ok {
		t.Fatalf("stale value %d served after a commit", v)
	}
	_, _, token = c.get(1, "q")
	c.put(1, token, "q", 42)
	if v, ok, _ := c.get(1, "q"); !ok || v != 42 {
		t.Fatalf("fresh value: %d, %v", v, ok)
	}
	if _, ok, _ := c.get(2, "q"); ok {
		t.Fatal("a value of an older generation served")
	}
	_, _, token = c.get(2, "q")
	c.put(2, token, "q", 43)
	c.put(1, token, "q", 40) // read at an older generation: refused
	if v, ok, _ := c.get(2, "q"); !ok || v != 43 {
		t.Fatalf("after an older put: %d, %v", v, ok)
	}
}

// Everything above the engines — the core, the API, the import and export formats, the
// ClaimReview mapping — links no database driver and builds without cgo: a rule kept
// there cannot depend on which database holds the archive.
func TestAboveTheEnginesNoDriver(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the go command")
	}
	pkgs := []string{".", "../api", "../ingest", "../archive", "../claimreview"}
	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/verbatimhq/verbatim/db") || !slices.Contains(deps, "github.com/labstack/echo/v4") {
		t.Fatalf("go list listed no dependencies to check: %v", deps)
	}
	for _, dep := range deps {
		for _, driver := range []string{"github.com/mattn/go-sqlite3", "github.com/jackc/", "github.com/lib/pq",
			"github.com/verbatimhq/verbatim/db/sqlite", "github.com/verbatimhq/verbatim/db/postgres"} {
			if strings.HasPrefix(dep, driver) {
				t.Errorf("%s is linked above the engines", dep)
			}
		}
	}
}
