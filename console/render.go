package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// base is what every page's layout needs: who is signed in, the form token, and what to
// say at the top.
type base struct {
	Title   string
	Session *db.Session
	Nav     string // the current section, marked in the navigation
	Flash   string // a success, said once
	Error   string // what the page could not do
	Fields  map[string]string
}

func (b *base) page() *base { return b }

type pager interface{ page() *base }

// permissions are the core's permissions by the names the templates use.
var permissions = map[string]db.Permission{"read": db.PermRead, "edit": db.PermEdit, "verdict": db.PermVerdict, "merge": db.PermMerge,
	"admin": db.PermAdmin}

// Can reports whether the signed-in key's role grants a permission, by its name in
// permissions; controls the core would refuse are not shown.
func (b *base) Can(perm string) bool {
	return b.Session != nil && b.Session.Actor().Can(permissions[perm])
}

// CSRF is the session's form token.
func (b *base) CSRF() string {
	if b.Session == nil {
		return ""
	}
	return b.Session.CSRF
}

// FieldError is the message for one form field, if the core refused it.
func (b *base) FieldError(name string) string { return b.Fields[name] }

// fail records a core error on the page: its message, and per field where it names one.
func (b *base) fail(err error) {
	de, ok := err.(*db.Error)
	if !ok {
		b.Error = err.Error()
		return
	}
	b.Error = de.Message
	if b.Fields == nil {
		b.Fields = map[string]string{}
	}
	if de.Field != "" {
		b.Error = de.Field + ": " + de.Message
		b.Fields[de.Field] = de.Message
	}
	for _, f := range de.Fields {
		b.Fields[f.Field] = f.Message
	}
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"day": func(s *string) string {
		if s == nil {
			return ""
		}
		t, err := time.Parse("2006-01-02", *s)
		if err != nil {
			return *s
		}
		return t.Format("2 Jan 2006")
	},
	"ago":         ago,
	"deref":       func(s *string) string { return deref(s) },
	"attribution": func(s string) string { return attributionLabels[s] },
	"rating": func(s *string) string {
		if s == nil {
			return "no rating"
		}
		return ratingLabels[*s]
	},
	"ratingOf":   func(s string) string { return ratingLabels[s] },
	"snippet":    snippet,
	"changes":    changes,
	"show":       show,
	"add":        func(a, b int) int { return a + b },
	"deref_bool": func(b *bool) bool { return b != nil && *b },
	"deref_float": func(f *float64) float64 {
		if f == nil {
			return 0
		}
		return *f
	},
	"deref_time": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"join":   strings.Join,
	"count":  count,
	"int64":  func(n int) int64 { return int64(n) },
	"reason": func(r string) string { return reasonLabels[r] },
	// qs marks a query string the console built with url.Values.Encode as one, so that
	// html/template does not escape its = and & again.
	"qs":      func(s string) template.URL { return template.URL(s) },
	"percent": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"checked": func(ids []string, id string) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	},
}

// snippet shows a search hit's snippet: the core escapes the quote's text and marks the
// matched words with <mark>, and that is all the markup it may hold. Anything else —
// which the core never makes — is shown as text, marks and all.
func snippet(s *string) template.HTML {
	if s == nil {
		return ""
	}
	bare := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(*s)
	if strings.ContainsAny(bare, "<>") {
		return template.HTML(html.EscapeString(*s))
	}
	return template.HTML(*s) // #nosec: escaped by the core, checked above
}

// changes are an audit entry's changes worth showing: a create records every field, the
// empty ones too.
func changes(m map[string]db.Change) map[string]db.Change {
	out := make(map[string]db.Change, len(m))
	for k, c := range m {
		if c.Before != nil || c.After != nil {
			out[k] = c
		}
	}
	return out
}

// show writes an audited value briefly: text as it is, nothing as a dash, the rest as
// JSON, cut short.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case string:
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if r := []rune(string(b)); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return string(b)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("console: parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, name)
		if err != nil {
			return nil, fmt.Errorf("console: parse %s: %w", name, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes a page: the template into a buffer first, so that a template error
// becomes an error page and never half a page.
func (c *Console) render(ec echo.Context, status int, name string, p pager) error {
	b := p.page()
	if b.Session == nil {
		b.Session = sessionOf(ec)
	}
	if b.Nav == "" {
		b.Nav = name
	}
	if b.Flash == "" {
		b.Flash = flashes[ec.QueryParam("done")]
	}
	t, ok := c.pages[name]
	if !ok {
		return fmt.Errorf("console: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	return ec.HTMLBlob(status, buf.Bytes())
}

// seeOther answers a form post with a redirect to the page showing its result, with the
// message of a flash code said there. Codes, not text, travel in the link, so that a
// crafted link cannot make the console say something it did not.
func seeOther(ec echo.Context, to, flash string) error {
	if flash != "" {
		// The flash goes in the query, before any fragment (#citations): after it, the
		// browser kept it to itself and the page said nothing.
		to, fragment, _ := strings.Cut(to, "#")
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "done=" + flash
		if fragment != "" {
			to += "#" + fragment
		}
		return ec.Redirect(http.StatusSeeOther, to)
	}
	return ec.Redirect(http.StatusSeeOther, to)
}
