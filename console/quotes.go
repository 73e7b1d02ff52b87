package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/claimreview"
	"github.com/verbatimhq/verbatim/db"
)

// formValue is a trimmed form or query value, nil when empty: the core's optional fields.
func formValue(ec echo.Context, name string) *string {
	v := strings.TrimSpace(ec.FormValue(name))
	if v == "" {
		return nil
	}
	return &v
}

// ---- the queue ----

type queueItem struct {
	Quote *db.Quote
	Claim *db.Claim
	Mine  bool
}

type queuePage struct {
	base
	Speaker, OutletID, Tag, SaidFrom, SaidTo, Age string
	Ages                                          []option
	Outlets                                       []*db.Outlet
	Items                                         []queueItem
	NextQuery                                     string // the next page's query string
}

// queueAges are the age filters: quotes recorded at least this long ago.
var queueAges = map[string]time.Duration{"1h": time.Hour, "1d": 24 * time.Hour, "3d": 72 * time.Hour,
	"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

func (c *Console) queue(ec echo.Context) error {
	ctx := ec.Request().Context()
	p := &queuePage{Speaker: ec.QueryParam("speaker"), OutletID: ec.QueryParam("outlet_id"), Tag: ec.QueryParam("tag"),
		SaidFrom: ec.QueryParam("said_from"), SaidTo: ec.QueryParam("said_to"), Age: ec.QueryParam("age"),
		Ages: []option{{"", "any age", ""}, {"1h", "older than an hour", ""}, {"1d", "older than a day", ""},
			{"3d", "older than 3 days", ""}, {"7d", "older than a week", ""}, {"30d", "older than 30 days", ""}}}
	p.Title = "Review queue"
	f := db.QuoteFilter{AwaitingReview: true, Sort: "created_at", Limit: 25, Speaker: formValue(ec, "speaker"),
		OutletID: formValue(ec, "outlet_id"), Tag: formValue(ec, "tag"), SaidFrom: formValue(ec, "said_from"),
		SaidTo: formValue(ec, "said_to"), Cursor: formValue(ec, "cursor")}
	if age, ok := queueAges[p.Age]; ok {
		before := time.Now().Add(-age)
		f.RecordedBefore = &before
	}
	outlets, err := c.db.ListOutlets(ctx, db.OutletFilter{Limit: 100})
	if err != nil {
		return err
	}
	p.Outlets = outlets.Data
	res, err := c.db.ListQuotes(ctx, f)
	if err != nil {
		if !onPage(err) {
			return err
		}
		p.fail(err)
		return c.render(ec, formStatus(err), "queue", p)
	}
	claims, err := c.db.Claims(ctx, res.Data)
	if err != nil {
		return err
	}
	me := sessionOf(ec).Key.ID
	for _, q := range res.Data {
		cl := claims[q.ID]
		p.Items = append(p.Items, queueItem{Quote: q, Claim: cl, Mine: cl != nil && cl.KeyID == me})
	}
	if res.NextCursor != nil {
		v := ec.QueryParams()
		v.Set("cursor", *res.NextCursor)
		p.NextQuery = v.Encode()
	}
	return c.render(ec, http.StatusOK, "queue", p)
}

func (c *Console) claim(ec echo.Context) error {
	id := ec.Param("id")
	if _, err := c.db.ClaimQuote(ec.Request().Context(), id, 0); err != nil {
		return err
	}
	return seeOther(ec, Prefix+"/quotes/"+url.PathEscape(id), "claimed")
}

func (c *Console) release(ec echo.Context) error {
	id := ec.Param("id")
	if err := c.db.ReleaseQuote(ec.Request().Context(), id); err != nil {
		return err
	}
	return seeOther(ec, Prefix+"/queue", "released")
}

// ---- a quote's page, with the verdict and citation forms ----

type verdictForm struct {
	Version     int64
	OpenedAt    string // when the page was rendered: what changed since is the conflict
	Attribution string
	Rating      string
	Summary     string
	CitationIDs []string
	New         citationForm
}

type citationForm struct {
	URL, Relation, Title, Publisher, Excerpt string
	Fetch                                    bool
}

func (f citationForm) input() db.CitationInput {
	opt := func(s string) *string {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		return &s
	}
	return db.CitationInput{URL: strings.TrimSpace(f.URL), Relation: f.Relation, Title: opt(f.Title),
		Publisher: opt(f.Publisher), Excerpt: opt(f.Excerpt), Fetch: f.Fetch}
}

func readCitationForm(ec echo.Context, prefix string) citationForm {
	return citationForm{URL: ec.FormValue(prefix + "url"), Relation: ec.FormValue(prefix + "relation"),
		Title: ec.FormValue(prefix + "title"), Publisher: ec.FormValue(prefix + "publisher"),
		Excerpt: ec.FormValue(prefix + "excerpt"), Fetch: ec.FormValue(prefix+"fetch") != ""}
}

type quotePage struct {
	base
	Q            *db.Quote
	Citations    []*db.Citation
	Appearances  []*db.Appearance
	Verdicts     []*db.Verdict
	Similar      []db.SimilarQuote
	History      []*db.AuditEntry
	ClaimReview  string
	Claim        *db.Claim
	Mine         bool
	Attributions []option
	Ratings      []option
	Relations    []option
	Form         verdictForm
	Cite         citationForm
	// Conflict is set when a verdict was refused because the quote changed after the
	// form was opened: what changed since, newest first.
	Conflict []*db.AuditEntry
}

func (c *Console) loadQuote(ec echo.Context, id string) (*quotePage, error) {
	ctx := ec.Request().Context()
	q, err := c.db.Quote(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &quotePage{Q: q, Attributions: options(db.Attributions, attributionLabels, attributionMeanings),
		Ratings:   options(db.Ratings, ratingLabels, ratingMeanings),
		Relations: options(db.Relations, relationLabels, nil),
		Form: verdictForm{Version: q.Version, OpenedAt: time.Now().UTC().Format(time.RFC3339Nano), Attribution: q.Attribution,
			Rating: deref(q.Rating)},
		Cite: citationForm{Relation: "primary", Fetch: true}}
	p.Form.New.Relation = "primary"
	p.Title = "Quote"
	p.Nav = "queue"
	cites, err := c.db.ListCitations(ctx, id, 100, nil)
	if err != nil {
		return nil, err
	}
	p.Citations = cites.Data
	apps, err := c.db.ListAppearances(ctx, id, 100, nil)
	if err != nil {
		return nil, err
	}
	p.Appearances = apps.Data
	verdicts, err := c.db.ListVerdicts(ctx, id, 100, nil)
	if err != nil {
		return nil, err
	}
	p.Verdicts = verdicts.Data
	if p.Similar, err = c.db.Similar(ctx, id, 5); err != nil {
		return nil, err
	}
	history, err := c.db.QuoteHistory(ctx, id, 50, nil)
	if err != nil {
		return nil, err
	}
	p.History = history.Data
	claims, err := c.db.Claims(ctx, []*db.Quote{q})
	if err != nil {
		return nil, err
	}
	if p.Claim = claims[q.ID]; p.Claim != nil {
		p.Mine = p.Claim.KeyID == sessionOf(ec).Key.ID
	}
	if q.CurrentVerdict != nil {
		r, err := c.db.Review(ctx, id)
		if err != nil {
			return nil, err
		}
		b, err := json.MarshalIndent(claimreview.Build(r, c.opt.Publisher), "", "  ")
		if err != nil {
			return nil, err
		}
		p.ClaimReview = string(b)
	}
	return p, nil
}

func (c *Console) quote(ec echo.Context) error {
	p, err := c.loadQuote(ec, ec.Param("id"))
	if err != nil {
		return err
	}
	return c.render(ec, http.StatusOK, "quote", p)
}

func (c *Console) verdict(ec echo.Context) error {
	ctx := ec.Request().Context()
	id := ec.Param("id")
	form := verdictForm{OpenedAt: ec.FormValue("opened_at"), Attribution: ec.FormValue("attribution"),
		Rating: ec.FormValue("rating"), Summary: ec.FormValue("summary"), New: readCitationForm(ec, "new_")}
	if fv, err := ec.FormParams(); err == nil {
		form.CitationIDs = fv["citation_ids"]
	}
	version, verr := strconv.ParseInt(ec.FormValue("version"), 10, 64)
	in := db.VerdictInput{Attribution: form.Attribution, Rating: formValue(ec, "rating"), Summary: strings.TrimSpace(form.Summary),
		CitationIDs: form.CitationIDs}
	var cites []db.CitationInput
	if strings.TrimSpace(form.New.URL) != "" {
		cites = append(cites, form.New.input())
	}
	var err error
	if verr != nil {
		err = &db.Error{Code: db.Malformed, Field: "version", Message: "the form lost the quote's version; reload the page"}
	} else {
		_, err = c.db.AppendVerdictCiting(ctx, id, []int64{version}, cites, in)
	}
	if err == nil {
		return seeOther(ec, Prefix+"/quotes/"+url.PathEscape(id), "verdict")
	}
	// What was typed is kept. On a conflict the form moves to the current version —
	// sending it again is then a decision taken with the colleague's change in view.
	return c.quoteAgain(ec, id, err, func(p *quotePage) {
		form.Version = version
		if db.ErrorCode(err) == db.PreconditionFailed {
			form.Version = p.Q.Version
			opened, _ := time.Parse(time.RFC3339Nano, form.OpenedAt)
			for _, h := range p.History {
				if h.At.After(opened) {
					p.Conflict = append(p.Conflict, h)
				}
			}
			p.Error = "Someone changed this quote after you opened it. Review what changed below; your verdict has not been saved."
		}
		form.OpenedAt = p.Form.OpenedAt
		p.Form = form
	})
}

func (c *Console) citation(ec echo.Context) error {
	id := ec.Param("id")
	form := readCitationForm(ec, "")
	_, err := c.db.CreateCitation(ec.Request().Context(), id, form.input())
	if err == nil {
		return seeOther(ec, Prefix+"/quotes/"+url.PathEscape(id)+"#citations", "citation")
	}
	return c.quoteAgain(ec, id, err, func(p *quotePage) { p.Cite = form })
}

// quoteAgain shows a quote's page again after the core refused one of its forms: with
// the refusal said, and keep putting back what was typed. Refusals that are not the
// form's (nothing there, not allowed, a failure) are the whole page's.
func (c *Console) quoteAgain(ec echo.Context, id string, err error, keep func(*quotePage)) error {
	if !onPage(err) {
		return err
	}
	p, lerr := c.loadQuote(ec, id)
	if lerr != nil {
		return lerr
	}
	if db.ErrorCode(err) != db.PreconditionFailed {
		p.fail(err)
	}
	keep(p)
	return c.render(ec, formStatus(err), "quote", p)
}
