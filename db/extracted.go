package db

import (
	"context"
	"fmt"
)

// Extraction records how the extractor found a quote.
type Extraction struct {
	Version    string  `json:"version" example:"rules-1"`
	Start      int     `json:"start" example:"1594"`
	End        int     `json:"end" example:"1617"`
	Confidence float64 `json:"confidence" example:"0.9"`
} //@name Extraction

// ExtractedQuote is a candidate to store: the quote, how it was found, and the article
// it came from (a report citation, when the article has a URL).
type ExtractedQuote struct {
	Quote      QuoteInput
	Extraction Extraction
	ArticleURL *string
}

// CreateExtracted stores extracted quotes as unverified quotes, each with its extraction
// and the article as a report citation, all in one transaction: one that cannot be stored
// stores none (its error's field is prefixed with its index).
func (d *DB) CreateExtracted(ctx context.Context, items []ExtractedQuote) ([]string, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(items))
	err := d.write(ctx, func(tx Tx) error {
		ids = ids[:0]
		for i, it := range items {
			x := it.Extraction
			q, err := d.insertQuote(ctx, tx, it.Quote, nil, &x)
			if err != nil {
				return prefixField(err, fmt.Sprintf("data[%d]", i))
			}
			if it.ArticleURL != nil {
				excerpt := it.Quote.Text
				if _, err := d.insertCitation(ctx, tx, q, CitationInput{URL: *it.ArticleURL, Relation: "report", Excerpt: &excerpt}); err != nil {
					return prefixField(err, fmt.Sprintf("data[%d]", i))
				}
			}
			ids = append(ids, q.ID)
		}
		return nil
	})
	return ids, err
}
