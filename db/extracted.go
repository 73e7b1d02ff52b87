package db

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/verbatimhq/verbatim/extract"
)

// Extraction records how the extractor found a quote. The server owns it: it is what the
// extractor said of the article, never what a client says the extractor said.
type Extraction struct {
	Version    string  `json:"version" example:"lr-bc89e76f"`
	Start      int     `json:"start" example:"1594"`
	End        int     `json:"end" example:"1617"`
	Confidence float64 `json:"confidence" example:"0.9"`
} //@name Extraction

// Article is a text to find quotes in, with what its reader knows of it.
type Article struct {
	Text        string  `json:"text" validate:"required,notblank,max=200000" example:"\"NATO isn’t on the table,” said US Special Envoy to Ukraine Keith Kellogg in an interview with Fox News on April 20"`
	URL         *string `json:"url,omitempty" format:"uri" validate:"omitempty,web_url,max=2048" example:"https://example.com/witkoff-london-talks"`
	PublishedOn *string `json:"published_on,omitempty" format:"date" example:"2025-04-21"`
	OutletName  *string `json:"outlet_name,omitempty" validate:"omitempty,notblank,max=200" example:"Kyiv Post"`
	Lang        *string `json:"lang,omitempty" validate:"omitempty,lang" example:"en"`
}

// options are the extractor's options for the article: Malformed (published_on).
func (a *Article) options() (extract.Options, error) {
	if err := validateInput(a); err != nil {
		return extract.Options{}, err
	}
	var opt extract.Options
	if a.Lang != nil {
		opt.Lang = *a.Lang
	}
	if a.PublishedOn != nil {
		t, err := time.Parse("2006-01-02", *a.PublishedOn)
		if err != nil {
			return opt, errorf(Malformed, "published_on", "must be a date: YYYY-MM-DD")
		}
		opt.PublishedOn = t
	}
	return opt, nil
}

// Propose finds the quotes in an article for a person to confirm, in the article's
// language (given, or detected); it stores nothing, but it is an editor's work (the edit
// permission). Invalid, Malformed (the article).
func (d *DB) Propose(ctx context.Context, a Article) (extract.Result, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return extract.Result{}, err
	}
	return ReadArticle(a)
}

// ReadArticle is what the extractor reads in an article, needing no archive: the command
// line's extract without --save. Invalid, Malformed (the article).
func ReadArticle(a Article) (extract.Result, error) {
	opt, err := a.options()
	if err != nil {
		return extract.Result{}, err
	}
	return extract.Read(a.Text, opt), nil
}

// ExtractArticle reads an article's quotes and, with save, stores those the extractor is
// confident of — at or above its operating point, with a speaker — as SaveExtracted
// does, in one transaction, from the same one reading of the article. It answers the reading and, for each candidate, the ID of
// the quote stored from it ("" when none). The API and the command line both extract
// through it, so what "save" stores is decided here alone.
func (d *DB) ExtractArticle(ctx context.Context, a Article, save bool) (extract.Result, []string, error) {
	res, err := d.Propose(ctx, a)
	if err != nil {
		return res, nil, err
	}
	ids := make([]string, len(res.Candidates))
	if !save {
		return res, ids, nil
	}
	var picks []Pick
	var saved []int // the candidates picked
	for i, cd := range res.Candidates {
		if cd.Confidence >= extract.Threshold && cd.SpeakerName != "" {
			picks = append(picks, PickOf(cd, a))
			saved = append(saved, i)
		}
	}
	if len(picks) == 0 {
		return res, ids, nil
	}
	stored, err := d.saveExtracted(ctx, a, res, picks)
	if err != nil {
		return res, nil, err
	}
	for i, idx := range saved {
		ids[idx] = stored[i]
	}
	return res, ids, nil
}

// Pick is a quote the extractor proposed that a person keeps: named by where it stands in
// the article (the candidate's start and end), with the quote as they corrected it.
type Pick struct {
	Start, End int
	Quote      QuoteInput
}

// PickOf is the pick of a candidate as the extractor proposed it, the article's outlet,
// language and URL standing in where the candidate names none.
func PickOf(cd extract.Candidate, a Article) Pick {
	opt := func(s string) *string {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		return &s
	}
	q := QuoteInput{Text: cd.Text, SpeakerName: opt(cd.SpeakerName), SpeakerRole: opt(cd.SpeakerRole),
		SaidOn: opt(cd.SaidOn), DatePrecision: opt(cd.DatePrecision), OutletName: opt(cd.OutletName),
		Context: opt(cd.Context), Setting: opt(cd.Setting), Lang: a.Lang, SourceURL: a.URL}
	if q.OutletName == nil {
		q.OutletName = a.OutletName
	}
	return Pick{Start: cd.Start, End: cd.End, Quote: q}
}

// SaveExtracted stores the picked quotes of an article as unverified quotes, each with its
// extraction and the article as a report citation, all in one transaction: one that
// cannot be stored stores none (its error's field is prefixed data[i]). The extraction
// each records is the extractor's own, read again from the article: a pick that names no
// span the extractor proposed is Invalid, so no client can record what the extractor
// never said.
func (d *DB) SaveExtracted(ctx context.Context, a Article, picks []Pick) ([]string, error) {
	res, err := d.Propose(ctx, a)
	if err != nil {
		return nil, err
	}
	return d.saveExtracted(ctx, a, res, picks)
}

// saveExtracted is SaveExtracted over the extractor's reading of the article, res.
func (d *DB) saveExtracted(ctx context.Context, a Article, res extract.Result, picks []Pick) ([]string, error) {
	type span struct{ start, end int }
	found := make(map[span]extract.Candidate, len(res.Candidates))
	for _, cd := range res.Candidates {
		found[span{cd.Start, cd.End}] = cd
	}
	xs := make([]Extraction, len(picks))
	for i, p := range picks {
		cd, ok := found[span{p.Start, p.End}]
		if !ok {
			return nil, errorf(Invalid, fmt.Sprintf("data[%d].start", i), fmt.Sprintf(
				"the extractor proposed no quote at characters %d–%d of this article (it has %d)", p.Start, p.End, utf8.RuneCountInString(a.Text)))
		}
		xs[i] = Extraction{Version: extract.Version, Start: cd.Start, End: cd.End, Confidence: cd.Confidence}
	}
	// The language the extractor read the article in is each quote's, unless the article
	// or the reviewer said otherwise.
	var lang *string
	if res.Lang != "und" {
		lang = &res.Lang
	}
	ids := make([]string, 0, len(picks))
	err := d.write(ctx, func(tx Tx) error {
		ids = ids[:0]
		for i, p := range picks {
			if p.Quote.Lang == nil {
				p.Quote.Lang = lang
			}
			q, link, _, err := d.recordQuote(ctx, tx, p.Quote, nil, &xs[i], "extraction")
			if err != nil {
				return prefixField(err, fmt.Sprintf("data[%d]", i))
			}
			// Words the archive held already are an appearance of the stored quote, which
			// records the article's URL itself; a new quote cites the article.
			if a.URL != nil && (link == nil || link.Outcome != "appearance") {
				excerpt := p.Quote.Text
				if _, err := d.insertCitation(ctx, tx, q, CitationInput{URL: *a.URL, Relation: "report", Excerpt: &excerpt}); err != nil {
					return prefixField(err, fmt.Sprintf("data[%d]", i))
				}
			}
			ids = append(ids, q.ID)
		}
		return nil
	})
	return ids, err
}
