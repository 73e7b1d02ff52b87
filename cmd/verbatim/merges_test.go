package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/db/engines"
)

// The command line merges speakers and outlets and applies Wikidata's redirects, going
// through the core's rules as every other way in does.
func TestMergeCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "m.db")
	store, err := engines.Open(dbtest.Operator, dbPath, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sp := func(name, qid string) *db.Speaker {
		in := db.SpeakerInput{Name: name}
		if qid != "" {
			in.WikidataQID = &qid
		}
		s, err := store.CreateSpeaker(dbtest.Operator, in)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	keith, gen, old := sp("Keith Kellogg", "Q6385264"), sp("Gen. Kellogg", ""), sp("K. Kellogg", "Q110661519")
	// Two speakers answer to "Frank": an import naming it attaches the line to neither.
	for _, name := range []string{"Frank Kellogg", "Frank Smith"} {
		if _, err := store.CreateSpeaker(dbtest.Operator, db.SpeakerInput{Name: name, Aliases: []string{"Frank"}}); err != nil {
			t.Fatal(err)
		}
	}
	wsj, err := store.CreateOutlet(dbtest.Operator, db.OutletInput{Name: "The Wall Street Journal"})
	if err != nil {
		t.Fatal(err)
	}
	short, err := store.CreateOutlet(dbtest.Operator, db.OutletInput{Name: "WSJ"})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	cli := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"verbatim"}, args...), noEnv, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	if out, _, err := cli("speakers", "merge", gen.ID, "--into", keith.ID, "--reason", "the same general", "--db", dbPath); err != nil ||
		!strings.Contains(out, gen.ID+" now redirects to "+keith.ID) {
		t.Errorf("speakers merge: %q %v", out, err)
	}
	if out, _, err := cli("outlets", "merge", short.ID, "--into", wsj.ID, "--db", dbPath); err != nil || !strings.Contains(out, "merged "+short.ID) {
		t.Errorf("outlets merge: %q %v", out, err)
	}
	// The core's refusals reach the command line.
	if _, _, err := cli("speakers", "merge", keith.ID, "--into", keith.ID, "--db", dbPath); db.ErrorCode(err) != db.Invalid {
		t.Errorf("a merge into itself: %v", err)
	}
	if _, _, err := cli("speakers", "merge", gen.ID, "--into", keith.ID, "--db", dbPath); db.ErrorCode(err) != db.Conflict {
		t.Errorf("a merge of a merged speaker: %v", err)
	}
	file := filepath.Join(dir, "redirects.tsv")
	if err := os.WriteFile(file, []byte("Q110661519\tQ6385264\nQ1 Q1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli("speakers", "qid-redirects", file, "--db", dbPath)
	var rep db.QIDReport
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Merged != 1 || rep.Rejected != 1 || rep.Errors[0].Line != 2 {
		t.Fatalf("speakers qid-redirects: %q %v", out, err)
	}
	quotes := filepath.Join(dir, "quotes.ndjson")
	if err := os.WriteFile(quotes, []byte(`{"text": "clear", "speaker_name": "Gen. Kellogg"}`+"\n"+`{"text": "ambiguous", "speaker_name": "frank"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli("import", quotes, "--quiet", "--db", dbPath)
	var res db.ImportResult
	// (A rejected line fails the command, after the report.)
	if err == nil || json.Unmarshal([]byte(out), &res) != nil || res.Created != 1 || res.Rejected != 1 || res.Errors[0].Line != 2 ||
		!strings.Contains(res.Errors[0].Message, "several speakers are known as") {
		t.Errorf("import naming an ambiguous speaker: %q %v", out, err)
	}
	store, err = engines.Open(dbtest.Operator, dbPath, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if p, err := store.ListQuotes(dbtest.Operator, db.QuoteFilter{SpeakerID: &gen.ID}); err != nil || len(p.Data) != 1 || p.Data[0].Speaker.ID != keith.ID {
		t.Errorf("the imported quote naming the merged speaker: %+v %v", p.Data, err)
	}
	if _, err := store.Speaker(dbtest.Operator, old.ID); db.ErrorCode(err) != db.Moved {
		t.Errorf("the speaker of the redirected QID: %v", err)
	}
	for _, bad := range [][]string{{"speakers"}, {"speakers", "merge", gen.ID}, {"speakers", "split", gen.ID}, {"outlets", "qid-redirects", file},
		{"speakers", "qid-redirects"}} {
		if _, _, err := cli(append(bad, "--db", dbPath)...); !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
}
