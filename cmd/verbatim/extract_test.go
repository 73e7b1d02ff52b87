package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/extract"
)

// verbatim extract answers as POST /v1/extract does: without --save it reads the article
// and touches no database; with --save the confident candidates become quotes in the
// language read, and a bad article is refused naming the field.
func TestExtractCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	article := filepath.Join(dir, "article.txt")
	text := "Die Regierung hat am Montag beraten. „Wir werden die Ukraine weiter unterstützen“, sagte Bundeskanzler Olaf Scholz nach dem Treffen."
	if err := os.WriteFile(article, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "v.db")
	extractOut := func(args ...string) (api.ExtractResponse, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"verbatim", "extract"}, args...), noEnv, &stdout, &stderr)
		var res api.ExtractResponse
		if err == nil {
			err = json.Unmarshal(stdout.Bytes(), &res)
		}
		return res, err
	}
	res, err := extractOut(article, "--db", dbPath)
	if err != nil || res.Lang != "de" || !res.LangDetected || len(res.Data) != 1 || res.Data[0].SpeakerName != "Olaf Scholz" ||
		res.Data[0].QuoteID != nil || res.Model != extract.Version {
		t.Fatalf("extract: %+v %v", res, err)
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Errorf("extract without --save touched the database: %v", err)
	}
	d := dbtest.OpenDSN(t, dbPath, db.Options{}) // made and migrated, as serve would
	res, err = extractOut(article, "--db", dbPath, "--save", "--url", "https://example.com/berlin", "--published-on", "2025-04-21")
	if err != nil || len(res.Data) != 1 || res.Data[0].QuoteID == nil {
		t.Fatalf("extract --save: %+v %v", res, err)
	}
	q, err := d.Quote(db.WithActor(context.Background(), db.System), *res.Data[0].QuoteID)
	if err != nil || q.Lang == nil || *q.Lang != "de" || q.Speaker.Name != "Olaf Scholz" || q.Extraction == nil {
		t.Errorf("saved: %+v %v", q, err)
	}
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"verbatim", "extract", article, "--published-on", "Monday"}, noEnv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "published_on") {
		t.Errorf("a bad date: %v", err)
	}
}
