package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// The permissions routes need are storage's (db.Permission): one table says who may do
// what, and storage checks it again on every write, whichever way the write came in.
const (
	public     = db.PermPublic
	canRead    = db.PermRead
	canEdit    = db.PermEdit
	canVerdict = db.PermVerdict
	canAdmin   = db.PermAdmin
)

// principal is who a request acts for: a key, or nobody.
type principal struct {
	key *db.APIKey // nil when the request carried no key
}

const principalKey = "verbatim.principal"

// authenticate reads the bearer key, when there is one, and records who the request acts
// for, in the Echo context for authorisation and in the request context for storage's
// created_by and audit trail. A malformed header or an unknown or revoked key is a 401,
// so a client learns at once that its key is wrong.
func (s *Server) authenticate(c echo.Context) (principal, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" {
		return principal{}, nil
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > 200 {
		return principal{}, unauthorized("send the API key as Authorization: Bearer <key>")
	}
	fresh, err := s.store.Fresh(c.Request().Context())
	if err != nil {
		return principal{}, err
	}
	c.SetRequest(c.Request().WithContext(fresh))
	key, err := s.store.Authenticate(fresh, secret)
	var de *db.Error
	if errors.As(err, &de) && de.Code == db.Unauthorized {
		return principal{}, unauthorized(de.Message)
	}
	if err != nil {
		return principal{}, err
	}
	ctx := db.WithActor(c.Request().Context(), db.Actor{Name: key.Name, KeyID: key.ID, Role: key.Role})
	c.SetRequest(c.Request().WithContext(ctx))
	return principal{key: key}, nil
}

func unauthorized(detail string) *problem {
	p := newProblem(http.StatusUnauthorized, "unauthorized", detail)
	p.header = http.Header{"WWW-Authenticate": {`Bearer realm="verbatim"`}}
	return p
}

// require lets a request through when its principal holds perm: anonymous requests only
// to public routes, and to reads when the server runs with PublicRead. Public routes
// ignore credentials, so a probe never fails on a stale key.
func (s *Server) require(perm db.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if perm == public {
				c.Set(principalKey, principal{})
				return next(c)
			}
			p, err := s.authenticate(c)
			var refused *problem
			if errors.As(err, &refused) && refused.status == http.StatusUnauthorized {
				// A wrong key spends its address's anonymous budget: guessing keys, or
				// flooding with bad ones, is throttled like any request without a key.
				if err := s.spend(c, "anonymous", clientAddress(c), s.cfg.Limits.AnonymousPerSecond); err != nil {
					return err
				}
			}
			if err != nil {
				return err
			}
			c.Set(principalKey, p)
			if p.key == nil {
				if perm == canRead && s.cfg.PublicRead {
					// Storage sees an actor of no role, never the command line's.
					c.SetRequest(c.Request().WithContext(db.WithActor(c.Request().Context(), db.Actor{Name: "anonymous"})))
					return next(c)
				}
				return unauthorized("this needs an API key: send Authorization: Bearer <key>")
			}
			if !(db.Actor{Role: p.key.Role}).Can(perm) {
				return newProblem(http.StatusForbidden, "forbidden",
					"the "+p.key.Role+" role may not "+perm.String()+"; ask an admin for a key with that permission")
			}
			return next(c)
		}
	}
}
