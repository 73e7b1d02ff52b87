package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verbatimhq/verbatim"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/console"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/engines"
	"github.com/verbatimhq/verbatim/outbound"
	"github.com/verbatimhq/verbatim/sources"
	"github.com/verbatimhq/verbatim/web"
	"github.com/verbatimhq/verbatim/webhook"
)

// shutdownGrace is how long in-flight requests may take to finish after a signal.
const shutdownGrace = 15 * time.Second

// serveOptions are serve's flags, read and checked.
type serveOptions struct {
	addr, dbPath, replica, publicURL              string
	publisher                                     claimreview.Publisher
	publicRead, workers, console                  bool
	origins                                       []string
	limits                                        web.Limits
	maxSearches, maxConns, maxPerAddr, rankWindow int
	searchTimeout, sessionTTL                     time.Duration
	trusted                                       []netip.Prefix
	maxBytes                                      int64
	outbound                                      outbound.Options
	retries                                       []time.Duration
	link                                          db.LinkPolicy
}

// serveFlags reads serve's flags (the environment gives their defaults) and refuses
// values serve could not run with.
func serveFlags(args []string, getenv func(string) string, stdout, stderr io.Writer) (*serveOptions, error) {
	o := &serveOptions{}
	fs := newFlags("serve [flags]", getenv, stdout, stderr)
	fs.deployment = true
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	dbPath := dbFlag(fs, "database")
	fs.StringVar(&o.replica, "db-replica", "", "a PostgreSQL hot standby (postgres:// URL) for searches, exports and the ClaimReview feed")
	fs.StringVar(&o.publisher.Name, "org-name", "Verbatim", "the organisation publishing ClaimReview")
	fs.StringVar(&o.publisher.URL, "org-url", "", "the organisation's home page")
	fs.StringVar(&o.publisher.QuoteURL, "quote-url", "",
		"public page of a quote, {id} standing for its ID (default: the quote on this API)")
	fs.BoolVar(&o.publicRead, "public-read", false, "let requests without a key search and read")
	cors := fs.String("cors-origin", "", "comma-separated origins allowed to call the API from browsers")
	fs.Float64Var(&o.limits.ReadsPerSecond, "rate-read", 50, "reads per second per key (0: unlimited)")
	fs.Float64Var(&o.limits.WritesPerSecond, "rate-write", 20, "writes per second per key (0: unlimited)")
	fs.Float64Var(&o.limits.ExportsPerMinute, "rate-export", 6, "exports per minute per key (0: unlimited)")
	fs.Float64Var(&o.limits.AnonymousPerSecond, "rate-anonymous", 5, "requests per second per address without a key, and wrong keys (0: unlimited)")
	fs.IntVar(&o.maxSearches, "max-searches", db.DefaultMaxSearches(), "searches, facet counts and exports running at once, one key holding at most half (0: unlimited)")
	fs.DurationVar(&o.searchTimeout, "search-timeout", 10*time.Second, "time budget of one search; past it the search is stopped and answered 503 (0: none)")
	proxies := fs.String("trusted-proxy", "",
		"comma-separated CIDRs of proxies whose X-Forwarded-For is believed (default: none)")
	fs.IntVar(&o.maxConns, "max-connections", 1024, "connections served at once; more wait to be accepted")
	fs.IntVar(&o.maxPerAddr, "max-connections-per-address", 128, "connections one address (an IPv6 /64) may hold; past it a new one is closed at once, so that one client cannot take every slot (the trusted proxies are exempt; 0: no cap)")
	maxMB := fs.Int64("max-db-mb", 0, "refuse writes (507) once the database reaches this many MiB (0: no cap)")
	fs.IntVar(&o.rankWindow, "rank-window", 0, "relevance ranks the newest this many quotes holding a query's words (0: the engine's default, 50,000 on SQLite and 10,000 on PostgreSQL)")
	fs.StringVar(&o.publicURL, "public-url", "", "the API's URL as webhook receivers reach it, that payloads point into (default: http:// and --addr)")
	fs.BoolVar(&o.outbound.AllowPrivate, "webhook-allow-private", false,
		"let webhooks and source fetches reach loopback and private addresses (tests, in-house systems); link-local and metadata addresses stay refused")
	schedule := fs.String("webhook-retry-schedule", "5s,5m,30m,2h,5h,10h,14h,20h,24h",
		"waits after each failed delivery attempt; the delivery fails once they are spent")
	fs.DurationVar(&o.outbound.Timeout, "webhook-timeout", 15*time.Second, "time budget of one webhook delivery or source fetch, the answer read included")
	ports := fs.String("webhook-ports", "", "comma-separated ports webhooks and source fetches may reach beside 80 and 443")
	fs.BoolVar(&o.workers, "workers", true, "deliver webhooks and fetch sources in this process (off: only serve; another node delivers)")
	fs.BoolVar(&o.console, "console", true, "serve the fact-checkers' console at /console")
	fs.DurationVar(&o.sessionTTL, "session-ttl", 12*time.Hour, "how long a console sign-in lasts")
	link := linkFlags(fs)
	if err := fs.parse(args); err != nil {
		return nil, err
	}
	o.link = link()
	o.dbPath, o.maxBytes, o.origins = *dbPath, *maxMB<<20, splitList(*cors)
	var err error
	if o.retries, err = webhook.ParseSchedule(*schedule); err != nil {
		return nil, fmt.Errorf("--webhook-retry-schedule: %w", err)
	}
	for _, p := range splitList(*ports) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("--webhook-ports: %q is not a port", p)
		}
		o.outbound.Ports = append(o.outbound.Ports, n)
	}
	for _, p := range splitList(*proxies) {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return nil, fmt.Errorf("--trusted-proxy %q: give CIDRs such as 10.0.0.0/8 or addresses: %w", p, err)
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		o.trusted = append(o.trusted, pfx)
	}
	if o.maxConns < 1 {
		return nil, errors.New("--max-connections must be 1 or more")
	}
	if o.maxPerAddr < 0 {
		return nil, errors.New("--max-connections-per-address must be 0 (no cap) or more")
	}
	if o.outbound.Timeout <= 0 {
		return nil, errors.New("--webhook-timeout must be positive")
	}
	o.outbound.UserAgent = "Verbatim/" + version()
	return o, nil
}

// splitList reads a comma-separated flag, blanks dropped.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// serve runs the API and the console on one door, and the workers beside them, until ctx
// ends; then it lets in-flight requests finish.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := serveFlags(args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	store, err := engines.Open(ctx, o.dbPath, engines.Options{Replica: o.replica, MaxBytes: o.maxBytes,
		Options: db.Options{RankWindow: o.rankWindow, SearchTimeout: o.searchTimeout, MaxSearches: o.maxSearches, Link: o.link}})
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("close database", "error", err)
		}
	}()
	if err := bootstrapKey(ctx, store, stdout); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if o.publicURL == "" {
		o.publicURL = "http://" + ln.Addr().String()
	}
	client := outbound.New(o.outbound)
	// The API and the console side by side on one door: one set of budgets, logs,
	// metrics and refusals for both.
	door := web.New(web.Options{Logger: logger, Limits: o.limits, TrustedProxies: o.trusted})
	api.New(store, api.Config{OpenAPI: verbatim.OpenAPI, Version: version(), Publisher: o.publisher,
		PublicRead: o.publicRead, CORSOrigins: o.origins, PublicURL: o.publicURL, CheckWebhookURL: client.CheckURL}).Mount(door)
	if o.console {
		// Behind a TLS-terminating proxy the requests arrive as plain HTTP: the public URL
		// says whether browsers reach the console over TLS.
		c, err := console.New(store, console.Options{Logger: logger, SessionTTL: o.sessionTTL, Publisher: o.publisher,
			SecureCookies: strings.HasPrefix(o.publicURL, "https://")})
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
	logger.Info("serving", "addr", ln.Addr().String(), "db", engines.Redact(o.dbPath), "engine", store.Engine().Name(), "version", version())
	fmt.Fprintf(stdout, "verbatim listening on http://%s\n", ln.Addr())

	// The workers stop when serving does, and finish what they started.
	workCtx, stopWork := context.WithCancel(ctx)
	var work sync.WaitGroup
	if o.workers {
		d := &webhook.Dispatcher{DB: store, Client: client, BaseURL: o.publicURL, Schedule: o.retries, Log: logger,
			Lease: 2*o.outbound.Timeout + 5*time.Second}
		f := &sources.Fetcher{DB: store, Checker: &sources.Checker{Client: client}, Log: logger}
		work.Add(2)
		go func() { defer work.Done(); d.Run(workCtx) }()
		go func() { defer work.Done(); f.Run(workCtx) }()
	}
	defer func() { stopWork(); work.Wait() }()

	errc := make(chan error, 1)
	go func() {
		errc <- srv.Serve(door.Listener(ln, web.Connections{Max: o.maxConns, PerAddress: o.maxPerAddr}))
	}()
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
