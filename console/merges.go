package console

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// ---- duplicates, merges and their undoing: one person, one record ----

type duplicatesPage struct {
	base
	Kind      string
	Items     []*db.Duplicate
	NextQuery string
}

// kindOf is the kind a page's kind parameter names: speaker unless outlet.
func kindOf(ec echo.Context) string {
	if ec.QueryParam("kind") == "outlet" || ec.FormValue("kind") == "outlet" {
		return "outlet"
	}
	return "speaker"
}

func (c *Console) duplicates(ec echo.Context) error {
	p := &duplicatesPage{Kind: kindOf(ec)}
	p.Title, p.Nav = "Likely duplicates", "duplicates"
	res, err := c.db.Duplicates(ec.Request().Context(), db.DuplicateFilter{Kind: p.Kind, Limit: 25, Cursor: formValue(ec, "cursor")})
	if err != nil {
		return err
	}
	p.Items, p.NextQuery = res.Data, nextQuery(ec, res.NextCursor)
	return c.render(ec, http.StatusOK, "duplicates", p)
}

func (c *Console) dismiss(ec echo.Context) error {
	kind := kindOf(ec)
	if _, err := c.db.Dismiss(ec.Request().Context(), db.DismissalInput{IDs: []string{ec.FormValue("a"), ec.FormValue("b")}}); err != nil {
		return err
	}
	return seeOther(ec, Prefix+"/duplicates?kind="+kind, "dismissed")
}

// mergePage sets two records side by side, with what merging the first into the second
// would do — the core's own plan of the merge — or why it would be refused.
type mergePage struct {
	base
	Kind, From, Into string
	Reason           string
	Preview          *db.MergePreview
	// FromRecord and IntoRecord are the two as they stand, shown also when the merge
	// would be refused; Sides shows them, and the survivor as the merge would leave it.
	FromRecord, IntoRecord any
	FromVersion            int64
	Sides                  []side
}

// side is one record of the merge page, as the page shows it: its facts in rows.
type side struct {
	Heading, ID, Name string
	Facts             [][2]string
}

// sideOf shows a speaker or an outlet.
func sideOf(heading string, rec any) side {
	none := func(s *string) string {
		if s == nil {
			return "—"
		}
		return *s
	}
	list := func(l []string) string {
		if len(l) == 0 {
			return "—"
		}
		return strings.Join(l, ", ")
	}
	switch r := rec.(type) {
	case *db.Speaker:
		return side{heading, r.ID, r.Name, [][2]string{{"Also known as", list(r.Aliases)}, {"Wikidata", none(r.WikidataQID)},
			{"Description", cmp.Or(r.Description, "—")}}}
	case *db.Outlet:
		return side{heading, r.ID, r.Name, [][2]string{{"Also known as", list(r.Aliases)}, {"Web address", none(r.URL)},
			{"Country", none(r.Country)}}}
	}
	return side{Heading: heading}
}

func (c *Console) mergeForm(ec echo.Context) error {
	p := &mergePage{Kind: kindOf(ec), From: ec.QueryParam("from"), Into: ec.QueryParam("into")}
	return c.showMerge(ec, http.StatusOK, p, nil)
}

func (c *Console) showMerge(ec echo.Context, status int, p *mergePage, refusal error) error {
	ctx := ec.Request().Context()
	p.Title, p.Nav = "Merge "+p.Kind+"s", "duplicates"
	read := func(id string) (any, int64, error) {
		if p.Kind == "outlet" {
			o, err := c.db.Outlet(ctx, id)
			if err != nil {
				return nil, 0, err
			}
			return o, o.Version, nil
		}
		s, err := c.db.Speaker(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		return s, s.Version, nil
	}
	var err error
	if p.FromRecord, p.FromVersion, err = read(p.From); err != nil {
		return err
	}
	if p.Into != "" {
		if p.IntoRecord, _, err = read(p.Into); err != nil && !onPage(err) && db.ErrorCode(err) != db.NotFound {
			return err
		}
		if refusal == nil {
			p.Preview, refusal = c.db.PreviewMerge(ctx, p.Kind, p.From, db.MergeInput{Into: p.Into})
		}
	}
	p.Sides = []side{sideOf("Merged away", p.FromRecord)}
	if p.IntoRecord != nil {
		p.Sides = append(p.Sides, sideOf("Survives", p.IntoRecord))
	}
	if p.Preview != nil {
		p.Sides = append(p.Sides, sideOf("After the merge", p.Preview.Survivor))
	}
	if refusal != nil {
		if !onPage(refusal) {
			return refusal
		}
		p.fail(refusal)
		if status == http.StatusOK {
			status = formStatus(refusal)
		}
	}
	return c.render(ec, status, "merge", p)
}

func (c *Console) merge(ec echo.Context) error {
	p := &mergePage{Kind: kindOf(ec), From: ec.FormValue("from"), Into: ec.FormValue("into"), Reason: ec.FormValue("reason")}
	merge := c.db.MergeSpeaker
	if p.Kind == "outlet" {
		merge = c.db.MergeOutlet
	}
	err := c.update(ec, func(version []int64) error {
		_, err := merge(ec.Request().Context(), p.From, version, db.MergeInput{Into: p.Into, Reason: p.Reason})
		return err
	})
	if err == nil {
		return seeOther(ec, Prefix+"/"+p.Kind+"s/"+url.PathEscape(p.Into), "merged")
	}
	if db.ErrorCode(err) == db.PreconditionFailed {
		err = &db.Error{Code: db.Conflict, Message: "Someone changed the " + p.Kind + " after you opened this page: it is shown as it now stands. Merge again if it still holds."}
	}
	return c.showMerge(ec, formStatus(err), p, err)
}

type mergesPage struct {
	base
	Items     []*db.Merge
	NextQuery string
}

func (c *Console) merges(ec echo.Context) error {
	p := &mergesPage{}
	p.Title, p.Nav = "Merges", "duplicates"
	res, err := c.db.ListMerges(ec.Request().Context(), db.MergeFilter{ID: formValue(ec, "id"), Limit: 25, Cursor: formValue(ec, "cursor")})
	if err != nil {
		return err
	}
	p.Items, p.NextQuery = res.Data, nextQuery(ec, res.NextCursor)
	return c.render(ec, http.StatusOK, "merges", p)
}

func (c *Console) undoMerge(ec echo.Context) error {
	m, err := c.db.UndoMerge(ec.Request().Context(), ec.Param("id"))
	if err != nil {
		if !onPage(err) {
			return err
		}
		p := &mergesPage{}
		p.Title, p.Nav = "Merges", "duplicates"
		p.fail(err)
		res, lerr := c.db.ListMerges(ec.Request().Context(), db.MergeFilter{Limit: 25})
		if lerr != nil {
			return lerr
		}
		p.Items = res.Data
		return c.render(ec, formStatus(err), "merges", p)
	}
	return seeOther(ec, Prefix+"/"+m.Kind+"s/"+url.PathEscape(m.From), "unmerged")
}

// count is n with its noun, for the pages' sentences.
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}
