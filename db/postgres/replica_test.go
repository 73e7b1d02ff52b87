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
	ctx := db.WithActor(context.Background(), db.System)
	// The standby has the database once it has replayed the primary's WAL up to now. A
	// busy run (every package's tests making databases at once) can put it well behind,
	// so the wait is long, and fails only when replay has stopped moving; the message
	// says where the standby stood.
	pc, err := pgx.Connect(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(ctx)
	var target string
	if err := pc.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	sc, err := pgx.Connect(ctx, standby)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close(ctx)
	var last string
	for moved, deadline := time.Now(), time.Now().Add(5*time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var replayed, received, paused string
		var caught bool
		if err := sc.QueryRow(ctx, `SELECT coalesce(pg_last_wal_replay_lsn()::text, ''), coalesce(pg_last_wal_receive_lsn()::text, ''),
			pg_get_wal_replay_pause_state(), coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)`, target).
			Scan(&replayed, &received, &paused, &caught); err != nil {
			t.Fatal(err)
		}
		if caught {
			break
		}
		if replayed != last {
			last, moved = replayed, time.Now()
		}
		if time.Since(moved) > time.Minute || time.Now().After(deadline) {
			t.Fatalf("the standby never replayed the test database's creation at %s: replayed %s, received %s, replay %s",
				target, replayed, received, paused)
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("the standby replayed past the test database's creation but has no such database: %v", err)
	}
	conn.Close(ctx)
	return dsn
}

// Searches, exports and the feed read from the replica — except for a key that has just
// written, which must find its own write. Shown with the standby's replay paused: the
// writer finds its new quote, another key does not until the replay resumes, and reads
// by ID always come from the primary.
func TestReplicaServesHeavyReadsButNotTheWriter(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
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
