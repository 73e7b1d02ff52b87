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
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/verbatimhq/verbatim"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/console"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/db/sqlite"
	"github.com/verbatimhq/verbatim/outbound"
	"github.com/verbatimhq/verbatim/sources"
	"github.com/verbatimhq/verbatim/web"
	"github.com/verbatimhq/verbatim/webhook"
	"golang.org/x/net/netutil"
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
                                               run the HTTP API (creates and migrates the database)
                   [--org-name NAME] [--org-url URL] [--quote-url URL-WITH-{id}]
                                               who publishes ClaimReview, and quotes' public pages
                   [--public-read] [--cors-origin ORIGIN,...]
                   [--rate-read N] [--rate-write N] [--rate-export N] [--rate-anonymous N] [--max-searches N]
                   [--search-timeout D] [--trusted-proxy CIDR,…] [--max-connections N]
                   [--max-db-mb N] [--rank-window N]
  verbatim migrate [--db PATH|URL]             create or migrate the database, then exit
  verbatim verify  [--db PATH|URL]             check the database and its search index, and count its rows
  verbatim keys create --name NAME --role reader|editor|factchecker|admin [--db PATH]
                                               make an API key; the key alone is the last line printed
  verbatim keys list [--db PATH]               list API keys (never their secrets)
  verbatim keys revoke ID [--db PATH]          revoke a key at once
  verbatim import FILE [--format ndjson|csv|tsv|claimreview] [--map FIELD=COL,...] [--header]
                   [--batch N] [--db PATH | --server URL --key KEY]
                                               load quotes; a second run of the same file adds nothing
  verbatim export [--format ndjson|csv] [--out FILE] [--query PARAMS] [--db PATH]
                                               write every quote, in constant memory
  verbatim backup PATH [--db PATH]             take a verified copy of a live SQLite database
  verbatim restore BACKUP [--db PATH] [--force]
                                               verify an SQLite backup and put it in place (server stopped)
  verbatim version                             print the version
  verbatim help                                print this help

The database is an SQLite file (the default, ./verbatim.db) or a PostgreSQL database
named by a postgres:// URL; every command works on both but backup and restore, which
are SQLite's (use pg_dump and pg_restore for PostgreSQL).

Environment:
  VERBATIM_ADDR        listen address (default 127.0.0.1:8080)
  VERBATIM_DB          database file or postgres:// URL (default ./verbatim.db)
  VERBATIM_DB_REPLICA  a PostgreSQL hot standby for searches, exports and the feed
  VERBATIM_ORG_NAME, VERBATIM_ORG_URL, VERBATIM_QUOTE_URL   as the serve flags

Flags override the environment.
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
	case "import":
		return importCmd(ctx, rest, getenv, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, getenv, stdout, stderr)
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

// dbFlag declares the --db flag every subcommand that touches the database shares.
func dbFlag(fs *flag.FlagSet, getenv func(string) string, usage string) *string {
	return fs.String("db", envOr(getenv, "VERBATIM_DB", "./verbatim.db"), usage+": an SQLite file or a postgres:// URL")
}

// redact is a database address fit for logs and output: a URL's password is replaced.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func parse(fs *flag.FlagSet, args []string) error {
	_, err := parseArgs(fs, args)
	return err
}

// parseArgs parses a subcommand's flags wherever they stand among its positional
// arguments — before, after or between them, as git, docker and sqlite3 take them; after
// "--" everything is positional — and requires the positional arguments named by want
// (their names are for the message). -h prints the subcommand's usage and runs nothing.
func parseArgs(fs *flag.FlagSet, args []string, want ...string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) != len(want) {
		if len(pos) > len(want) {
			fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), pos[len(want)])
		} else {
			fmt.Fprintf(fs.Output(), "%s: give %s\n", fs.Name(), strings.Join(want[len(pos):], " and "))
		}
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	dbPath := dbFlag(fs, getenv, "database")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, *dbPath, engines.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is at schema version %d\n", redact(*dbPath), v)
	return nil
}

// verifyCmd checks a database — SQLite's integrity check or PostgreSQL's index validity,
// the search index against every quote, the verdict axes — and prints its counts.
func verifyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", stderr)
	dbPath := dbFlag(fs, getenv, "database")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, *dbPath, engines.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := store.Verify(ctx)
	if err != nil {
		return err
	}
	return report(stdout, "verify "+redact(*dbPath), rep)
}

// openStore opens the archive dsn names: a postgres:// URL or an SQLite file path.
func openStore(ctx context.Context, dsn string, opt engines.Options) (*db.DB, error) {
	return engines.Open(ctx, dsn, opt)
}

// shutdownGrace is how long in-flight requests may take to finish after a signal.
const shutdownGrace = 15 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", envOr(getenv, "VERBATIM_ADDR", "127.0.0.1:8080"), "listen address")
	dbPath := dbFlag(fs, getenv, "database")
	replica := fs.String("db-replica", getenv("VERBATIM_DB_REPLICA"), "a PostgreSQL hot standby (postgres:// URL) for searches, exports and the ClaimReview feed")
	var pub claimreview.Publisher
	fs.StringVar(&pub.Name, "org-name", envOr(getenv, "VERBATIM_ORG_NAME", "Verbatim"), "the organisation publishing ClaimReview")
	fs.StringVar(&pub.URL, "org-url", getenv("VERBATIM_ORG_URL"), "the organisation's home page")
	fs.StringVar(&pub.QuoteURL, "quote-url", getenv("VERBATIM_QUOTE_URL"),
		"public page of a quote, {id} standing for its ID (default: the quote on this API)")
	publicRead := fs.Bool("public-read", getenv("VERBATIM_PUBLIC_READ") == "true", "let requests without a key search and read")
	cors := fs.String("cors-origin", getenv("VERBATIM_CORS_ORIGINS"), "comma-separated origins allowed to call the API from browsers")
	limits := web.Limits{}
	fs.Float64Var(&limits.ReadsPerSecond, "rate-read", 50, "reads per second per key (0: unlimited)")
	fs.Float64Var(&limits.WritesPerSecond, "rate-write", 20, "writes per second per key (0: unlimited)")
	fs.Float64Var(&limits.ExportsPerMinute, "rate-export", 6, "exports per minute per key (0: unlimited)")
	fs.Float64Var(&limits.AnonymousPerSecond, "rate-anonymous", 5, "requests per second per address without a key (0: unlimited)")
	maxSearches := fs.Int("max-searches", db.DefaultMaxSearches(), "searches, facet counts and exports running at once, one key holding at most half (0: unlimited)")
	searchTimeout := fs.Duration("search-timeout", 10*time.Second, "time budget of one search; past it the search is stopped and answered 503 (0: none)")
	proxies := fs.String("trusted-proxy", getenv("VERBATIM_TRUSTED_PROXIES"),
		"comma-separated CIDRs of proxies whose X-Forwarded-For is believed (default: none)")
	maxConns := fs.Int("max-connections", 1024, "connections served at once; more wait to be accepted")
	maxMB := fs.Int64("max-db-mb", 0, "refuse writes (507) once the database reaches this many MiB (0: no cap)")
	rankWindow := fs.Int("rank-window", 0, "relevance ranks the newest this many quotes holding a query's words (0: the engine's default, 50,000 on SQLite and 10,000 on PostgreSQL)")
	publicURL := fs.String("public-url", getenv("VERBATIM_PUBLIC_URL"), "the API's URL as webhook receivers reach it, that payloads point into (default: http:// and --addr)")
	allowPrivate := fs.Bool("webhook-allow-private", getenv("VERBATIM_WEBHOOK_ALLOW_PRIVATE") == "true",
		"let webhooks and source fetches reach loopback and private addresses (tests, in-house systems); link-local and metadata addresses stay refused")
	schedule := fs.String("webhook-retry-schedule", envOr(getenv, "VERBATIM_WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,14h,20h,24h"),
		"waits after each failed delivery attempt; the delivery fails once they are spent")
	timeout := fs.Duration("webhook-timeout", 15*time.Second, "time budget of one webhook delivery or source fetch, the answer read included")
	ports := fs.String("webhook-ports", getenv("VERBATIM_WEBHOOK_PORTS"), "comma-separated ports webhooks and source fetches may reach beside 80 and 443")
	workers := fs.Bool("workers", envOr(getenv, "VERBATIM_WORKERS", "true") == "true", "deliver webhooks and fetch sources in this process (off: only serve; another node delivers)")
	withConsole := fs.Bool("console", envOr(getenv, "VERBATIM_CONSOLE", "true") == "true", "serve the fact-checkers' console at /console")
	sessionTTL := fs.Duration("session-ttl", 12*time.Hour, "how long a console sign-in lasts")
	if err := parse(fs, args); err != nil {
		return err
	}
	retries, err := webhook.ParseSchedule(*schedule)
	if err != nil {
		return fmt.Errorf("--webhook-retry-schedule: %w", err)
	}
	var allowedPorts []int
	for _, p := range strings.Split(*ports, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("--webhook-ports: %q is not a port", p)
		}
		allowedPorts = append(allowedPorts, n)
	}
	var trusted []netip.Prefix
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			if addr, aerr := netip.ParseAddr(p); aerr == nil {
				pfx = netip.PrefixFrom(addr, addr.BitLen())
			} else {
				return fmt.Errorf("--trusted-proxy %q: give CIDRs such as 10.0.0.0/8 or addresses: %w", p, err)
			}
		}
		trusted = append(trusted, pfx)
	}
	if *maxConns < 1 {
		return fmt.Errorf("--max-connections must be 1 or more")
	}
	var origins []string
	for _, o := range strings.Split(*cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))

	store, err := openStore(ctx, *dbPath, engines.Options{Replica: *replica,
		Options: db.Options{RankWindow: *rankWindow, SearchTimeout: *searchTimeout, MaxSearches: *maxSearches}})
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("close database", "error", err)
		}
	}()

	if eng, ok := store.Engine().(*sqlite.Engine); ok {
		if err := eng.LimitSize(ctx, *maxMB<<20); err != nil {
			return err
		}
	} else if *maxMB > 0 {
		return errors.New("--max-db-mb caps an SQLite file; on PostgreSQL, size the server's disk and quotas instead")
	}
	if err := bootstrapKey(ctx, store, stdout); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if *publicURL == "" {
		*publicURL = "http://" + ln.Addr().String()
	}
	if *timeout <= 0 {
		return errors.New("--webhook-timeout must be positive")
	}
	client := outbound.New(outbound.Options{AllowPrivate: *allowPrivate, Ports: allowedPorts, Timeout: *timeout,
		UserAgent: "Verbatim/" + version()})
	// The API and the console side by side on one door: one set of budgets, logs,
	// metrics and refusals for both.
	door := web.New(web.Options{Logger: logger, Limits: limits, TrustedProxies: trusted})
	api.New(store, api.Config{OpenAPI: verbatim.OpenAPI, Version: version(), Publisher: pub,
		PublicRead: *publicRead, CORSOrigins: origins, PublicURL: *publicURL, CheckWebhookURL: client.CheckURL}).Mount(door)
	if *withConsole {
		// Behind a TLS-terminating proxy the requests arrive as plain HTTP: the public URL
		// says whether browsers reach the console over TLS.
		c, err := console.New(store, console.Options{Logger: logger, SessionTTL: *sessionTTL, Publisher: pub,
			SecureCookies: strings.HasPrefix(*publicURL, "https://")})
		if err != nil {
			return err
		}
		c.Mount(door)
	}
	srv := &http.Server{
		Handler:           door,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       30 * time.Second, // an idle keep-alive connection holds a slot of --max-connections
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("serving", "addr", ln.Addr().String(), "db", redact(*dbPath), "engine", store.Engine().Name(), "version", version())
	fmt.Fprintf(stdout, "verbatim listening on http://%s\n", ln.Addr())

	// The workers stop when serving does, and finish what they started.
	workCtx, stopWork := context.WithCancel(ctx)
	var work sync.WaitGroup
	if *workers {
		d := &webhook.Dispatcher{DB: store, Client: client, BaseURL: *publicURL, Schedule: retries, Log: logger,
			Lease: 2**timeout + 5*time.Second}
		f := &sources.Fetcher{DB: store, Checker: &sources.Checker{Client: client}, Log: logger}
		work.Add(2)
		go func() { defer work.Done(); d.Run(workCtx) }()
		go func() { defer work.Done(); f.Run(workCtx) }()
	}
	defer func() { stopWork(); work.Wait() }()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(netutil.LimitListener(ln, *maxConns)) }()
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
	fs := newFlags("keys", stderr)
	dbPath := dbFlag(fs, getenv, "database")
	name := fs.String("name", "", "the key's name, recorded as created_by and in the audit trail (create)")
	role := fs.String("role", "", "reader, editor, factchecker or admin (create)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: verbatim keys create --name NAME --role ROLE | list | revoke KEY_ID  [--db PATH]\n")
		fs.PrintDefaults()
	}
	want := []string{"create, list or revoke"}
	for _, a := range args {
		if a == "revoke" {
			want = append(want, "the key's ID")
			break
		}
	}
	pos, err := parseArgs(fs, args, want...)
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
	store, err := openStore(ctx, *dbPath, engines.Options{})
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
