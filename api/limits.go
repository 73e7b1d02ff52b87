package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/verbatimhq/verbatim/web"
)

// rateLimit spends a token from the client's budget for the request's class (the door's
// budgets, the same the console spends): exports from the export budget, reads and
// writes from theirs, requests without a key from their address's. Probes and scrapers
// are never throttled.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Path() {
		case "/healthz", "/readyz", "/metrics":
			return next(c)
		}
		p, _ := c.Get(principalKey).(principal)
		var err error
		switch {
		case p.key == nil:
			err = s.door.SpendAnonymous(c)
		case c.Path() == "/v1/export":
			err = s.door.Spend(c, web.Export, p.key.ID)
		default:
			err = s.door.Spend(c, web.ClassOf(c.Request().Method), p.key.ID)
		}
		if err != nil {
			return err
		}
		return next(c)
	}
}

// cors allows the configured origins to call the API from browsers. Off unless
// configured.
func (s *Server) cors() echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: s.cfg.CORSOrigins,
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
		AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-Match", "If-None-Match", echo.HeaderXRequestID},
		ExposeHeaders: []string{"ETag", echo.HeaderLocation, echo.HeaderXRequestID, "Retry-After",
			"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"},
		MaxAge: 600,
	})
}
