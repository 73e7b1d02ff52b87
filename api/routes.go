package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
)

// route is one operation: its method and path, its handler and the permission it needs.
type route struct {
	method, path string
	handler      echo.HandlerFunc
	perm         db.Permission
}

// table is every route of the API, in one place: reading it tells the whole surface and
// who may use each part. A route cannot be registered without a permission.
func (s *Server) table() []route {
	return []route{
		{http.MethodGet, "/healthz", s.handleHealthz, public},
		{http.MethodGet, "/readyz", s.handleReadyz, public},
		{http.MethodGet, "/metrics", s.handleMetrics, public},
		{http.MethodGet, "/openapi.yaml", s.handleOpenAPI, public},
		{http.MethodGet, "/docs", s.handleDocsRedirect, public},
		{http.MethodGet, "/docs/*", s.handleDocs, public},

		{http.MethodGet, "/v1/quotes", s.handleQuoteList, canRead},
		{http.MethodPost, "/v1/quotes", s.handleQuoteCreate, canEdit},
		{http.MethodGet, "/v1/quotes/:id", s.handleQuoteGet, canRead},
		{http.MethodPatch, "/v1/quotes/:id", s.handleQuoteUpdate, canEdit},
		{http.MethodDelete, "/v1/quotes/:id", s.handleQuoteDelete, canAdmin},
		{http.MethodGet, "/v1/quotes/:id/similar", s.handleQuoteSimilar, canRead},
		{http.MethodGet, "/v1/quotes/:id/history", s.handleQuoteHistory, canRead},
		{http.MethodGet, "/v1/export", s.handleExport, canRead},
		{http.MethodPost, "/v1/import", s.handleImport, canEdit},
		{http.MethodPost, "/v1/extract", s.handleExtract, canEdit},

		{http.MethodGet, "/v1/quotes/:id/citations", s.handleCitationList, canRead},
		{http.MethodPost, "/v1/quotes/:id/citations", s.handleCitationCreate, canEdit},
		{http.MethodGet, "/v1/quotes/:id/citations/:cid", s.handleCitationGet, canRead},
		{http.MethodPatch, "/v1/quotes/:id/citations/:cid", s.handleCitationUpdate, canEdit},
		{http.MethodDelete, "/v1/quotes/:id/citations/:cid", s.handleCitationDelete, canAdmin},
		{http.MethodPost, "/v1/quotes/:id/citations/:cid/fetch", s.handleCitationFetch, canEdit},

		// The re-reporting chain: editors record appearances; fact-checkers confirm,
		// reject (a confirmed link folds a quote into another) and pin the first.
		{http.MethodGet, "/v1/quotes/:id/appearances", s.handleAppearanceList, canRead},
		{http.MethodPost, "/v1/quotes/:id/appearances", s.handleAppearanceCreate, canEdit},
		{http.MethodGet, "/v1/quotes/:id/appearances/:aid", s.handleAppearanceGet, canRead},
		{http.MethodPost, "/v1/quotes/:id/appearances/:aid/confirm", s.handleAppearanceConfirm, canMerge},
		{http.MethodPost, "/v1/quotes/:id/appearances/:aid/reject", s.handleAppearanceReject, canMerge},
		{http.MethodPost, "/v1/quotes/:id/first-appearance", s.handleFirstAppearancePin, canMerge},
		{http.MethodDelete, "/v1/quotes/:id/first-appearance", s.handleFirstAppearanceUnpin, canMerge},
		{http.MethodGet, "/v1/appearances", s.handleAppearanceQueue, canRead},

		// Verdicts are appended and read, never changed: other methods are 405.
		{http.MethodGet, "/v1/quotes/:id/verdicts", s.handleVerdictList, canRead},
		{http.MethodPost, "/v1/quotes/:id/verdicts", s.handleVerdictCreate, canVerdict},
		{http.MethodGet, "/v1/quotes/:id/verdicts/:vid", s.handleVerdictGet, canRead},
		{http.MethodGet, "/v1/quotes/:id/claimreview", s.handleClaimReviewGet, canRead},
		{http.MethodGet, "/v1/claimreview", s.handleClaimReviewFeed, canRead},

		{http.MethodGet, "/v1/speakers", s.handleSpeakerList, canRead},
		{http.MethodPost, "/v1/speakers", s.handleSpeakerCreate, canEdit},
		{http.MethodGet, "/v1/speakers/:id", s.handleSpeakerGet, canRead},
		{http.MethodPatch, "/v1/speakers/:id", s.handleSpeakerUpdate, canEdit},
		{http.MethodDelete, "/v1/speakers/:id", s.handleSpeakerDelete, canAdmin},
		{http.MethodGet, "/v1/speakers/:id/quotes", s.handleSpeakerQuotes, canRead},
		{http.MethodPost, "/v1/speakers/:id/merge", s.handleSpeakerMerge, canMerge},
		{http.MethodGet, "/v1/speakers/duplicates", s.handleSpeakerDuplicates, canMerge},
		{http.MethodPost, "/v1/speakers/qid-redirects", s.handleQIDRedirects, canAdmin},

		{http.MethodGet, "/v1/outlets", s.handleOutletList, canRead},
		{http.MethodPost, "/v1/outlets", s.handleOutletCreate, canEdit},
		{http.MethodGet, "/v1/outlets/:id", s.handleOutletGet, canRead},
		{http.MethodPatch, "/v1/outlets/:id", s.handleOutletUpdate, canEdit},
		{http.MethodDelete, "/v1/outlets/:id", s.handleOutletDelete, canAdmin},
		{http.MethodGet, "/v1/outlets/:id/quotes", s.handleOutletQuotes, canRead},
		{http.MethodPost, "/v1/outlets/:id/merge", s.handleOutletMerge, canMerge},
		{http.MethodGet, "/v1/outlets/duplicates", s.handleOutletDuplicates, canMerge},
		{http.MethodPost, "/v1/duplicates/dismissals", s.handleDismissalCreate, canMerge},

		{http.MethodGet, "/v1/loads", s.handleLoadList, canEdit},
		{http.MethodGet, "/v1/loads/:id", s.handleLoadGet, canEdit},

		{http.MethodGet, "/v1/merges", s.handleMergeList, canRead},
		{http.MethodGet, "/v1/merges/:id", s.handleMergeGet, canRead},
		{http.MethodPost, "/v1/merges/:id/undo", s.handleMergeUndo, canAdmin},

		{http.MethodGet, "/v1/keys", s.handleKeyList, canAdmin},
		{http.MethodPost, "/v1/keys", s.handleKeyCreate, canAdmin},
		{http.MethodDelete, "/v1/keys/:id", s.handleKeyRevoke, canAdmin},
		{http.MethodGet, "/v1/audit", s.handleAuditList, canAdmin},

		{http.MethodGet, "/v1/webhooks", s.handleWebhookList, canAdmin},
		{http.MethodPost, "/v1/webhooks", s.handleWebhookCreate, canAdmin},
		{http.MethodGet, "/v1/webhooks/:id", s.handleWebhookGet, canAdmin},
		{http.MethodPatch, "/v1/webhooks/:id", s.handleWebhookUpdate, canAdmin},
		{http.MethodDelete, "/v1/webhooks/:id", s.handleWebhookDelete, canAdmin},
		{http.MethodPost, "/v1/webhooks/:id/secret", s.handleWebhookRotate, canAdmin},
		{http.MethodPost, "/v1/webhooks/:id/ping", s.handleWebhookPing, canAdmin},
		{http.MethodPost, "/v1/webhooks/:id/recover", s.handleWebhookRecover, canAdmin},
		{http.MethodGet, "/v1/webhooks/:id/deliveries", s.handleDeliveryList, canAdmin},
		{http.MethodGet, "/v1/webhooks/:id/deliveries/:did", s.handleDeliveryGet, canAdmin},
		{http.MethodPost, "/v1/webhooks/:id/deliveries/:did/redeliver", s.handleRedeliver, canAdmin},
	}
}

// routes registers the table on the door. Each route first authenticates and spends the
// client's budget — nothing about a request is judged before it is known who sent it —
// then checks preconditions, the body's size and the query, as the route needs.
func (s *Server) routes(r *web.Routes) {
	for _, rt := range s.table() {
		mw := []echo.MiddlewareFunc{s.require(rt.perm), s.rateLimit}
		if rt.perm != public {
			mw = append(mw, checkPreconditions) // public routes have no versions to compare
		}
		if !takesQuery[rt.method+" "+rt.path] && !strings.HasPrefix(rt.path, "/docs") {
			mw = append(mw, refuseQuery)
		}
		if rt.method == http.MethodPost || rt.method == http.MethodPatch {
			if rt.path != "/v1/import" { // imports stream, under a cap of their own
				mw = append(mw, limitBody)
			}
			if rt.method == http.MethodPost && rt.path != "/v1/import" {
				mw = append(mw, s.idempotentCreate) // after authentication: keys belong to API keys
			}
		}
		r.Add(rt.method, rt.path, rt.handler, mw...)
	}
}

// limitBody refuses a body whose declared length is over the cap before reading any of
// it; decode enforces the cap on bodies of undeclared length. Routes that read no body
// (GET, DELETE) ignore whatever a client sends.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().ContentLength > maxBodyBytes {
			return tooLarge()
		}
		return next(c)
	}
}

// takesQuery are the API routes that read query parameters; the others refuse any, so
// that a parameter a client thinks does something never silently does nothing.
var takesQuery = map[string]bool{
	"GET /v1/quotes": true, "GET /v1/quotes/:id/similar": true, "GET /v1/quotes/:id/history": true,
	"GET /v1/export": true, "POST /v1/import": true, "GET /v1/quotes/:id/citations": true,
	"GET /v1/quotes/:id/verdicts": true, "GET /v1/claimreview": true, "GET /v1/speakers": true,
	"GET /v1/speakers/:id/quotes": true, "GET /v1/outlets": true, "GET /v1/outlets/:id/quotes": true, "GET /v1/audit": true, "GET /v1/merges": true, "GET /v1/loads": true,
	"GET /v1/speakers/duplicates": true, "GET /v1/outlets/duplicates": true,
	"GET /v1/webhooks/:id/deliveries": true, "GET /v1/quotes/:id/appearances": true, "GET /v1/appearances": true,
}

func refuseQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := readQuery(c); err != nil {
			return err
		}
		return next(c)
	}
}

// RouteInfo describes a route for tests and documentation.
type RouteInfo struct {
	Method, Path, Permission string
}

// Routes lists every route of the API with the permission it needs.
func Routes() []RouteInfo {
	var out []RouteInfo
	for _, r := range (&Server{}).table() {
		out = append(out, RouteInfo{Method: r.method, Path: r.path, Permission: r.perm.String()})
	}
	return out
}
