package db

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

func TestOpenMigratesAndReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.SchemaVersion(ctx)
	if err != nil || v != LatestSchemaVersion() || v < 1 {
		t.Fatalf("schema version %d (%v), want %d", v, err, LatestSchemaVersion())
	}
	var mode string
	var fk int
	if err := d.reader.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v), want wal", mode, err)
	}
	if err := d.reader.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d (%v), want 1", fk, err)
	}
	// Readers cannot write, whatever a bug might ask of them.
	if _, err := d.reader.ExecContext(ctx, "DELETE FROM quotes"); err == nil {
		t.Error("a reader connection could write")
	}
	if _, err := d.CreateSpeaker(ctx, SpeakerInput{Name: "Kept"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer d.Close()
	if c, err := d.Counts(ctx); err != nil || c.Speakers != 1 {
		t.Errorf("after reopen: %+v %v", c, err)
	}
}

// A database migrated by a newer binary must be refused, not half-understood.
func TestOpenRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "future.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", LatestSchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer verbatim") {
		t.Fatalf("Open of a newer database: %v, want a refusal naming the cause", err)
	}
}

// Writers queue on the one writer connection: many at once never meet SQLITE_BUSY.
func TestConcurrentWritersNeverBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	sp, err := d.CreateSpeaker(ctx, SpeakerInput{Name: "S"})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("speaker %d-%d", w, i) // half find-or-create a new speaker
				in := QuoteInput{Text: "words", SpeakerID: &sp.ID}
				if i%2 == 0 {
					in = QuoteInput{Text: "words", SpeakerName: &name, Tags: []string{"a", "b"}}
				}
				if _, err := d.CreateQuote(ctx, in); err != nil {
					errs <- err
				}
				// Readers run beside the writers.
				if _, err := d.ListQuotes(ctx, QuoteFilter{Limit: 5}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	c, err := d.Counts(ctx)
	if err != nil || c.Quotes != writers*each {
		t.Errorf("counts %+v (%v), want %d quotes", c, err, writers*each)
	}
}

func TestNormalizeDate(t *testing.T) {
	t.Parallel()
	ptr := func(s string) *string { return &s }
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

// A write that fails half-way leaves nothing behind: the speaker found-or-created by name
// goes with the quote that failed.
func TestFailedWriteLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	name, outlet := "New Speaker", "out_missing"
	_, err := d.CreateQuote(ctx, QuoteInput{Text: "x", SpeakerName: &name, OutletID: &outlet})
	if ErrorCode(err) != Invalid {
		t.Fatalf("CreateQuote with a missing outlet: %v, want invalid", err)
	}
	if c, _ := d.Counts(ctx); c != (Counts{}) {
		t.Errorf("a failed write left %+v", c)
	}
	var n int
	if err := d.reader.QueryRowContext(ctx, "SELECT count(*) FROM speaker_names").Scan(&n); err != nil || n != 0 {
		t.Errorf("speaker_names left: %d %v", n, err)
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	d := &DB{now: func() time.Time { return time.Now() }}
	prev := ""
	for range 1000 {
		id := newID("q_", d.now())
		if len(id) != 28 || seen[id] || !strings.HasPrefix(id, "q_") {
			t.Fatalf("bad or repeated ID %q", id)
		}
		if strings.Trim(id[2:], crockford) != "" {
			t.Fatalf("ID %q has characters outside Crockford base32", id)
		}
		if id[2:12] < prev {
			t.Fatalf("time part went backwards: %q after %q", id[2:12], prev)
		}
		prev = id[2:12]
		seen[id] = true
	}
}

// The memory-statistics mutex serialises readers; it must be off before any connection.
func TestMemstatusDisabled(t *testing.T) {
	if !memstatusDisabled {
		t.Fatal("sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) failed: SQLite initialised before package db")
	}
}

// The audit trail is append-only, whatever SQL is sent to it.
func TestAuditLogAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTest(t)
	if _, err := d.CreateSpeaker(ctx, SpeakerInput{Name: "S"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`} {
		if _, err := d.writer.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
}

// The bulk path records creations in the audit trail exactly as a single create does:
// every *string field of Quote set, none set, and text that JSON escapes.
func TestQuoteCreationMatchesAudit(t *testing.T) {
	t.Parallel()
	full := &Quote{ID: "q_1", Text: "words", Speaker: SpeakerRef{ID: "spk_1", Name: "S"}, Outlet: &OutletRef{ID: "out_1", Name: "O"},
		Tags: []string{"a", "b"}, Attribution: "unverified", CreatedBy: "desk"}
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
