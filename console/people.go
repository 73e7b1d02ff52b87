package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

type listPage[T any] struct {
	base
	Q         string
	Items     []T
	NextQuery string
}

func nextQuery(ec echo.Context, cursor *string) string {
	if cursor == nil {
		return ""
	}
	v := ec.QueryParams()
	v.Set("cursor", *cursor)
	return v.Encode()
}

func (c *Console) speakers(ec echo.Context) error {
	p := &listPage[*db.Speaker]{Q: ec.QueryParam("q")}
	p.Title = "Speakers"
	res, err := c.db.ListSpeakers(ec.Request().Context(), db.SpeakerFilter{Q: formValue(ec, "q"), Limit: 50, Cursor: formValue(ec, "cursor")})
	if err != nil {
		return err
	}
	p.Items, p.NextQuery = res.Data, nextQuery(ec, res.NextCursor)
	return c.render(ec, http.StatusOK, "speakers", p)
}

func (c *Console) outlets(ec echo.Context) error {
	p := &listPage[*db.Outlet]{Q: ec.QueryParam("q")}
	p.Title = "Outlets"
	res, err := c.db.ListOutlets(ec.Request().Context(), db.OutletFilter{Q: formValue(ec, "q"), Limit: 50, Cursor: formValue(ec, "cursor")})
	if err != nil {
		return err
	}
	p.Items, p.NextQuery = res.Data, nextQuery(ec, res.NextCursor)
	return c.render(ec, http.StatusOK, "outlets", p)
}

// ownerPage is a speaker's or an outlet's page: the record, its edit form, its quotes
// and how their verdicts count.
type ownerPage[T any] struct {
	base
	Item         T
	Path         string // the page's own address, for its links
	Version      int64
	Quotes       []*db.Quote
	Attributions []db.FacetCount
	Ratings      []db.FacetCount
	Total        int64
	NextQuery    string
	Form         map[string]string // the edit form's values, as typed when refused
}

func (c *Console) ownerQuotes(ec echo.Context, f db.QuoteFilter, attributions, ratings *[]db.FacetCount, total *int64) ([]*db.Quote, string, error) {
	f.Limit, f.Sort, f.Cursor = 25, "-said_on", formValue(ec, "cursor")
	f.Facets = []string{"attribution", "rating"}
	res, err := c.db.ListQuotes(ec.Request().Context(), f)
	if err != nil {
		return nil, "", err
	}
	*attributions, *ratings = res.Facets["attribution"], res.Facets["rating"]
	for _, a := range *attributions {
		*total += a.Count
	}
	return res.Data, nextQuery(ec, res.NextCursor), nil
}

func (c *Console) loadSpeaker(ec echo.Context, id string) (*ownerPage[*db.Speaker], error) {
	s, err := c.db.Speaker(ec.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	p := &ownerPage[*db.Speaker]{Item: s, Version: s.Version, Form: map[string]string{"name": s.Name,
		"aliases": strings.Join(s.Aliases, "\n"), "wikidata_qid": deref(s.WikidataQID), "description": s.Description,
		"positions": positionLines(s.Positions)}}
	p.Title, p.Nav, p.Path = s.Name, "speakers", Prefix+"/speakers/"+url.PathEscape(s.ID)
	p.Quotes, p.NextQuery, err = c.ownerQuotes(ec, db.QuoteFilter{SpeakerID: &s.ID}, &p.Attributions, &p.Ratings, &p.Total)
	return p, err
}

func (c *Console) speaker(ec echo.Context) error {
	p, err := c.loadSpeaker(ec, ec.Param("id"))
	if err != nil {
		return err
	}
	return c.render(ec, http.StatusOK, "speaker", p)
}

func (c *Console) updateSpeaker(ec echo.Context) error {
	id := ec.Param("id")
	form := map[string]string{}
	for _, k := range []string{"name", "aliases", "wikidata_qid", "description", "positions"} {
		form[k] = ec.FormValue(k)
	}
	var aliases []string
	for _, a := range strings.Split(form["aliases"], "\n") {
		if a = strings.TrimSpace(a); a != "" {
			aliases = append(aliases, a)
		}
	}
	patch := db.SpeakerPatch{Name: db.Field[string]{Set: true, Value: strings.TrimSpace(form["name"])},
		Aliases:     db.Field[[]string]{Set: true, Value: aliases},
		Positions:   db.Field[[]db.Position]{Set: true, Value: parsePositions(form["positions"])},
		Description: db.Field[string]{Set: true, Value: strings.TrimSpace(form["description"])}}
	if q := strings.TrimSpace(form["wikidata_qid"]); q != "" {
		patch.WikidataQID = db.Field[string]{Set: true, Value: q}
	} else {
		patch.WikidataQID = db.Field[string]{Set: true, Null: true}
	}
	err := c.update(ec, func(version []int64) error {
		_, err := c.db.UpdateSpeaker(ec.Request().Context(), id, version, patch)
		return err
	})
	if err == nil {
		return seeOther(ec, Prefix+"/speakers/"+url.PathEscape(id), "saved")
	}
	p, lerr := c.loadSpeaker(ec, id)
	if lerr != nil {
		return lerr
	}
	return c.refused(ec, &p.base, err, func() { p.Form = form }, "speaker", p)
}

// positionLines writes positions as the form edits them: title | from | to, one a line.
func positionLines(ps []db.Position) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = strings.TrimRight(p.Title+" | "+deref(p.From)+" | "+deref(p.To), " |")
	}
	return strings.Join(lines, "\n")
}

// parsePositions reads the form's lines back; the core judges what they hold.
func parsePositions(text string) []db.Position {
	out := []db.Position{}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.SplitN(line, "|", 3)
		p := db.Position{Title: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			p.From = optional(parts[1])
		}
		if len(parts) > 2 {
			p.To = optional(parts[2])
		}
		out = append(out, p)
	}
	return out
}

func (c *Console) loadOutlet(ec echo.Context, id string) (*ownerPage[*db.Outlet], error) {
	o, err := c.db.Outlet(ec.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	p := &ownerPage[*db.Outlet]{Item: o, Version: o.Version, Form: map[string]string{"name": o.Name, "url": deref(o.URL)}}
	p.Title, p.Nav, p.Path = o.Name, "outlets", Prefix+"/outlets/"+url.PathEscape(o.ID)
	p.Quotes, p.NextQuery, err = c.ownerQuotes(ec, db.QuoteFilter{OutletID: &o.ID}, &p.Attributions, &p.Ratings, &p.Total)
	return p, err
}

func (c *Console) outlet(ec echo.Context) error {
	p, err := c.loadOutlet(ec, ec.Param("id"))
	if err != nil {
		return err
	}
	return c.render(ec, http.StatusOK, "outlet", p)
}

func (c *Console) updateOutlet(ec echo.Context) error {
	id := ec.Param("id")
	form := map[string]string{"name": ec.FormValue("name"), "url": ec.FormValue("url")}
	patch := db.OutletPatch{Name: db.Field[string]{Set: true, Value: strings.TrimSpace(form["name"])}}
	if u := strings.TrimSpace(form["url"]); u != "" {
		patch.URL = db.Field[string]{Set: true, Value: u}
	} else {
		patch.URL = db.Field[string]{Set: true, Null: true}
	}
	err := c.update(ec, func(version []int64) error {
		_, err := c.db.UpdateOutlet(ec.Request().Context(), id, version, patch)
		return err
	})
	if err == nil {
		return seeOther(ec, Prefix+"/outlets/"+url.PathEscape(id), "saved")
	}
	p, lerr := c.loadOutlet(ec, id)
	if lerr != nil {
		return lerr
	}
	return c.refused(ec, &p.base, err, func() { p.Form = form }, "outlet", p)
}

// update runs an edit against the version the form was opened at.
func (c *Console) update(ec echo.Context, do func(version []int64) error) error {
	v, err := strconv.ParseInt(ec.FormValue("version"), 10, 64)
	if err != nil {
		return &db.Error{Code: db.Malformed, Field: "version", Message: "the form lost the record's version; reload the page"}
	}
	return do([]int64{v})
}

// refused shows an edit form again after the core refused it: what was typed is kept,
// except on a conflict, where the page shows the record as it now stands.
func (c *Console) refused(ec echo.Context, b *base, err error, keep func(), name string, p pager) error {
	if !onPage(err) {
		return err
	}
	code := db.ErrorCode(err)
	switch code {
	case db.PreconditionFailed:
		b.Error = "Someone changed this record after you opened it: it is shown as it now stands. Make your change again."
	default:
		keep()
		b.fail(err)
	}
	return c.render(ec, formStatus(err), name, p)
}

// ---- keys, for admins: a key made for a person is how they sign in ----

type keysPage struct {
	base
	Keys      []*db.APIKey
	Roles     []string
	NewSecret string
	NewKey    *db.APIKey
}

func (c *Console) keys(ec echo.Context) error {
	p := &keysPage{Roles: db.Roles}
	p.Title = "Keys"
	return c.showKeys(ec, http.StatusOK, p)
}

func (c *Console) showKeys(ec echo.Context, status int, p *keysPage) error {
	keys, err := c.db.Keys(ec.Request().Context())
	if err != nil {
		return err
	}
	p.Keys = keys
	return c.render(ec, status, "keys", p)
}

func (c *Console) createKey(ec echo.Context) error {
	p := &keysPage{Roles: db.Roles}
	p.Title = "Keys"
	k, secret, err := c.db.CreateKey(ec.Request().Context(), db.KeyInput{Name: strings.TrimSpace(ec.FormValue("name")), Role: ec.FormValue("role")})
	if err != nil {
		if !onPage(err) {
			return err
		}
		p.fail(err)
		return c.showKeys(ec, formStatus(err), p)
	}
	p.NewKey, p.NewSecret = k, secret
	return c.showKeys(ec, http.StatusCreated, p)
}

func (c *Console) revokeKey(ec echo.Context) error {
	if _, err := c.db.RevokeKey(ec.Request().Context(), ec.Param("id")); err != nil {
		return err
	}
	return seeOther(ec, Prefix+"/keys", "revoked")
}
