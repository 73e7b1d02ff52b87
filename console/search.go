package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/archive"
	"github.com/verbatimhq/verbatim/db"
)

// searchFilter reads the search form, whose fields are the core's filter parameters
// (db.SearchParams), as the core reads them for every way in.
func searchFilter(ec echo.Context) (db.QuoteFilter, error) {
	v := url.Values{}
	for _, name := range append(db.SearchParams, "cursor") {
		if s := strings.TrimSpace(ec.QueryParam(name)); s != "" {
			v.Set(name, s)
		}
	}
	return db.QuoteFilterFrom(v)
}

type facetValue struct {
	Label  string
	Count  int64
	Query  string // the search narrowed to this value
	Active bool
}

type facetGroup struct {
	Name   string
	Values []facetValue
}

type searchPage struct {
	base
	F            map[string]string
	Searched     bool
	Results      []*db.Quote
	Facets       []facetGroup
	NextQuery    string
	ExportQuery  string // the search's filters, for the export links
	Attributions []option
	Ratings      []option
	Sorts        []option
}

// facetParams are the search parameter each facet's value narrows.
var facetParams = []struct{ facet, name, param string }{
	{"speaker", "Speaker", "speaker_id"}, {"outlet", "Outlet", "outlet_id"}, {"year", "Year said", "year"},
	{"attribution", "Attribution", "attribution"}, {"rating", "Rating", "rating"}, {"tag", "Tag", "tag"},
}

func (c *Console) search(ec echo.Context) error {
	p := &searchPage{F: map[string]string{}, Attributions: options(db.Attributions, attributionLabels, nil),
		Ratings: options(db.Ratings, ratingLabels, nil),
		Sorts: []option{{"", "relevance (with words), else newest said", ""}, {"-said_on", "newest said first", ""},
			{"said_on", "oldest said first", ""}, {"-created_at", "newest recorded first", ""}, {"created_at", "oldest recorded first", ""}}}
	p.Title = "Search"
	values := url.Values{}
	for _, name := range db.SearchParams {
		if v := ec.QueryParam(name); v != "" {
			p.F[name] = v
			values.Set(name, v)
		}
	}
	p.ExportQuery = values.Encode()
	if len(values) == 0 && ec.QueryParam("all") == "" {
		return c.render(ec, http.StatusOK, "search", p)
	}
	p.Searched = true
	f, err := searchFilter(ec)
	var res db.QuotePage
	if err == nil {
		f.Limit = 20
		f.Facets = db.Facets
		res, err = c.db.ListQuotes(ec.Request().Context(), f)
	}
	if err != nil {
		if !onPage(err) {
			return err
		}
		p.fail(err)
		return c.render(ec, formStatus(err), "search", p)
	}
	p.Results = res.Data
	for _, fp := range facetParams {
		g := facetGroup{Name: fp.name}
		for _, fc := range res.Facets[fp.facet] {
			label := fc.Value
			if fc.Label != nil {
				label = *fc.Label
			}
			switch fp.facet {
			case "attribution":
				label = attributionLabels[fc.Value]
			case "rating":
				label = ratingLabels[fc.Value]
			}
			v := url.Values{}
			for k, vs := range values {
				v[k] = vs
			}
			active := false
			if fp.param == "year" {
				active = values.Get("said_from") == fc.Value+"-01-01" && values.Get("said_to") == fc.Value+"-12-31"
				v.Set("said_from", fc.Value+"-01-01")
				v.Set("said_to", fc.Value+"-12-31")
			} else {
				active = values.Get(fp.param) == fc.Value
				v.Set(fp.param, fc.Value)
			}
			g.Values = append(g.Values, facetValue{Label: label, Count: fc.Count, Query: v.Encode(), Active: active})
		}
		if len(g.Values) > 0 {
			p.Facets = append(p.Facets, g)
		}
	}
	if res.NextCursor != nil {
		v := url.Values{}
		for k, vs := range values {
			v[k] = vs
		}
		v.Set("cursor", *res.NextCursor)
		p.NextQuery = v.Encode()
	}
	return c.render(ec, http.StatusOK, "search", p)
}

// export streams the current search, every match, as the API's export does.
func (c *Console) export(ec echo.Context) error {
	format := ec.QueryParam("format")
	if _, ok := archive.Formats[format]; !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "format: must be ndjson or csv")
	}
	f, err := searchFilter(ec)
	if err != nil {
		return err
	}
	f.Cursor = nil
	res := ec.Response()
	res.Header().Set(echo.HeaderContentType, archive.Formats[format])
	res.Header().Set("Content-Disposition", `attachment; filename="verbatim-search.`+format+`"`)
	return c.door.Stream(ec, func(flush func()) (int, error) {
		return archive.Stream(res, format, func(each func(*db.Record) error) error {
			return c.db.Export(ec.Request().Context(), f, each)
		}, flush)
	})
}
