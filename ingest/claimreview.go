package ingest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/verbatimhq/verbatim/db"
)

// claimReview is the part of a schema.org ClaimReview the import reads.
type claimReview struct {
	Type          any    `json:"@type"`
	URL           string `json:"url"`
	ClaimReviewed string `json:"claimReviewed"`
	DatePublished string `json:"datePublished"`
	Headline      string `json:"headline"`
	Author        struct {
		Name string `json:"name"`
	} `json:"author"`
	ItemReviewed struct {
		Author struct {
			Name     string `json:"name"`
			JobTitle string `json:"jobTitle"`
		} `json:"author"`
		DatePublished   string          `json:"datePublished"`
		Appearance      json.RawMessage `json:"appearance"`
		FirstAppearance json.RawMessage `json:"firstAppearance"`
	} `json:"itemReviewed"`
	ReviewRating struct {
		AlternateName string `json:"alternateName"`
	} `json:"reviewRating"`
}

// claimReview reads ClaimReview JSON-LD: one object per line, or a JSON array of them.
func (r *Reader) claimReview(in io.Reader) func() (*Record, error) {
	br := bufio.NewReader(in)
	var dec *json.Decoder
	array := false
	n := 0
	return func() (*Record, error) {
		if dec == nil {
			for {
				b, err := br.Peek(1)
				if err != nil {
					return nil, err
				}
				if b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t' || b[0] == 0xEF || b[0] == 0xBB || b[0] == 0xBF {
					_, _ = br.ReadByte()
					continue
				}
				array = b[0] == '['
				break
			}
			dec = json.NewDecoder(br)
			if array {
				if _, err := dec.Token(); err != nil {
					return nil, err
				}
			}
		}
		if array && !dec.More() {
			return nil, io.EOF
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("ClaimReview item %d: %w", n+1, err)
		}
		n++
		if bad := unreadable(raw); bad != nil {
			return bad(n), nil
		}
		var cr claimReview
		if err := json.Unmarshal(raw, &cr); err != nil {
			return lineError(n, "", "not a ClaimReview object: "+err.Error()), nil
		}
		return r.fromClaimReview(n, cr), nil
	}
}

func (r *Reader) fromClaimReview(n int, cr claimReview) *Record {
	if t, _ := cr.Type.(string); t != "ClaimReview" {
		return lineError(n, "@type", "is not ClaimReview")
	}
	text := strings.TrimSpace(cr.ClaimReviewed)
	if text == "" {
		return lineError(n, "claimReviewed", "the review names no claim (claimReviewed is empty); there are no words to record")
	}
	speaker := strings.TrimSpace(cr.ItemReviewed.Author.Name)
	if speaker == "" {
		speaker = "Unknown claimant"
	}
	rec := db.ImportRecord{Line: n, Quote: db.QuoteInput{Text: text, SpeakerName: &speaker}}
	if cr.URL != "" {
		// One review page can judge several claims: the key is the page and the claim.
		sum := sha256.Sum256([]byte(text))
		rec.ExternalID = cr.URL + "#" + hex.EncodeToString(sum[:8])
		rec.Citations = []db.CitationInput{{URL: cr.URL, Relation: "context", Title: nonEmpty(cr.Headline),
			Publisher: nonEmpty(cr.Author.Name), PublishedAt: day(cr.DatePublished)}}
	}
	if role := strings.TrimSpace(cr.ItemReviewed.Author.JobTitle); role != "" {
		rec.Quote.SpeakerRole = &role
	}
	rec.Quote.SaidOn = day(cr.ItemReviewed.DatePublished)
	// Where the claim appeared: recorded as the quote's appearances, with the claim's
	// words (a ClaimReview keeps no other), the first pinned.
	seen := map[string]bool{}
	first := works(cr.ItemReviewed.FirstAppearance)
	for _, w := range append(works(cr.ItemReviewed.Appearance), first...) {
		if w.URL == "" || seen[w.URL] || w.URL == cr.URL {
			continue
		}
		seen[w.URL] = true
		url := w.URL
		confirmed := "confirmed"
		rec.Appearances = append(rec.Appearances, db.AppearanceInput{Words: text, URL: &url, OutletName: nonEmpty(w.publisher()),
			PublishedOn: day(w.DatePublished), State: &confirmed})
	}
	if len(first) > 0 && first[0].URL != "" {
		rec.FirstAppearanceURL = &first[0].URL
	}
	rec.Via = "claimreview"
	if label := strings.TrimSpace(cr.ReviewRating.AlternateName); label != "" {
		v, bad := labelVerdict(label)
		if bad != "" {
			return lineError(n, "reviewRating.alternateName", bad)
		}
		if len(rec.Citations) > 0 {
			v.Summary = "Imported from " + cr.URL + ": " + label
		}
		rec.Verdicts = []db.ImportVerdict{v}
	}
	return &Record{ImportRecord: rec}
}

func nonEmpty(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

// day keeps the date of an ISO 8601 date or date-time.
func day(s string) *string {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return nil
	}
	d := s[:10]
	return &d
}

// creativeWork is an appearance of a claim: a URL, or a CreativeWork with one.
type creativeWork struct {
	URL           string `json:"url"`
	DatePublished string `json:"datePublished"`
	Publisher     struct {
		Name string `json:"name"`
	} `json:"publisher"`
	Author struct {
		Name string `json:"name"`
	} `json:"author"`
}

func (w creativeWork) publisher() string {
	if w.Publisher.Name != "" {
		return w.Publisher.Name
	}
	return w.Author.Name
}

// works reads appearance or firstAppearance: one or many, each a URL or a CreativeWork.
// What is neither is left out.
func works(raw json.RawMessage) []creativeWork {
	if len(raw) == 0 {
		return nil
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) != nil {
		many = []json.RawMessage{raw}
	}
	var out []creativeWork
	for _, m := range many {
		var url string
		if json.Unmarshal(m, &url) == nil {
			out = append(out, creativeWork{URL: url})
			continue
		}
		var w creativeWork
		if json.Unmarshal(m, &w) == nil {
			out = append(out, w)
		}
	}
	return out
}
