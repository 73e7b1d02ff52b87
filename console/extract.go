package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/extract"
)

// maxArticle is the longest article the extraction form takes, as the API's /v1/extract.
const maxArticle = 200_000

type article struct {
	Text, URL, PublishedOn, OutletName, Lang string
}

// candidateRow is a proposed quote as the reviewer sees and corrects it.
type candidateRow struct {
	Save                                           bool
	Text, Speaker, Role, SaidOn, Precision, Outlet string
	Context, Setting                               string
	Start, End                                     int
	Confidence                                     float64
	Anonymous                                      bool
}

type extractPage struct {
	base
	Article    article
	Candidates []candidateRow
	Proposed   bool
	Threshold  float64
}

func readArticle(ec echo.Context) article {
	return article{Text: ec.FormValue("text"), URL: strings.TrimSpace(ec.FormValue("url")),
		PublishedOn: strings.TrimSpace(ec.FormValue("published_on")), OutletName: strings.TrimSpace(ec.FormValue("outlet_name")),
		Lang: strings.TrimSpace(ec.FormValue("lang"))}
}

func (c *Console) extractForm(ec echo.Context) error {
	p := &extractPage{Threshold: extract.Threshold}
	p.Title = "Extract quotes"
	return c.render(ec, http.StatusOK, "extract", p)
}

// extract proposes the article's quotes; nothing is stored until they are confirmed.
func (c *Console) extract(ec echo.Context) error {
	// Extraction itself stores nothing, so no core write refuses it: the console asks
	// what the API's /v1/extract route asks, the edit permission.
	if s := sessionOf(ec); !s.Actor().Can(db.PermEdit) {
		return &db.Error{Code: db.Forbidden, Message: "the " + s.Key.Role + " role may not extract quotes; it needs the edit permission"}
	}
	p := &extractPage{Article: readArticle(ec), Threshold: extract.Threshold}
	p.Title = "Extract quotes"
	opt := extract.Options{}
	switch {
	case strings.TrimSpace(p.Article.Text) == "":
		p.fail(&db.Error{Code: db.Invalid, Field: "text", Message: "paste the article's text"})
	case len(p.Article.Text) > maxArticle:
		p.fail(&db.Error{Code: db.Invalid, Field: "text", Message: fmt.Sprintf("at most %d bytes", maxArticle)})
	case p.Article.PublishedOn != "":
		t, err := time.Parse("2006-01-02", p.Article.PublishedOn)
		if err != nil {
			p.fail(&db.Error{Code: db.Malformed, Field: "published_on", Message: "must be a date: YYYY-MM-DD"})
		}
		opt.PublishedOn = t
	}
	if p.Error != "" {
		return c.render(ec, http.StatusUnprocessableEntity, "extract", p)
	}
	for _, cd := range extract.Extract(p.Article.Text, opt) {
		outlet := cd.OutletName
		if outlet == "" {
			outlet = p.Article.OutletName
		}
		p.Candidates = append(p.Candidates, candidateRow{Save: cd.Confidence >= extract.Threshold && cd.SpeakerName != "",
			Text: cd.Text, Speaker: cd.SpeakerName, Role: cd.SpeakerRole, SaidOn: cd.SaidOn, Precision: cd.DatePrecision,
			Outlet: outlet, Context: cd.Context, Setting: cd.Setting, Start: cd.Start, End: cd.End,
			Confidence: cd.Confidence, Anonymous: cd.Anonymous})
	}
	p.Proposed = true
	return c.render(ec, http.StatusOK, "extract", p)
}

// confirmExtracted stores the rows the reviewer kept, as corrected, in one transaction.
func (c *Console) confirmExtracted(ec echo.Context) error {
	p := &extractPage{Article: readArticle(ec), Proposed: true, Threshold: extract.Threshold}
	p.Title = "Extract quotes"
	n, _ := strconv.Atoi(ec.FormValue("count"))
	n = min(max(n, 0), 1000)
	opt := func(s string) *string {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		return &s
	}
	var items []db.ExtractedQuote
	var rows []int // the row of each item
	for i := range n {
		f := func(name string) string { return ec.FormValue(fmt.Sprintf("c%d.%s", i, name)) }
		row := candidateRow{Save: f("save") != "", Text: f("text"), Speaker: f("speaker"), Role: f("role"), SaidOn: f("said_on"),
			Precision: f("precision"), Outlet: f("outlet"), Context: f("context"), Setting: f("setting")}
		row.Start, _ = strconv.Atoi(f("start"))
		row.End, _ = strconv.Atoi(f("end"))
		row.Confidence, _ = strconv.ParseFloat(f("confidence"), 64)
		p.Candidates = append(p.Candidates, row)
		if !row.Save {
			continue
		}
		q := db.QuoteInput{Text: row.Text, SpeakerName: opt(row.Speaker), SpeakerRole: opt(row.Role), SaidOn: opt(row.SaidOn),
			DatePrecision: opt(row.Precision), OutletName: opt(row.Outlet), Context: opt(row.Context), Setting: opt(row.Setting),
			Lang: opt(p.Article.Lang), SourceURL: opt(p.Article.URL)}
		items = append(items, db.ExtractedQuote{Quote: q, ArticleURL: opt(p.Article.URL),
			Extraction: db.Extraction{Version: extract.Version, Start: row.Start, End: row.End, Confidence: row.Confidence}})
		rows = append(rows, i)
	}
	if len(items) == 0 {
		p.fail(&db.Error{Code: db.Invalid, Field: "save", Message: "tick at least one quote to save"})
		return c.render(ec, http.StatusUnprocessableEntity, "extract", p)
	}
	if _, err := c.db.CreateExtracted(ec.Request().Context(), items); err != nil {
		if !onPage(err) {
			return err
		}
		code := db.ErrorCode(err)
		// The core names the item as data[i]; the reviewer knows it by its row.
		if de, ok := err.(*db.Error); ok {
			var i int
			var rest string
			if k, _ := fmt.Sscanf(de.Field, "data[%d].%s", &i, &rest); k >= 1 && i < len(rows) {
				de.Field = fmt.Sprintf("c%d.%s", rows[i], rest)
				de.Message = fmt.Sprintf("quote %d: %s", rows[i]+1, de.Message)
			}
		}
		p.fail(err)
		return c.render(ec, statusOf(code), "extract", p)
	}
	return seeOther(ec, Prefix+"/queue", "extracted")
}
