package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
)

// ---- the re-reporting chain: a quote's appearances, the desk's suggested links ----

// linksPage is the desk's queue of suggested links, and the checked quotes that
// reappeared, newest first.
type linksPage struct {
	base
	Suggested  []*db.Appearance
	Reappeared []*db.Appearance
}

func (c *Console) links(ec echo.Context) error {
	ctx := ec.Request().Context()
	p := &linksPage{}
	p.Title, p.Nav = "Re-reports", "links"
	suggested, err := c.db.ListAppearancesAll(ctx, db.AppearanceFilter{State: ptr("suggested"), Limit: 50})
	if err != nil {
		return err
	}
	reappeared, err := c.db.ListAppearancesAll(ctx, db.AppearanceFilter{State: ptr("confirmed"), Checked: true, Limit: 50})
	if err != nil {
		return err
	}
	p.Suggested, p.Reappeared = suggested.Data, reappeared.Data
	return c.render(ec, http.StatusOK, "links", p)
}

// reviewLink confirms or rejects a suggested appearance (the form's decision), at the
// version the page showed.
func (c *Console) reviewLink(ec echo.Context) error {
	ctx := ec.Request().Context()
	id, aid := ec.Param("id"), ec.Param("aid")
	version, verr := strconv.ParseInt(ec.FormValue("version"), 10, 64)
	var err error
	var flash string
	switch {
	case verr != nil:
		err = &db.Error{Code: db.Malformed, Field: "version", Message: "the form lost the appearance's version; reload the page"}
	case ec.FormValue("decision") == "confirm":
		in := db.AppearanceReview{Note: formValue(ec, "note"), KeepVerdict: formValue(ec, "keep_verdict")}
		_, err = c.db.ConfirmAppearance(ctx, id, aid, []int64{version}, in)
		flash = "link-confirmed"
	default:
		_, err = c.db.RejectAppearance(ctx, id, aid, []int64{version}, db.AppearanceRejection{Note: formValue(ec, "note")})
		flash = "link-rejected"
	}
	if err == nil {
		return seeOther(ec, Prefix+"/quotes/"+url.PathEscape(id)+"#chain", flash)
	}
	return c.quoteAgain(ec, id, err, func(*quotePage) {})
}

// pinFirst pins (or, without an appearance, unpins) the quote's first appearance.
func (c *Console) pinFirst(ec echo.Context) error {
	ctx := ec.Request().Context()
	id := ec.Param("id")
	version, verr := strconv.ParseInt(ec.FormValue("version"), 10, 64)
	var err error
	switch {
	case verr != nil:
		err = &db.Error{Code: db.Malformed, Field: "version", Message: "the form lost the quote's version; reload the page"}
	case ec.FormValue("appearance_id") == "":
		_, err = c.db.PinFirstAppearance(ctx, id, []int64{version}, nil)
	default:
		_, err = c.db.PinFirstAppearance(ctx, id, []int64{version}, &db.PinInput{AppearanceID: ec.FormValue("appearance_id"),
			Reason: ec.FormValue("reason")})
	}
	if err == nil {
		return seeOther(ec, Prefix+"/quotes/"+url.PathEscape(id)+"#chain", "pinned")
	}
	return c.quoteAgain(ec, id, err, func(*quotePage) {})
}

func ptr[T any](v T) *T { return &v }
