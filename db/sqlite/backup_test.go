package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	. "github.com/verbatimhq/verbatim/db/sqlite"
)

// openTest opens an archive in a file of the test's own, closed when it ends.
func openTest(t *testing.T) (*db.DB, *Engine) {
	t.Helper()
	d, err := OpenDB(context.Background(), filepath.Join(t.TempDir(), "test.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, d.Engine().(*Engine)
}

// A backup taken while writers keep writing is one consistent snapshot that passes every
// check, and restores to a database that does too.
func TestBackupDuringWritesRestores(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	d, eng := openTest(t)
	name := "Writer"
	for i := range 300 {
		if _, err := d.CreateQuote(ctx, db.QuoteInput{Text: fmt.Sprintf("before the backup %d", i), SpeakerName: &name}); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if _, err := d.CreateQuote(ctx, db.QuoteInput{Text: fmt.Sprintf("during %d-%d", w, i), SpeakerName: &name}); err != nil {
					t.Errorf("write during backup: %v", err)
					return
				}
				written.Add(1)
			}
		}()
	}
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	rep, err := eng.Backup(ctx, backup)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Quotes < 300 || rep.Speakers != 1 || rep.AuditLog < rep.Quotes {
		t.Fatalf("backup report %+v", rep)
	}
	if _, err := eng.Backup(ctx, backup); err == nil {
		t.Error("a backup over an existing file was allowed")
	}
	target := filepath.Join(dir, "restored.db")
	got, err := Restore(ctx, backup, target, false)
	if err != nil || got.Quotes != rep.Quotes {
		t.Fatalf("restore: %+v %v", got, err)
	}
	if _, err := Restore(ctx, backup, target, false); err == nil {
		t.Error("restore over an existing database without force was allowed")
	}
	restored, err := OpenDB(ctx, target, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	q := "backup"
	page, err := restored.ListQuotes(ctx, db.QuoteFilter{Q: &q, Limit: 5})
	if err != nil || len(page.Data) != 5 {
		t.Errorf("search in the restored database: %d, %v", len(page.Data), err)
	}
	t.Logf("backup of %d quotes taken while %d more were written", rep.Quotes, written.Load())
}
