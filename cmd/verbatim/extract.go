package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/extract"
)

// extractCmd reads an article — a file, or - for standard input — and prints what the
// extractor proposes, as POST /v1/extract answers it. With --save it stores the
// candidates at the operating point as unverified quotes, as the API's save does; without
// it no database is opened.
func extractCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("extract FILE|- [flags]", getenv, stdout, stderr)
	dbPath := dbFlag(fs, "database, with --save")
	lang := fs.String("lang", "", "the article's language (BCP 47: de, fr, pt-BR, …); empty to detect it")
	published := fs.String("published-on", "", "the publication date, YYYY-MM-DD, for \"on Sunday\"")
	url := fs.String("url", "", "the article's address: saved quotes cite it")
	outlet := fs.String("outlet", "", "the outlet that published it, for candidates that name none")
	save := fs.Bool("save", false, fmt.Sprintf("store the candidates of confidence %.2f or more as unverified quotes", extract.Threshold))
	pos, err := fs.parseArgs(args, "the article's file")
	if err != nil {
		return err
	}
	var text []byte
	if pos[0] == "-" {
		text, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<21))
	} else {
		text, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return err
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	a := db.Article{Text: string(text), Lang: opt(*lang), PublishedOn: opt(*published), URL: opt(*url), OutletName: opt(*outlet)}
	var read extract.Result
	var ids []string
	if *save {
		store, err := engines.Open(ctx, *dbPath, engines.Options{Existing: true})
		if err != nil {
			return err
		}
		defer store.Close()
		read, ids, err = store.ExtractArticle(ctx, a, true)
		if err != nil {
			return err
		}
	} else if read, err = db.ReadArticle(a); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(api.NewExtractResponse(read, ids))
}
