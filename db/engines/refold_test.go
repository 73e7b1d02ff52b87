package engines_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
)

// An archive made before folding learnt other scripts is indexed and keyed again by the
// migration that taught it: here an archive whose index and name keys are stale, as an
// older binary left them, opened again. Its Greek and Chinese quotes are found by a word
// typed plainly, and the speaker's name typed plainly finds the speaker.
func TestMigrationRefoldsOlderArchives(t *testing.T) {
	t.Parallel()
	ctx := db.WithActor(context.Background(), db.System)
	for _, engine := range []struct {
		name  string
		dsn   func(t *testing.T) string
		stale func(t *testing.T, dsn string)
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "old.db") }, func(t *testing.T, dsn string) {
			conn, err := sql.Open("sqlite3", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// As a binary before migration 17 left it: the chain's tables and columns
			// (migrations 18 and 19), the loads (20, 21) and what they created (22) not
			// there yet either.
			for _, q := range []string{`UPDATE quotes_fts SET text = 'stale', speaker = 'stale', context = 'stale'`,
				`UPDATE speakers SET name_key = 'stale'`, `UPDATE speaker_names SET name_key = 'stale'`,
				`DROP TABLE deferred_indexes`, `DROP TABLE load_batches`, `DROP TABLE loads`,
				`DROP TABLE merge_appearance_moves`, `DROP TABLE appearances`, `DROP INDEX quotes_first_seen`, `DROP INDEX quotes_drifted`,
				`ALTER TABLE quotes DROP COLUMN appearance_count`, `ALTER TABLE quotes DROP COLUMN drift_count`,
				`ALTER TABLE quotes DROP COLUMN suggested_count`, `ALTER TABLE quotes DROP COLUMN first_appearance`,
				`ALTER TABLE quotes DROP COLUMN appeared_first`, `ALTER TABLE quotes DROP COLUMN first_appearance_pin`,
				`ALTER TABLE quotes DROP COLUMN loaded_in`, `PRAGMA user_version = 16`} {
				if _, err := conn.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}},
		{"postgres", func(t *testing.T) string { return dbtest.PostgresDSN(t) }, func(t *testing.T, dsn string) {
			conn, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			for _, q := range []string{`UPDATE quotes SET search = to_tsvector('simple', 'stale')`,
				`UPDATE speakers SET name_key = 'stale'`, `UPDATE speaker_names SET name_key = 'stale'`,
				`DROP TABLE load_batches`, `DROP TABLE loads`,
				`DROP TABLE merge_appearance_moves`, `DROP TABLE appearances`, `ALTER TABLE quotes DROP COLUMN appearance_count, DROP COLUMN drift_count,
					DROP COLUMN suggested_count, DROP COLUMN first_appearance, DROP COLUMN appeared_first,
					DROP COLUMN first_appearance_pin, DROP COLUMN loaded_in`,
				`DELETE FROM verbatim_migrations WHERE version >= 8`} {
				if _, err := conn.Exec(context.Background(), q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}},
	} {
		t.Run(engine.name, func(t *testing.T) {
			dsn := engine.dsn(t)
			d, err := engines.Open(ctx, dsn, engines.Options{})
			if err != nil {
				t.Fatal(err)
			}
			greek, err := d.CreateQuote(ctx, db.QuoteInput{Text: "Ο λαός αποφάσισε με δημοψήφισμα", SpeakerName: ptr("Αλέξης Τσίπρας")})
			if err != nil {
				t.Fatal(err)
			}
			chinese, err := d.CreateQuote(ctx, db.QuoteInput{Text: "中国外交部发言人表示反对", SpeakerName: ptr("发言人")})
			if err != nil {
				t.Fatal(err)
			}
			d.Close()
			engine.stale(t, dsn)
			d = dbtest.OpenDSN(t, dsn, db.Options{}) // migrates again
			for q, want := range map[string]string{"δημοψηφισμα": greek.ID, "τσιπρας": greek.ID, "外交部": chinese.ID} {
				p, err := d.ListQuotes(ctx, db.QuoteFilter{Q: &q})
				if err != nil || len(p.Data) != 1 || p.Data[0].ID != want {
					t.Errorf("%q after the migration: %v %v", q, p.Data, err)
				}
			}
			q, err := d.CreateQuote(ctx, db.QuoteInput{Text: "again", SpeakerName: ptr("αλεξης τσιπρας")})
			if err != nil || q.Speaker.ID != greek.Speaker.ID {
				t.Errorf("the speaker by a plainly typed name after the migration: %v %v", q, err)
			}
		})
	}
}
