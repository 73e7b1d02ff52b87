// Command verbatim runs the Verbatim quote attribution and fact-check service.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "verbatim:", err)
		}
		os.Exit(1)
	}
}

// errUsage reports bad command-line use; the message has already been printed.
var errUsage = errors.New("usage")

// errHelp stops a subcommand after its -h output: asking for help must never also run
// the command (restore -h must not restore). run turns it into success.
var errHelp = errors.New("help")

const usage = `verbatim — quote attribution and fact-check service

Usage:
  verbatim serve   [--addr ADDR] [--db PATH|URL] [--db-replica URL]
                                               run the HTTP API and the console (creates and migrates the database)
                   [--org-name NAME] [--org-url URL] [--quote-url URL-WITH-{id}]
                                               who publishes ClaimReview, and quotes' public pages
                   [--public-read] [--cors-origin ORIGIN,...]
                   [--rate-read N] [--rate-write N] [--rate-export N] [--rate-anonymous N]
                   [--max-searches N] [--search-timeout D] [--rank-window N]
                   [--trusted-proxy CIDR,...] [--max-connections N] [--max-connections-per-address N]
                   [--max-db-mb N]
                   [--public-url URL] [--webhook-timeout D] [--webhook-retry-schedule D,...]
                   [--webhook-ports PORT,...] [--webhook-allow-private]
                                               webhooks and source fetches
                   [--workers=false]           leave webhook delivery and source fetches to another node
                   [--console=false] [--session-ttl D]
                                               the fact-checkers' console at /console
                   [--link-confirm X] [--link-suggest X] [--link-min-words N]
                                               linking recorded words to stored quotes (README)
  verbatim migrate [--db PATH|URL]             create or migrate the database, then exit
  verbatim verify  [--db PATH|URL]             check the database and its search index, and count its rows
  verbatim keys create --name NAME --role reader|editor|factchecker|admin [--db PATH]
                                               make an API key; the key alone is the last line printed
  verbatim keys list [--db PATH]               list API keys (never their secrets)
  verbatim keys revoke ID [--db PATH]          revoke a key at once
  verbatim speakers merge ID --into ID [--reason TEXT] [--db PATH]
                                               merge a speaker into another; its ID redirects there
  verbatim speakers qid-redirects FILE [--db PATH]
                                               apply Wikidata's redirects (old QID, new QID per line):
                                               merge or re-point the speakers they name; a JSON report
  verbatim outlets merge ID --into ID [--reason TEXT] [--db PATH]
                                               merge an outlet into another
  verbatim import FILE [--format ndjson|csv|tsv|claimreview|quotebank] [--map FIELD=COL,...] [--header]
                   [--batch N] [--parallel N] [--resume] [--quiet] [--db PATH | --server URL --key KEY]
                   [--link-confirm X] [--link-suggest X] [--link-min-words N]
                                               load quotes; a second run of the same file adds nothing;
                                               words the archive holds become appearances
  verbatim export [--format ndjson|csv] [--out FILE] [--query PARAMS] [--quiet] [--db PATH]
                                               write every quote, in constant memory
  verbatim extract FILE|- [--lang LANG] [--published-on DATE] [--url URL] [--outlet NAME] [--save] [--db PATH]
                                               find an article's quotes, as POST /v1/extract; --save stores
                                               the confident ones as unverified quotes
  verbatim backup PATH [--db PATH]             take a verified copy of a live SQLite database
  verbatim restore BACKUP [--db PATH] [--force]
                                               verify an SQLite backup and put it in place (server stopped)
  verbatim version                             print the version
  verbatim help                                print this help

The database is an SQLite file (the default, ./verbatim.db) or a PostgreSQL database
named by a postgres:// URL; every command works on both but backup and restore, which
are SQLite's (use pg_dump and pg_restore for PostgreSQL).

Environment: every serve flag, and --db and --key everywhere, may be set as VERBATIM_
and the flag's name in capitals, - as _: VERBATIM_DB=postgres://… for --db,
VERBATIM_RATE_READ=100 for --rate-read, VERBATIM_WORKERS=false for --workers=false.
A flag on the command line wins.
`

// run is the whole program: main only wires it to the process. ctx ends the program
// (SIGINT/SIGTERM in main, the test's cancel in tests).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	// The command line acts as the operator at the machine (db.System); the server's
	// requests act as their keys, and its workers as db.Worker.
	ctx = db.WithActor(ctx, db.System)
	if err := dispatch(ctx, args, getenv, stdout, stderr); !errors.Is(err, errHelp) {
		return err
	}
	return nil
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch cmd, rest := args[1], args[2:]; cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "verify":
		return verifyCmd(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return keys(ctx, rest, getenv, stdout, stderr)
	case "speakers":
		return mergeCmd(ctx, "speaker", rest, getenv, stdout, stderr)
	case "outlets":
		return mergeCmd(ctx, "outlet", rest, getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, getenv, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, getenv, stdout, stderr)
	case "extract":
		return extractCmd(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, versionLine())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "verbatim: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// version says which build this is: the module version the go command stamped — for a
// build in a clone v0.0.0-<commit time>-<commit>, +dirty with uncommitted changes — or,
// where it stamped none, dev and the commit if it recorded that alone. go run and
// -buildvcs=false record no commit: plain dev.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev == "" {
		return "dev"
	}
	return "dev-" + rev[:min(12, len(rev))] + modified
}

// versionLine is what verbatim version prints: the version, the Go release, and where no
// commit was recorded how to get one.
func versionLine() string {
	v := version()
	line := "verbatim " + v + " (" + runtime.Version() + ")"
	if v == "dev" {
		line += "; no commit recorded: go build or go install in a clone records it, go run does not"
	}
	return line
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate [--db PATH|URL]", getenv, stdout, stderr)
	dbPath := dbFlag(fs, "database")
	if err := fs.parse(args); err != nil {
		return err
	}
	store, err := engines.Open(ctx, *dbPath, engines.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is at schema version %d\n", engines.Redact(*dbPath), v)
	return nil
}

// verifyCmd checks a database — SQLite's integrity check or PostgreSQL's index validity,
// the search index against every quote, the verdict axes — and prints its counts.
func verifyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("verify [--db PATH|URL]", getenv, stdout, stderr)
	dbPath := dbFlag(fs, "database")
	if err := fs.parse(args); err != nil {
		return err
	}
	store, err := engines.Open(ctx, *dbPath, engines.Options{Existing: true})
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := store.Verify(ctx)
	if err != nil {
		return err
	}
	return report(stdout, "verify "+engines.Redact(*dbPath), rep)
}

// bootstrapKey creates an admin key on a database that has none and prints it once, so
// that a new installation can be used at once.
func bootstrapKey(ctx context.Context, store *db.DB, stdout io.Writer) error {
	existing, err := store.Keys(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	k, secret, err := store.CreateKey(ctx, db.KeyInput{Name: "admin", Role: "admin"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "No API keys yet: created the admin key %s. It is shown once; keep it:\n%s\n", k.ID, secret)
	return nil
}

// keys manages API keys directly in the database.
func keys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("keys create --name NAME --role ROLE | keys list | keys revoke KEY_ID  [--db PATH|URL]", getenv, stdout, stderr)
	dbPath := dbFlag(fs, "database")
	name := fs.String("name", "", "the key's name, recorded as created_by and in the audit trail (create)")
	role := fs.String("role", "", "reader, editor, factchecker or admin (create)")
	want := []string{"create, list or revoke"}
	for _, a := range args {
		if a == "revoke" {
			want = append(want, "the key's ID")
			break
		}
	}
	pos, err := fs.parseArgs(args, want...)
	if err != nil {
		return err
	}
	sub, id := pos[0], ""
	if sub == "revoke" {
		id = pos[1]
	}
	if sub != "create" && sub != "list" && sub != "revoke" {
		fmt.Fprintf(stderr, "verbatim keys: unknown command %q; say create, list or revoke\n", sub)
		return errUsage
	}
	store, err := engines.Open(ctx, *dbPath, engines.Options{Existing: true})
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "create":
		if strings.TrimSpace(*name) == "" || !slices.Contains(db.Roles, *role) {
			fmt.Fprintf(stderr, "verbatim keys create: give --name and --role (%s)\n", strings.Join(db.Roles, ", "))
			return errUsage
		}
		k, secret, err := store.CreateKey(ctx, db.KeyInput{Name: *name, Role: *role})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s key %s (%s); it is shown once:\n%s\n", k.Role, k.ID, k.Name, secret)
	case "list":
		ks, err := store.Keys(ctx)
		if err != nil {
			return err
		}
		for _, k := range ks {
			state := "active"
			if k.RevokedAt != nil {
				state = "revoked " + k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s…\t%s\n", k.ID, k.Name, k.Role, k.Hint, state)
		}
	case "revoke":
		k, err := store.RevokeKey(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s (%s)\n", k.ID, k.Name)
	}
	return nil
}
