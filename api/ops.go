package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Health is the answer of /healthz and /readyz.
type Health struct {
	Status  string `json:"status" example:"ok"`
	Version string `json:"version,omitempty" example:"v0.1.0"`
} //@name Health

// handleHealthz godoc
//
//	@Summary	Liveness: the process is up
//	@ID			healthz
//	@Description	Answers 200 while the process serves requests; it reads nothing from the database (see readyz). Never throttled, and credentials are ignored, so a probe never fails on a stale key.
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/healthz [get]
func (s *Server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, Health{Status: "ok", Version: s.cfg.Version})
}

// handleReadyz godoc
//
//	@Summary	Readiness: the database answers
//	@ID			readyz
//	@Description	Answers 200 when the database answers a ping within two seconds, 503 otherwise: take the node out of a load balancer while it is 503. Never throttled.
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Failure	503	{object}	Problem	"the database does not answer"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/readyz [get]
func (s *Server) handleReadyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "error", err)
		p := newProblem(http.StatusServiceUnavailable, "unavailable", "the database does not answer")
		p.Header = http.Header{"Retry-After": {"1"}}
		return p
	}
	return c.JSON(http.StatusOK, Health{Status: "ok", Version: s.cfg.Version})
}

// handleMetrics godoc
//
//	@Summary	Prometheus metrics
//	@ID			metrics
//	@Description	Request counts and durations by method, route and status, and the Go runtime's and the process's own, in the Prometheus text format. Never throttled.
//	@Tags		operations
//	@Produce	plain
//	@Success	200	{string}	string	"metrics in the Prometheus text format"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/metrics [get]
func (s *Server) handleMetrics(c echo.Context) error {
	s.door.Metrics().ServeHTTP(c.Response(), c.Request())
	return nil
}

// handleOpenAPI godoc
//
//	@Summary	The OpenAPI 3 document of this API
//	@ID			openapiDocument
//	@Description	The OpenAPI 3.1 document this server was built with: the contract every response follows.
//	@Tags		operations
//	@Produce	application/yaml
//	@Success	200	{object}	object	"the OpenAPI 3.1 document"
//	@Failure	429	{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure	400	{object}	Problem	"an unknown query parameter"
//	@Router		/openapi.yaml [get]
func (s *Server) handleOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", s.cfg.OpenAPI)
}
