package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
)

// mergeCmd runs `verbatim speakers merge|qid-redirects` and `verbatim outlets merge`:
// the commands on the records of kind.
func mergeCmd(ctx context.Context, kind string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	line := kind + "s merge ID --into ID [--reason TEXT] [--db PATH|URL]"
	if kind == "speaker" {
		line = "speakers merge ID --into ID [--reason TEXT] | speakers qid-redirects FILE  [--db PATH|URL]"
	}
	fs := newFlags(line, getenv, stdout, stderr)
	dbPath := dbFlag(fs, "database")
	into := fs.String("into", "", "the "+kind+" that survives and answers for the merged one (merge)")
	reason := fs.String("reason", "", "why they are one, kept with the merge (merge)")
	want := []string{"merge"}
	if kind == "speaker" {
		want[0] = "merge or qid-redirects"
	}
	if len(args) > 0 && args[0] == "qid-redirects" {
		want = append(want, "a file of Wikidata redirects (- for standard input)")
	} else {
		want = append(want, "the ID of the "+kind+" to merge away")
	}
	pos, err := fs.parseArgs(args, want...)
	if err != nil {
		return err
	}
	sub := pos[0]
	if sub != "merge" && (sub != "qid-redirects" || kind != "speaker") {
		fmt.Fprintf(stderr, "verbatim %ss: unknown command %q; say %s\n", kind, sub, want[0])
		return errUsage
	}
	if sub == "merge" && *into == "" {
		fmt.Fprintf(stderr, "verbatim %ss merge: give --into, the ID of the %s that survives\n", kind, kind)
		return errUsage
	}
	store, err := engines.Open(ctx, *dbPath, engines.Options{Existing: true})
	if err != nil {
		return err
	}
	defer store.Close()
	if sub == "merge" {
		merge := store.MergeSpeaker
		if kind == "outlet" {
			merge = store.MergeOutlet
		}
		m, err := merge(ctx, pos[1], nil, db.MergeInput{Into: *into, Reason: *reason})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merged %s into %s (%s): %d quotes moved; %s now redirects to %s\n", m.From, m.Into, m.ID, m.MovedQuotes, m.From, m.Into)
		return nil
	}
	return qidRedirects(ctx, store, pos[1], stdout)
}

// qidRedirects applies a file of Wikidata redirects and prints the report as JSON: what
// each line did, and the lines refused with why.
func qidRedirects(ctx context.Context, store *db.DB, path string, stdout io.Writer) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	rep, err := store.ApplyQIDRedirects(ctx, r, 0)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
