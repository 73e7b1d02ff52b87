package postgres_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/postgres"
)

// replicaDSN is the test database on the hot standby VERBATIM_TEST_POSTGRES_REPLICA
// names, once the standby has replayed its creation.
func replicaDSN(t *testing.T, primary string) string {
	t.Helper()
	standby := os.Getenv("VERBATIM_TEST_POSTGRES_REPLICA")
	if standby == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("VERBATIM_TEST_POSTGRES_REPLICA is not set: CI must run the replica tests (.ci/postgres starts one)")
		}
		t.Skip("the replica tests need VERBATIM_TEST_POSTGRES_REPLICA: .ci/postgres start sets it")
	}
	p, _ := url.Parse(primary)
	u, _ := url.Parse(standby)
	u.Path = p.Path
	dsn := u.String()
	for deadline := time.Now().Add(30 * time.Second); ; {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			conn.Close(context.Background())
			return dsn
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby never had the test database: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Searches, exports and the feed read from the replica — except for a key that has just
// written, which must find its own write. Shown with the standby's replay paused: the
// writer finds its new quote, another key does not until the replay resumes, and reads
// by ID always come from the primary.
func TestReplicaServesHeavyReadsButNotTheWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	primary := dbtest.PostgresDSN(t)
	standby := replicaDSN(t, primary)
	d, err := postgres.OpenDB(ctx, postgres.Options{DSN: primary, Replica: standby}, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := postgres.OpenDB(ctx, postgres.Options{DSN: primary, Replica: primary}, db.Options{}); err == nil ||
		!strings.Contains(err.Error(), "not a standby") {
		t.Errorf("a replica that is the primary: %v", err)
	}
	writer := db.WithActor(ctx, db.Actor{Name: "desk", KeyID: "key_writer", Role: "editor"})
	reader := db.WithActor(ctx, db.Actor{Name: "researcher", KeyID: "key_reader", Role: "reader"})
	name := "Keith Kellogg"
	if _, err := d.CreateQuote(writer, db.QuoteInput{Text: "zebrafirst words", SpeakerName: &name}); err != nil {
		t.Fatal(err)
	}
	found := func(ctx context.Context, word string) int {
		t.Helper()
		p, err := d.ListQuotes(ctx, db.QuoteFilter{Q: &word})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Data)
	}
	waitFor := func(ctx context.Context, word string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); found(ctx, word) == 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the replica never showed %q", word)
			}
		}
	}
	waitFor(reader, "zebrafirst")

	ctl, err := pgx.Connect(ctx, standby)
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close(ctx)
	if _, err := ctl.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	defer ctl.Exec(ctx, `SELECT pg_wal_replay_resume()`)
	q, err := d.CreateQuote(writer, db.QuoteInput{Text: "zebrasecond words", SpeakerName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if n := found(writer, "zebrasecond"); n != 1 {
		t.Errorf("the writer's own search found %d of its new quote", n)
	}
	if n := found(reader, "zebrasecond"); n != 0 {
		t.Errorf("with the replica's replay paused, another key's search found %d: it did not read the replica", n)
	}
	if got, err := d.Quote(reader, q.ID); err != nil || got.Text != "zebrasecond words" {
		t.Errorf("a read by ID went to the paused replica: %v %v", got, err)
	}
	if _, err := ctl.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitFor(reader, "zebrasecond")
}
