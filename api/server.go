// Package api serves Verbatim's REST API over HTTP: routes, handlers, request checking,
// problem+json errors and the operational endpoints. It reaches storage only through the
// Store interface it declares.
//
//	@title						Verbatim API
//	@version					1.0
//	@description				Quote attribution and fact-checking: who said what, when, where and in what context, with verdicts and the sources behind them.
//	@description				Errors are RFC 9457 problem details (application/problem+json). Lists are cursor-paginated. Every mutable resource carries a version, sent as its ETag; writes honour If-Match.
//	@description				Requests without a key, and with a wrong one, are budgeted by the client's address: the connection's peer, or the address in X-Forwarded-For only when the peer is a proxy the operator named (serve --trusted-proxy); never the header alone. Every GET route also answers HEAD.
//	@BasePath					/
//	@accept						json
//	@produce					json
//	@tag.name					quotes
//	@tag.description			The exact words, who said them, when, where and in what context.
//	@tag.name					speakers
//	@tag.description			People and bodies who say things, anonymous sources included.
//	@tag.name					outlets
//	@tag.description			Where quotes were said or first reported.
//	@tag.name					citations
//	@tag.description			The sources behind a quote: recordings, transcripts, reports.
//	@tag.name					verdicts
//	@tag.description			Fact-checkers' judgements, appended with their history, and their ClaimReview form.
//	@tag.name					keys
//	@tag.description			API keys and the audit trail (admin).
//	@tag.name					operations
//	@tag.description			Health, readiness, metrics and the API document.
//
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				An API key, sent as "Bearer <key>". Roles: reader (search and read), editor (create and edit quotes, speakers, outlets, citations), factchecker (editor and verdicts), admin (everything, deletes and keys included).
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
)

// Store is the storage the API needs. Each method returns *db.Error values with the codes
// its comment names, or another error for a failure that is a bug or an outage.
type Store interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error

	// CreateSpeaker: Conflict (wikidata_qid in use).
	CreateSpeaker(ctx context.Context, in db.SpeakerInput) (*db.Speaker, error)
	// Speaker: NotFound.
	Speaker(ctx context.Context, id string) (*db.Speaker, error)
	// UpdateSpeaker: NotFound, PreconditionFailed, Conflict.
	UpdateSpeaker(ctx context.Context, id string, ifMatch []int64, p db.SpeakerPatch) (*db.Speaker, error)
	// DeleteSpeaker: NotFound, PreconditionFailed, Conflict (quotes name the speaker).
	DeleteSpeaker(ctx context.Context, id string, ifMatch []int64) error
	// ListSpeakers: Malformed (cursor).
	ListSpeakers(ctx context.Context, f db.SpeakerFilter) (db.Page[*db.Speaker], error)

	// CreateOutlet: Conflict (name in use).
	CreateOutlet(ctx context.Context, in db.OutletInput) (*db.Outlet, error)
	// Outlet: NotFound.
	Outlet(ctx context.Context, id string) (*db.Outlet, error)
	// UpdateOutlet: NotFound, PreconditionFailed, Conflict.
	UpdateOutlet(ctx context.Context, id string, ifMatch []int64, p db.OutletPatch) (*db.Outlet, error)
	// DeleteOutlet: NotFound, PreconditionFailed, Conflict (quotes name the outlet).
	DeleteOutlet(ctx context.Context, id string, ifMatch []int64) error
	// ListOutlets: Malformed (cursor).
	ListOutlets(ctx context.Context, f db.OutletFilter) (db.Page[*db.Outlet], error)

	// CreateQuote: Invalid (unknown speaker_id or outlet_id), Malformed (said_on),
	// Conflict (an ambiguous speaker_name).
	CreateQuote(ctx context.Context, in db.QuoteInput) (*db.Quote, error)
	// Quote: NotFound.
	Quote(ctx context.Context, id string) (*db.Quote, error)
	// UpdateQuote: NotFound, PreconditionFailed, and the codes of CreateQuote.
	UpdateQuote(ctx context.Context, id string, ifMatch []int64, p db.QuotePatch) (*db.Quote, error)
	// DeleteQuote: NotFound, PreconditionFailed.
	DeleteQuote(ctx context.Context, id string, ifMatch []int64) error
	// Export streams every quote matching f to fn: Malformed, and fn's errors.
	Export(ctx context.Context, f db.QuoteFilter, fn func(*db.Record) error) error
	// Similar: NotFound.
	Similar(ctx context.Context, id string, limit int) ([]db.SimilarQuote, error)
	// ListQuotes searches and filters: Malformed (q, cursor, sort, facets).
	ListQuotes(ctx context.Context, f db.QuoteFilter) (db.QuotePage, error)

	// CreateCitation: NotFound (quote), Malformed (dates), Conflict (URL cited already).
	CreateCitation(ctx context.Context, quoteID string, in db.CitationInput) (*db.Citation, error)
	// Citation: NotFound.
	Citation(ctx context.Context, quoteID, id string) (*db.Citation, error)
	// UpdateCitation: NotFound, PreconditionFailed, Malformed, Conflict.
	UpdateCitation(ctx context.Context, quoteID, id string, ifMatch []int64, p db.CitationPatch) (*db.Citation, error)
	// DeleteCitation: NotFound, PreconditionFailed, Conflict (a verdict rests on it).
	DeleteCitation(ctx context.Context, quoteID, id string, ifMatch []int64) error
	// ListCitations: NotFound (quote), Malformed (cursor).
	ListCitations(ctx context.Context, quoteID string, limit int, cursor *string) (db.Page[*db.Citation], error)

	// AppendVerdict: NotFound, PreconditionFailed (the quote's version), Invalid.
	AppendVerdict(ctx context.Context, quoteID string, ifMatch []int64, in db.VerdictInput) (*db.Verdict, error)
	// Verdict: NotFound.
	Verdict(ctx context.Context, quoteID, id string) (*db.Verdict, error)
	// ListVerdicts: NotFound (quote), Malformed (cursor).
	ListVerdicts(ctx context.Context, quoteID string, limit int, cursor *string) (db.Page[*db.Verdict], error)
	// Authenticate: Unauthorized (unknown or revoked key).
	Authenticate(ctx context.Context, secret string) (*db.APIKey, error)
	// Fresh returns ctx marked so that what the store serves it from memory is at least
	// as new as this moment: one look at the database's version serves a whole request.
	Fresh(ctx context.Context) (context.Context, error)
	// CreateKey returns the key and its secret.
	CreateKey(ctx context.Context, in db.KeyInput) (*db.APIKey, string, error)
	// Keys lists every key.
	Keys(ctx context.Context) ([]*db.APIKey, error)
	// RevokeKey: NotFound.
	RevokeKey(ctx context.Context, id string) (*db.APIKey, error)
	// Audit: Malformed (cursor).
	Audit(ctx context.Context, f db.AuditFilter) (db.Page[*db.AuditEntry], error)
	// QuoteHistory: NotFound, Malformed (cursor).
	QuoteHistory(ctx context.Context, quoteID string, limit int, cursor *string) (db.Page[*db.AuditEntry], error)

	// Import loads a batch: the records' own errors are in the result.
	Import(ctx context.Context, batch []db.ImportRecord) (db.ImportResult, error)
	// ClaimIdempotencyKey claims an Idempotency-Key for the request's API key, or
	// returns what is remembered of its earlier use.
	ClaimIdempotencyKey(ctx context.Context, key string) (*db.IdempotentRun, error)
	// CompleteIdempotencyKey remembers the answer to a claimed key's request.
	CompleteIdempotencyKey(ctx context.Context, key, requestHash string, status int, response []byte) error
	// ReleaseIdempotencyKey forgets the claim of a request that failed.
	ReleaseIdempotencyKey(ctx context.Context, key string) error

	// CreateExtracted stores extracted quotes, all or none: Invalid, Malformed.
	CreateExtracted(ctx context.Context, items []db.ExtractedQuote) ([]string, error)

	// Review: NotFound (no quote, or no verdict yet).
	// FetchSource: NotFound.
	FetchSource(ctx context.Context, quoteID, id string) (*db.Citation, error)

	// CreateWebhook returns the endpoint with its secret.
	CreateWebhook(ctx context.Context, in db.WebhookInput) (*db.Webhook, string, error)
	// Webhook: NotFound.
	Webhook(ctx context.Context, id string) (*db.Webhook, error)
	Webhooks(ctx context.Context) ([]*db.Webhook, error)
	// UpdateWebhook: NotFound, PreconditionFailed.
	UpdateWebhook(ctx context.Context, id string, ifMatch []int64, p db.WebhookPatch) (*db.Webhook, error)
	// DeleteWebhook: NotFound, PreconditionFailed.
	DeleteWebhook(ctx context.Context, id string, ifMatch []int64) error
	// RotateWebhookSecret returns the endpoint with its new secret. NotFound.
	RotateWebhookSecret(ctx context.Context, id string) (*db.Webhook, string, error)
	// PingWebhook: NotFound.
	PingWebhook(ctx context.Context, id string) (*db.Delivery, error)
	// ListDeliveries: NotFound, Malformed (cursor).
	ListDeliveries(ctx context.Context, webhookID string, f db.DeliveryFilter) (db.Page[*db.Delivery], error)
	// Delivery: NotFound.
	Delivery(ctx context.Context, webhookID, id string) (*db.Delivery, []db.Attempt, error)
	// Redeliver: NotFound.
	Redeliver(ctx context.Context, webhookID, id string) (*db.Delivery, error)

	Review(ctx context.Context, quoteID string) (*db.Review, error)
	// ListReviews: Malformed (cursor).
	ListReviews(ctx context.Context, f db.ReviewFilter) (db.Page[*db.Review], error)
}

// Config is what a server is built with besides its store.
type Config struct {
	Logger  *slog.Logger // access and error logs; nil discards them
	OpenAPI []byte       // the OpenAPI 3 document served at /openapi.yaml
	Version string       // the build's version, for /healthz
	// Publisher names the organisation in ClaimReview and where quotes' public pages
	// are; without a QuoteURL, a quote's URL on this API stands in.
	Publisher claimreview.Publisher
	// PublicRead lets requests without a key search and read, for archives published to
	// the world; writes still need a key.
	PublicRead bool
	// CORSOrigins may call the API from browsers; none when empty.
	CORSOrigins []string
	// Limits are the per-client budgets; the zero value limits nothing.
	Limits Limits
	// TrustedProxies are the peers whose X-Forwarded-For is believed, for the client
	// address of logs and anonymous budgets. None by default: the peer's own address
	// counts, and a client cannot pick its address by sending the header.
	TrustedProxies []netip.Prefix
	// PublicURL is the API's URL as receivers reach it, that webhook payloads point
	// into; without it, a request's own scheme and host stand in.
	PublicURL string
	// CheckWebhookURL refuses endpoint URLs no delivery could reach (the outbound
	// guard's CheckURL); nil checks nothing beyond the URL's form.
	CheckWebhookURL func(string) error
	// Console serves /console and everything under it (package console); none when nil.
	// It passes the same outer middleware as the API — request IDs, logs and metrics,
	// panic recovery — and sets its own security headers.
	Console http.Handler
}

// Server is Verbatim's HTTP API. It is an http.Handler.
type Server struct {
	echo     *echo.Echo
	store    Store
	log      *slog.Logger
	metrics  *metrics
	cfg      Config
	limits   limiter
	searches chan struct{} // slots for expensive searches, when Limits.MaxSearches is set
	// expensiveFor bounds one client's share of those slots.
	expensiveFor perClient
}

// NewServer builds the API over store.
func NewServer(store Store, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{echo: e, store: store, log: cfg.Logger, metrics: newMetrics(), cfg: cfg,
		searches: make(chan struct{}, max(1, cfg.Limits.MaxSearches))}
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, p := range cfg.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(prefixNet(p)))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	e.JSONSerializer = jsonSerializer{}
	s.routes()
	return s
}

func prefixNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// QuoteList is one page of quotes, with facet counts over the whole result when asked.
type QuoteList struct {
	Data       []*db.Quote                `json:"data"`
	NextCursor *string                    `json:"next_cursor" extensions:"x-nullable" example:"eyJzIjoiLXNhaWRfb24ifQ"`
	Facets     map[string][]db.FacetCount `json:"facets,omitempty"`
} //@name QuoteList

// SpeakerList is one page of speakers.
type SpeakerList struct {
	Data       []*db.Speaker `json:"data"`
	NextCursor *string       `json:"next_cursor" extensions:"x-nullable"`
} //@name SpeakerList

// OutletList is one page of outlets.
type OutletList struct {
	Data       []*db.Outlet `json:"data"`
	NextCursor *string      `json:"next_cursor" extensions:"x-nullable"`
} //@name OutletList

// sendVersioned writes a resource with its version as the ETag, or 304 when the client's
// If-None-Match already has it.
func sendVersioned(c echo.Context, status int, version int64, body any) error {
	c.Response().Header().Set("ETag", etag(version))
	if status == http.StatusOK && notModified(c.Request(), version) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSON(status, body)
}

// jsonSerializer writes JSON without HTML escaping: quotes are full of < > & that must
// come back exactly as stored, not as \u003c.
type jsonSerializer struct{}

func (jsonSerializer) Serialize(c echo.Context, i any, indent string) error {
	return encodeJSON(c.Response(), i)
}

func (jsonSerializer) Deserialize(c echo.Context, i any) error {
	return json.NewDecoder(c.Request().Body).Decode(i)
}

// encodeJSON writes v as the whole body. It encodes into a buffer first, so that an
// encoding error can still become a problem response, and so that the body's length is
// known: when the status line has not gone out yet, the response says Content-Length and
// goes out in one piece instead of chunks.
func encodeJSON(w *echo.Response, v any) error {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if !w.Committed {
		w.Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// jsonBuffers keeps response buffers between requests: a page of search hits is 15–20 KB,
// and growing a new buffer to that size on every request was a third of encoding it.
// Buffers grown past maxPooledBuffer by a rare large answer are left to the collector.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 256 << 10
