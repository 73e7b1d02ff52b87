package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// shown records what a front end was asked to show.
type shown struct{ problems []*Problem }

func (s *shown) show(c echo.Context, p *Problem) {
	s.problems = append(s.problems, p)
	_ = c.String(p.Status, p.Code+": "+p.Detail)
}

// A panic costs one request, not the process; an unknown error is a 500 that says
// nothing of the internals; and each refusal is shown by the front end whose path it is.
func TestPanicCostsOneRequest(t *testing.T) {
	t.Parallel()
	d := New(Options{})
	var api, pages shown
	r := d.Mount("", api.show)
	r.Add(http.MethodGet, "/panic", func(echo.Context) error { panic("nil map write in a handler") })
	r.Add(http.MethodGet, "/leak", func(echo.Context) error { return errors.New("SELECT secret FROM keys: disk I/O error") })
	r.Add(http.MethodGet, "/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	p := d.Mount("/pages", pages.show)
	p.Add(http.MethodGet, "/missing", func(echo.Context) error { return &db.Error{Code: db.NotFound, Message: "no such page"} })

	for _, tc := range []struct {
		path   string
		status int
		front  *shown
	}{
		{"/panic", 500, &api}, {"/leak", 500, &api}, {"/ok", 200, nil},
		{"/pages/missing", 404, &pages}, {"/pages/nowhere", 404, &pages}, {"/nowhere", 404, &api},
	} {
		before := len(api.problems) + len(pages.problems)
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s: %d, want %d", tc.path, rec.Code, tc.status)
		}
		if strings.Contains(rec.Body.String(), "SELECT") || strings.Contains(rec.Body.String(), "nil map") {
			t.Errorf("%s leaks the internals: %s", tc.path, rec.Body)
		}
		if rec.Header().Get(echo.HeaderXRequestID) == "" {
			t.Errorf("%s: no request ID", tc.path)
		}
		if tc.front != nil && len(tc.front.problems) == 0 {
			t.Errorf("%s was not shown by its front end", tc.path)
		}
		if tc.front == nil && len(api.problems)+len(pages.problems) != before {
			t.Errorf("%s: a success was shown as a refusal", tc.path)
		}
	}
}

// Every core error code has its status, and codes a client can retry say when.
func TestEveryCoreCodeHasAStatus(t *testing.T) {
	codes := []string{db.Malformed, db.Invalid, db.NotFound, db.Conflict, db.PreconditionFailed, db.Busy,
		db.Unavailable, db.Full, db.Timeout, db.Unauthorized, db.Forbidden, db.Moved, db.Internal}
	if len(Codes()) != len(codes) {
		t.Errorf("the door maps %d codes, the core has %d", len(Codes()), len(codes))
	}
	for _, code := range codes {
		if Status(code) == 0 {
			t.Errorf("%s has no status", code)
		}
	}
	d := New(Options{})
	for _, code := range []string{db.Busy, db.Unavailable} {
		c := d.echo.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		if p := d.problemOf(&db.Error{Code: code, Message: "later"}, c); p.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", code)
		}
	}
}

// A GET route answers HEAD with its headers and no body.
func TestHeadWhereverGet(t *testing.T) {
	d := New(Options{})
	var s shown
	d.Mount("/x", s.show).Add(http.MethodGet, "/page", func(c echo.Context) error {
		c.Response().Header().Set("ETag", `"7"`)
		return c.String(http.StatusOK, "a body")
	})
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/x/page", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"7"` || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
}

// Every problem type the code can answer is in the README's table of them: the core's
// codes, HTTP's own, and each one a handler names.
func TestREADMEListsEveryProblemType(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	codes := Codes()
	for _, c := range codeOfStatus {
		codes = append(codes, c)
	}
	named := regexp.MustCompile(`(?i)newProblem\([^,]+,\s*"([a-z_]+)"`)
	for _, dir := range []string{"../web", "../api", "../console"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range named.FindAllStringSubmatch(string(src), -1) {
				codes = append(codes, m[1])
			}
		}
	}
	if len(codes) < 15 {
		t.Fatalf("found only %v", codes)
	}
	for _, c := range codes {
		if !strings.Contains(string(readme), "| `"+c+"` |") {
			t.Errorf("the README's table of problem types lacks %s", c)
		}
	}
}
