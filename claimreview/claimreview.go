// Package claimreview maps a reviewed quote onto schema.org ClaimReview, the JSON-LD
// that search engines and fact-check aggregators read.
package claimreview

import (
	"strings"

	"github.com/verbatimhq/verbatim/db"
)

// ClaimReview is a schema.org ClaimReview.
type ClaimReview struct {
	Context       string       `json:"@context" example:"https://schema.org"`
	Type          string       `json:"@type" example:"ClaimReview"`
	URL           string       `json:"url" example:"https://factcheck.example.org/quotes/q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	ClaimReviewed string       `json:"claimReviewed" example:"NATO isn’t on the table"`
	DatePublished string       `json:"datePublished" example:"2025-04-22"`
	Author        Organization `json:"author"`
	ItemReviewed  Claim        `json:"itemReviewed"`
	ReviewRating  Rating       `json:"reviewRating"`
	ReviewBody    string       `json:"reviewBody,omitempty" example:"Kellogg said this on Fox News; it states a policy position."`
	InLanguage    string       `json:"inLanguage,omitempty" example:"en"`
} //@name ClaimReview

// Organization is who publishes the review, or who published an appearance.
type Organization struct {
	Type string `json:"@type" example:"Organization"`
	Name string `json:"name" example:"Verbatim Fact Check"`
	URL  string `json:"url,omitempty" example:"https://factcheck.example.org"`
} //@name ClaimReviewOrganization

// Claim is what was reviewed: the speaker's words, when they were said and where they
// appeared.
type Claim struct {
	Type            string         `json:"@type" example:"Claim"`
	Author          Person         `json:"author"`
	DatePublished   string         `json:"datePublished,omitempty" example:"2025-04-20"`
	Appearance      []CreativeWork `json:"appearance,omitempty"`
	FirstAppearance *CreativeWork  `json:"firstAppearance,omitempty"`
} //@name ClaimReviewClaim

// Person is the speaker, with the role they held when they spoke.
type Person struct {
	Type     string `json:"@type" example:"Person"`
	Name     string `json:"name" example:"Keith Kellogg"`
	JobTitle string `json:"jobTitle,omitempty" example:"US Special Envoy to Ukraine"`
	SameAs   string `json:"sameAs,omitempty" example:"https://www.wikidata.org/wiki/Q6385264"`
} //@name ClaimReviewPerson

// CreativeWork is a place the claim appeared: a citation of the quote.
type CreativeWork struct {
	Type          string        `json:"@type" example:"CreativeWork"`
	URL           string        `json:"url" example:"https://www.foxnews.com/video/kellogg-interview"`
	Headline      string        `json:"headline,omitempty"`
	DatePublished string        `json:"datePublished,omitempty" example:"2025-04-20"`
	Publisher     *Organization `json:"publisher,omitempty"`
} //@name ClaimReviewCreativeWork

// Rating is the verdict: a value on the five-point scale where there is one, and always
// a name.
type Rating struct {
	Type          string `json:"@type" example:"Rating"`
	RatingValue   int    `json:"ratingValue,omitempty" example:"2"`
	BestRating    int    `json:"bestRating,omitempty" example:"5"`
	WorstRating   int    `json:"worstRating,omitempty" example:"1"`
	AlternateName string `json:"alternateName" example:"Mostly false"`
} //@name ClaimReviewRating

// Publisher says who publishes the reviews and where a quote's public page is.
type Publisher struct {
	Name string // the organisation's name
	URL  string // its home page; may be empty
	// QuoteURL is the public page of a quote, with {id} standing for the quote's ID.
	QuoteURL string
}

// fivePoint places the truth ratings on ClaimReview's 1..5 scale.
var fivePoint = map[string]int{"true": 5, "mostly_true": 4, "half_true": 3, "mostly_false": 2, "false": 1}

// ratingNames and attributionNames are the alternateName of each outcome.
var (
	ratingNames = map[string]string{"true": "True", "mostly_true": "Mostly true", "half_true": "Half true",
		"mostly_false": "Mostly false", "false": "False", "unproven": "Unproven", "not_checkable": "Not checkable"}
	attributionNames = map[string]string{"unverified": "Unverified", "verified": "Verified quote",
		"paraphrased": "Paraphrased", "out_of_context": "Out of context", "disputed": "Disputed attribution",
		"misattributed": "Misattributed"}
)

// attributionFirst are the attribution outcomes that decide the review on their own:
// when the words are not the speaker's, or not in this sense, rating their truth would
// mislead.
var attributionFirst = map[string]bool{"misattributed": true, "out_of_context": true, "disputed": true}

// Build maps a review onto ClaimReview. r.Quote must carry its current verdict.
func Build(r *db.Review, pub Publisher) ClaimReview {
	q, v := r.Quote, r.Quote.CurrentVerdict
	cr := ClaimReview{
		Context:       "https://schema.org",
		Type:          "ClaimReview",
		URL:           strings.ReplaceAll(pub.QuoteURL, "{id}", q.ID),
		ClaimReviewed: q.Text,
		DatePublished: v.CreatedAt.UTC().Format("2006-01-02"),
		Author:        Organization{Type: "Organization", Name: pub.Name, URL: pub.URL},
		ItemReviewed: Claim{
			Type:          "Claim",
			Author:        person(r.Speaker, q.SpeakerPosition),
			DatePublished: dateSaid(q),
		},
		ReviewRating: rating(v),
		ReviewBody:   v.Summary,
	}
	if q.Lang != nil {
		cr.InLanguage = *q.Lang
	}
	cr.ItemReviewed.Appearance, cr.ItemReviewed.FirstAppearance = appearances(r.Citations)
	chain(&cr.ItemReviewed, r)
	return cr
}

// chain adds the quote's confirmed appearances (those with a URL) to where the claim
// appeared. The first appearance is the one a fact-checker pinned; else the earliest
// dated of the citations and the appearances.
func chain(c *Claim, r *db.Review) {
	seen := map[string]bool{}
	for _, w := range c.Appearance {
		seen[w.URL] = true
	}
	var pinned *CreativeWork
	for _, a := range r.Appearances {
		if a.URL == nil || seen[*a.URL] {
			continue
		}
		seen[*a.URL] = true
		w := CreativeWork{Type: "CreativeWork", URL: *a.URL}
		if a.PublishedOn != nil {
			w.DatePublished = *a.PublishedOn
		}
		if a.Outlet != nil {
			w.Publisher = &Organization{Type: "Organization", Name: a.Outlet.Name}
		}
		c.Appearance = append(c.Appearance, w)
		if p := r.Quote.FirstAppearancePin; p != nil && p.AppearanceID == a.ID {
			pinned = &w
		}
		if f := c.FirstAppearance; f == nil || w.DatePublished != "" && (f.DatePublished == "" || w.DatePublished < f.DatePublished) {
			fw := w
			c.FirstAppearance = &fw
		}
	}
	if pinned != nil {
		c.FirstAppearance = pinned
	}
}

func person(s *db.Speaker, role *string) Person {
	p := Person{Type: "Person", Name: s.Name}
	if role != nil {
		p.JobTitle = *role
	}
	if s.WikidataQID != nil {
		p.SameAs = "https://www.wikidata.org/wiki/" + *s.WikidataQID
	}
	return p
}

// dateSaid writes the date said to its precision: ISO 8601 allows 2025-04 and 2025.
func dateSaid(q *db.Quote) string {
	if q.SaidOn == nil {
		return ""
	}
	d := *q.SaidOn
	if q.DatePrecision != nil {
		switch *q.DatePrecision {
		case "month":
			return d[:7]
		case "year":
			return d[:4]
		}
	}
	return d
}

func rating(v *db.Verdict) Rating {
	r := Rating{Type: "Rating"}
	switch {
	case attributionFirst[v.Attribution]:
		r.AlternateName = attributionNames[v.Attribution]
	case v.Rating != nil && fivePoint[*v.Rating] > 0:
		r.RatingValue, r.BestRating, r.WorstRating = fivePoint[*v.Rating], 5, 1
		r.AlternateName = ratingNames[*v.Rating]
	case v.Rating != nil:
		r.AlternateName = ratingNames[*v.Rating]
	default:
		r.AlternateName = attributionNames[v.Attribution]
	}
	return r
}

// appearances lists where the claim appeared — the primary sources and the reports of
// it — and picks the first: the earliest dated, a primary source winning a tie or when
// none is dated.
func appearances(cs []*db.Citation) ([]CreativeWork, *CreativeWork) {
	var works []CreativeWork
	first := -1
	var firstCitation *db.Citation
	for _, c := range cs {
		if c.Relation != "primary" && c.Relation != "report" {
			continue
		}
		w := CreativeWork{Type: "CreativeWork", URL: c.URL}
		if c.Title != nil {
			w.Headline = *c.Title
		}
		if c.PublishedAt != nil {
			w.DatePublished = *c.PublishedAt
		}
		if c.Publisher != nil {
			w.Publisher = &Organization{Type: "Organization", Name: *c.Publisher}
		}
		works = append(works, w)
		if firstCitation == nil || earlier(c, firstCitation) {
			first, firstCitation = len(works)-1, c
		}
	}
	if first < 0 {
		return nil, nil
	}
	fw := works[first]
	return works, &fw
}

// earlier reports whether citation a appeared before b.
func earlier(a, b *db.Citation) bool {
	switch {
	case a.PublishedAt != nil && b.PublishedAt == nil:
		return true
	case a.PublishedAt == nil && b.PublishedAt != nil:
		return false
	case a.PublishedAt != nil && *a.PublishedAt != *b.PublishedAt:
		return *a.PublishedAt < *b.PublishedAt
	}
	return a.Relation == "primary" && b.Relation != "primary"
}
