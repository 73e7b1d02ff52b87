package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/extract"
)

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
	// The language the extractor read the article in, and whether it was detected.
	Lang           string
	LangDetected   bool
	LangConfidence float64
}

func readArticle(ec echo.Context) article {
	return article{Text: ec.FormValue("text"), URL: strings.TrimSpace(ec.FormValue("url")),
		PublishedOn: strings.TrimSpace(ec.FormValue("published_on")), OutletName: strings.TrimSpace(ec.FormValue("outlet_name")),
		Lang: strings.TrimSpace(ec.FormValue("lang"))}
}

// core is the article as the core takes it.
func (a article) core() db.Article {
	return db.Article{Text: a.Text, URL: optional(a.URL), PublishedOn: optional(a.PublishedOn),
		OutletName: optional(a.OutletName), Lang: optional(a.Lang)}
}

// optional is a trimmed form value, nil when empty: the core's optional fields.
func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

func (c *Console) extractForm(ec echo.Context) error {
	p := &extractPage{Threshold: extract.Threshold}
	p.Title = "Extract quotes"
	return c.render(ec, http.StatusOK, "extract", p)
}

// extract proposes the article's quotes; nothing is stored until they are confirmed.
func (c *Console) extract(ec echo.Context) error {
	p := &extractPage{Article: readArticle(ec), Threshold: extract.Threshold}
	p.Title = "Extract quotes"
	read, err := c.db.Propose(ec.Request().Context(), p.Article.core())
	if err != nil {
		if !onPage(err) {
			return err
		}
		p.fail(err)
		return c.render(ec, formStatus(err), "extract", p)
	}
	p.Lang, p.LangDetected, p.LangConfidence = read.Lang, read.LangDetected, read.LangConfidence
	for _, cd := range read.Candidates {
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
	opt := optional
	var picks []db.Pick
	var rows []int // the row of each pick
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
		// The span names the candidate; the core reads its extraction from the article
		// again, so the confidence shown on the form is never what is stored.
		picks = append(picks, db.Pick{Start: row.Start, End: row.End, Quote: q})
		rows = append(rows, i)
	}
	if len(picks) == 0 {
		p.fail(&db.Error{Code: db.Invalid, Field: "save", Message: "tick at least one quote to save"})
		return c.render(ec, http.StatusUnprocessableEntity, "extract", p)
	}
	if _, err := c.db.SaveExtracted(ec.Request().Context(), p.Article.core(), picks); err != nil {
		if !onPage(err) {
			return err
		}
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
		return c.render(ec, formStatus(err), "extract", p)
	}
	return seeOther(ec, Prefix+"/queue", "extracted")
}
