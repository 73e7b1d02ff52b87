// Package api serves Verbatim's REST API over HTTP: routes, handlers, request checking,
// problem+json errors and the operational endpoints. It is mounted on the door (package
// web) beside the console, and does everything through the core (package db).
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
//	@tag.name					webhooks
//	@tag.description			Signed notices of changes sent to newsroom systems, narrowed by watches, with their delivery log (admin).
//	@tag.name					operations
//	@tag.description			Health, readiness, metrics and the API document.
//	@license.name				MIT
//	@license.url				https://opensource.org/license/mit
//
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				An API key, sent as "Bearer <key>". Roles: reader (search and read), editor (create and edit quotes, speakers, outlets, citations), factchecker (editor and verdicts), admin (everything, deletes and keys included).
package api

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
)

// Config is what the API is built with besides its archive.
type Config struct {
	OpenAPI []byte // the OpenAPI 3 document served at /openapi.yaml
	Version string // the build's version, for /healthz
	// Publisher names the organisation in ClaimReview and where quotes' public pages
	// are; without a QuoteURL, a quote's URL on this API stands in.
	Publisher claimreview.Publisher
	// PublicRead lets requests without a key search and read, for archives published to
	// the world; writes still need a key.
	PublicRead bool
	// CORSOrigins may call the API from browsers; none when empty.
	CORSOrigins []string
	// PublicURL is the API's URL as receivers reach it, that webhook payloads point
	// into; without it, a request's own scheme and host stand in.
	PublicURL string
	// CheckWebhookURL refuses endpoint URLs no delivery could reach (the outbound
	// guard's CheckURL); nil checks nothing beyond the URL's form.
	CheckWebhookURL func(string) error
}

// Server is Verbatim's HTTP API: its handlers, mounted on a door.
type Server struct {
	store *db.DB
	cfg   Config
	door  *web.Door
	log   *slog.Logger
}

// New builds the API over store; Mount puts it on a door.
func New(store *db.DB, cfg Config) *Server {
	return &Server{store: store, cfg: cfg, log: slog.New(slog.DiscardHandler)}
}

// Mount puts the API's routes on the door, at its root.
func (s *Server) Mount(d *web.Door) {
	s.door, s.log = d, d.Logger()
	r := d.Mount("", showProblem)
	if len(s.cfg.CORSOrigins) > 0 {
		r.Wrap(s.cors()) // preflights too: they match no route
	}
	s.routes(r)
}

// NewHandler is the API alone on a door of its own: what a test serves, or a program
// that wants the API without the console.
func NewHandler(store *db.DB, cfg Config, opt web.Options) *web.Door {
	d := web.New(opt)
	New(store, cfg).Mount(d)
	return d
}

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
