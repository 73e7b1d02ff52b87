// Command verbatim runs the Verbatim quote attribution and fact-check service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/verbatimhq/verbatim"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
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

const usage = `verbatim — quote attribution and fact-check service

Usage:
  verbatim serve   [--addr ADDR] [--db PATH]   run the HTTP API (creates and migrates the database)
                   [--org-name NAME] [--org-url URL] [--quote-url URL-WITH-{id}]
                                               who publishes ClaimReview, and quotes' public pages
  verbatim migrate [--db PATH]                 create or migrate the database, then exit
  verbatim version                             print the version
  verbatim help                                print this help

Environment:
  VERBATIM_ADDR   listen address (default 127.0.0.1:8080)
  VERBATIM_DB     database file  (default ./verbatim.db)
  VERBATIM_ORG_NAME, VERBATIM_ORG_URL, VERBATIM_QUOTE_URL   as the serve flags

Flags override the environment.
`

// run is the whole program: main only wires it to the process. ctx ends the program
// (SIGINT/SIGTERM in main, the test's cancel in tests).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch cmd, rest := args[1], args[2:]; cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "verbatim", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "verbatim: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func envOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("verbatim "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	dbPath := fs.String("db", envOr(getenv, "VERBATIM_DB", "./verbatim.db"), "database file")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := db.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is at schema version %d\n", *dbPath, v)
	return nil
}

// shutdownGrace is how long in-flight requests may take to finish after a signal.
const shutdownGrace = 15 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", envOr(getenv, "VERBATIM_ADDR", "127.0.0.1:8080"), "listen address")
	dbPath := fs.String("db", envOr(getenv, "VERBATIM_DB", "./verbatim.db"), "database file")
	var pub claimreview.Publisher
	fs.StringVar(&pub.Name, "org-name", envOr(getenv, "VERBATIM_ORG_NAME", "Verbatim"), "the organisation publishing ClaimReview")
	fs.StringVar(&pub.URL, "org-url", getenv("VERBATIM_ORG_URL"), "the organisation's home page")
	fs.StringVar(&pub.QuoteURL, "quote-url", getenv("VERBATIM_QUOTE_URL"),
		"public page of a quote, {id} standing for its ID (default: the quote on this API)")
	if err := parse(fs, args); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))

	store, err := db.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("close database", "error", err)
		}
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           api.NewServer(store, api.Config{Logger: logger, OpenAPI: verbatim.OpenAPI, Version: version(), Publisher: pub}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("serving", "addr", ln.Addr().String(), "db", *dbPath, "version", version())
	fmt.Fprintf(stdout, "verbatim listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}
