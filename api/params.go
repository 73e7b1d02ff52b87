package api

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// query reads a request's query parameters, refusing any the endpoint does not know (a
// misspelt filter must not silently widen a researcher's result) and any given twice.
type query struct {
	values url.Values
}

func readQuery(c echo.Context, known ...string) (*query, error) {
	values := c.QueryParams()
	for name, vs := range values {
		ok := false
		for _, k := range known {
			ok = ok || k == name
		}
		if !ok {
			return nil, badRequest(name, "is not a query parameter of this endpoint; known: "+strings.Join(known, ", "))
		}
		if len(vs) > 1 {
			return nil, badRequest(name, "is given more than once")
		}
		if !utf8.ValidString(vs[0]) {
			return nil, badRequest(name, "is not valid UTF-8")
		}
		if len(vs[0]) > 1000 {
			return nil, badRequest(name, "is longer than 1000 bytes")
		}
	}
	return &query{values: values}, nil
}

// str returns the parameter, nil when absent or empty.
func (q *query) str(name string) *string {
	v := q.values.Get(name)
	if v == "" {
		return nil
	}
	return &v
}

// limit reads the page size: 1 or more; above the cap it is capped.
func (q *query) limit() (int, error) {
	v := q.values.Get("limit")
	if v == "" {
		return db.DefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, badRequest("limit", fmt.Sprintf("must be a whole number from 1 to %d", db.MaxLimit))
	}
	return min(n, db.MaxLimit), nil
}

// oneOf reads an enumerated parameter.
func (q *query) oneOf(name string, allowed []string) (*string, error) {
	v := q.str(name)
	if v == nil {
		return nil, nil
	}
	for _, a := range allowed {
		if *v == a {
			return v, nil
		}
	}
	return nil, badRequest(name, "must be one of: "+strings.Join(allowed, ", "))
}

// ifMatch reads If-Match as the versions the client accepts: nil when absent or "*" (any
// version of an existing resource). Entity tags this server cannot have issued match
// nothing, so they yield a version no resource has.
func ifMatch(r *http.Request) []int64 {
	h := r.Header.Get("If-Match")
	if h == "" || strings.TrimSpace(h) == "*" {
		return nil
	}
	versions := []int64{}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		if v, ok := parseETag(tag); ok && !strings.HasPrefix(tag, "W/") { // If-Match compares strongly
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return []int64{0}
	}
	return versions
}

// ETagsPattern is what If-Match and If-None-Match take: "*", or a comma-separated list of
// entity tags, each quoted, weak or not (RFC 9110; the server's own are versions, "3").
// The OpenAPI document states it from here.
const ETagsPattern = `^[ \t]*(\*|(W/)?"[!#-+\--~]*"([ \t]*,[ \t]*(W/)?"[!#-+\--~]*")*)[ \t]*$`

var etagsRE = regexp.MustCompile(ETagsPattern)

// checkPreconditions refuses an If-Match or If-None-Match that is not a list of entity
// tags: a bare version (If-Match: 2) would match nothing and come back as a puzzling
// 412, so it is a 400 that says how an ETag is written.
func checkPreconditions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, name := range []string{"If-Match", "If-None-Match"} {
			if h := c.Request().Header.Get(name); h != "" && !etagsRE.MatchString(h) {
				return badRequest(name, fmt.Sprintf("%q is not a list of entity tags: an ETag is quoted, as the server sends it (%s: \"2\")", h, name))
			}
		}
		return next(c)
	}
}

// notModified reports whether If-None-Match already names version (weak comparison).
func notModified(r *http.Request, version int64) bool {
	h := r.Header.Get("If-None-Match")
	if h == "" {
		return false
	}
	if strings.TrimSpace(h) == "*" {
		return true
	}
	for _, tag := range strings.Split(h, ",") {
		if v, ok := parseETag(strings.TrimPrefix(strings.TrimSpace(tag), "W/")); ok && v == version {
			return true
		}
	}
	return false
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

func parseETag(tag string) (int64, bool) {
	tag = strings.TrimPrefix(tag, "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, false
	}
	v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	return v, err == nil && v > 0
}
