package sqlite_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	. "github.com/verbatimhq/verbatim/db/sqlite"
)

// Paths with the characters a file: URI gives meaning to are the files they name: a
// backup to night#1.db is night#1.db (not a stray "night"), and a restore from evil.db#x
// verifies the very file it copies.
func TestPathsAreFilesNotURIs(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	dir := t.TempDir()
	d, err := OpenDB(ctx, filepath.Join(dir, "live?mode=memory#x.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eng := d.Engine().(*Engine)
	name := "Keith Kellogg"
	if _, err := d.CreateQuote(ctx, db.QuoteInput{Text: "NATO isn’t on the table", SpeakerName: &name}); err != nil {
		t.Fatal(err)
	}
	for _, backup := range []string{"night#1.db", "50%.db", "a?b.db"} {
		rep, err := eng.Backup(ctx, filepath.Join(dir, backup))
		if err != nil || !rep.OK() || rep.Quotes != 1 {
			t.Errorf("backup to %s: %+v %v", backup, rep, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, stray := range []string{"night", "50", "a", "live"} {
		if _, err := os.Stat(filepath.Join(dir, stray)); err == nil {
			t.Errorf("a stray file %q was created: %v", stray, names)
		}
	}
	// evil.db is a sound database, evil.db#x is not a database at all: the restore must
	// refuse the file it would copy.
	if _, err := eng.Backup(ctx, filepath.Join(dir, "evil.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "evil.db#x"), []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, filepath.Join(dir, "evil.db#x"), filepath.Join(dir, "target.db"), false); err == nil {
		t.Error("a restore verified one file and copied another")
	}
	if _, err := Verify(ctx, filepath.Join(dir, "absent.db")); err == nil {
		t.Error("verifying a missing file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "absent.db")); err == nil {
		t.Error("verify created the file it was asked to check")
	}
}

// A restore never replaces a database another handle (a running server) holds open: the
// writes it acknowledged after the restore would be lost.
func TestRestoreRefusesADatabaseInUse(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	d, err := Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	eng := d
	backup := filepath.Join(dir, "backup.db")
	if _, err := eng.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, backup, live, true); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore over a database in use: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, backup, live, true); err != nil {
		t.Fatalf("restore once the database is closed: %v", err)
	}
}

// An engine tells whether another process has its archive open — a server beside a
// command-line import — and not its own handles.
func TestSharedSeesOtherProcesses(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("other systems do not list their locks: Shared always says yes")
	}
	ctx := db.WithActor(context.Background(), db.System)
	path := filepath.Join(t.TempDir(), "shared.db")
	e, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	again, err := Open(ctx, path) // a second handle in this process is no company
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if e.Shared() {
		t.Fatal("alone, the archive is said to be shared")
	}
	// Another process holding the lock every process using the archive holds.
	other := exec.Command("flock", "--shared", "--no-fork", path, "sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatalf("flock (util-linux): %v", err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !e.Shared() {
		if time.Now().After(deadline) {
			t.Fatal("another process holds the archive, and Shared does not see it")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = other.Process.Kill()
	_ = other.Wait()
	if e.Shared() {
		t.Error("the other process is gone, and Shared still sees it")
	}
}
