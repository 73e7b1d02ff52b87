package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/web"
)

// The permissions routes need are storage's (db.Permission): one table says who may do
// what, and storage checks it again on every operation, whichever way it came in.
const (
	public     = db.PermPublic
	canRead    = db.PermRead
	canEdit    = db.PermEdit
	canVerdict = db.PermVerdict
	canMerge   = db.PermMerge
	canAdmin   = db.PermAdmin
)

// principal is who a request acts for: a key, or nobody.
type principal struct {
	key *db.APIKey // nil when the request carried no key
}

const principalKey = "verbatim.principal"

// authenticate reads the bearer key, when there is one, and records who the request acts
// for, in the Echo context for the budgets and in the request context for the core's
// permission checks, created_by and audit trail. A malformed header or an unknown or
// revoked key is a 401, so a client learns at once that its key is wrong.
func (s *Server) authenticate(c echo.Context) (principal, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" {
		return principal{}, nil
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > 200 {
		return principal{}, web.Unauthorized("send the API key as Authorization: Bearer <key>")
	}
	fresh, err := s.store.Fresh(c.Request().Context())
	if err != nil {
		return principal{}, err
	}
	key, err := s.store.Authenticate(fresh, secret)
	if db.ErrorCode(err) == db.Unauthorized {
		return principal{}, web.Unauthorized(err.(*db.Error).Message)
	}
	if err != nil {
		return principal{}, err
	}
	c.SetRequest(c.Request().WithContext(db.WithActor(fresh, key.Actor())))
	return principal{key: key}, nil
}

// require lets a request through when its principal holds perm: anonymous requests only
// to public routes, and to reads when the server runs with PublicRead. Public routes
// ignore credentials, so a probe never fails on a stale key. A request refused for its
// key — none, or a wrong one — spends its address's budget first: guessing keys, or
// flooding with bad ones or none, is throttled like any request without a key.
func (s *Server) require(perm db.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if perm == public {
				c.Set(principalKey, principal{})
				return next(c)
			}
			p, err := s.authenticate(c)
			if web.IsStatus(err, http.StatusUnauthorized) {
				if err := s.door.SpendAnonymous(c); err != nil {
					return err
				}
			}
			if err != nil {
				return err
			}
			c.Set(principalKey, p)
			if p.key == nil {
				if perm == canRead && s.cfg.PublicRead {
					c.SetRequest(c.Request().WithContext(db.WithActor(c.Request().Context(), db.Anonymous)))
					return next(c)
				}
				if err := s.door.SpendAnonymous(c); err != nil {
					return err
				}
				return web.Unauthorized("this needs an API key: send Authorization: Bearer <key>")
			}
			if !p.key.Actor().Can(perm) {
				return newProblem(http.StatusForbidden, db.Forbidden,
					"the "+p.key.Role+" role may not "+perm.String()+"; ask an admin for a key with that permission")
			}
			return next(c)
		}
	}
}
