package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// QuotesChanged is what lets the core keep quotes' words between a bulk import's
// batches: it must name every quote whose words or speaker changed, or was deleted,
// through this writer, and say "all" whenever it cannot know — another handle (another
// process) wrote, or the triggers that watch went with a rolled-back transaction.
func TestQuotesChangedFollowsWriters(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	path := filepath.Join(t.TempDir(), "watch.db")
	a, ea := openHandle(t, path)
	b, _ := openHandle(t, path)
	changed := func() ([]int64, bool) {
		t.Helper()
		var seqs []int64
		var all bool
		if err := ea.Write(ctx, func(tx db.Tx) error {
			var err error
			seqs, all, err = tx.QuotesChanged(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(seqs)
		return seqs, all
	}
	quote := func(text string) *db.Quote {
		t.Helper()
		q, err := a.CreateQuote(ctx, db.QuoteInput{Text: text, SpeakerName: ptr("Ana Ruiz"), Separate: true})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	x, y, z := quote("The first of three quotes"), quote("The second of three quotes"), quote("The third of three quotes")
	if _, all := changed(); !all {
		t.Fatal("the first call: not all, but nothing was watched before it")
	}
	quote("A new quote is no change to any other")
	other, err := a.CreateSpeaker(ctx, db.SpeakerInput{Name: "Ben Ode"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		want []int64
	}{
		{"a new quote", func() error { quote("Another new quote"); return nil }, nil},
		{"an edit of the words", func() error {
			_, err := a.UpdateQuote(ctx, x.ID, nil, db.QuotePatch{Text: set("The first, edited")})
			return err
		}, []int64{x.Seq}},
		{"an edit of the context alone", func() error {
			_, err := a.UpdateQuote(ctx, x.ID, nil, db.QuotePatch{Context: set("On the radio")})
			return err
		}, nil},
		{"another speaker", func() error {
			_, err := a.UpdateQuote(ctx, y.ID, nil, db.QuotePatch{SpeakerID: set(other.ID)})
			return err
		}, []int64{y.Seq}},
		{"a deletion", func() error { return a.DeleteQuote(ctx, z.ID, nil) }, []int64{z.Seq}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got, all := changed(); all || !slices.Equal(got, s.want) {
			t.Errorf("after %s: %v (all %v), want %v", s.name, got, all, s.want)
		}
	}
	// Another handle's commit: which rows it changed is not known here.
	if _, err := b.UpdateQuote(ctx, x.ID, nil, db.QuotePatch{Text: set("The first, edited elsewhere")}); err != nil {
		t.Fatal(err)
	}
	if _, all := changed(); !all {
		t.Error("after another handle's edit: not all")
	}
	if _, all := changed(); all {
		t.Error("nothing written since: all")
	}
	// The triggers gone (as a rollback of the transaction that made them leaves the
	// connection): whatever changed since is not known.
	drop := func() {
		t.Helper()
		if err := ea.Write(ctx, func(w db.Tx) error {
			_, err := w.(*tx).exec(ctx, "drop", `DROP TRIGGER temp.`+watchMark)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	drop()
	if _, all := changed(); !all {
		t.Error("the triggers dropped: not all")
	}
	drop()
	errRollback := errors.New("roll back")
	if err := ea.Write(ctx, func(w db.Tx) error {
		if _, _, err := w.QuotesChanged(ctx); err != nil {
			return err
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if _, all := changed(); !all {
		t.Error("the triggers made in a transaction rolled back: not all")
	}
	if _, err := a.UpdateQuote(ctx, y.ID, nil, db.QuotePatch{Text: set("The second, edited")}); err != nil {
		t.Fatal(err)
	}
	if got, all := changed(); all || !slices.Equal(got, []int64{y.Seq}) {
		t.Errorf("watched again: %v (all %v), want %v", got, all, []int64{y.Seq})
	}
}

func ptr[T any](v T) *T { return &v }

func set[T any](v T) db.Field[T] { return db.Field[T]{Set: true, Value: v} }
