package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SourceCheck is the newest retrieval of a citation's page by the server: when, what came
// back, its SHA-256, and whether the quote's words stand in its text — folded as the
// excerpt check folds — with where and around what. A refetch says whether the page
// changed since the fetch before it.
type SourceCheck struct {
	// State: pending (asked for, not yet fetched), fetched, or failed (Error says why).
	State       string     `json:"state" enums:"pending,fetched,failed" example:"fetched"`
	RequestedAt time.Time  `json:"requested_at" format:"date-time"`
	FetchedAt   *time.Time `json:"fetched_at" extensions:"x-nullable" format:"date-time"`
	// Status is the HTTP status the page was served with.
	Status      *int    `json:"status" extensions:"x-nullable" example:"200"`
	ContentType *string `json:"content_type" extensions:"x-nullable" example:"text/html; charset=utf-8"`
	Bytes       *int64  `json:"bytes" extensions:"x-nullable" example:"48213"`
	SHA256      *string `json:"sha256" extensions:"x-nullable" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`
	// Found says whether the quote's words stand in the page's text; FoundAt is where
	// (a character offset into that text) and Context the words around them.
	Found   *bool   `json:"found" extensions:"x-nullable" example:"true"`
	FoundAt *int    `json:"found_at" extensions:"x-nullable" example:"1532"`
	Context *string `json:"context" extensions:"x-nullable" example:"… Kellogg said: \"NATO isn't on the table,\" adding …"`
	// Changed says whether the page differs from the fetch before this one; null for the
	// first fetch.
	Changed *bool   `json:"changed" extensions:"x-nullable" example:"false"`
	Error   *string `json:"error" extensions:"x-nullable"`
} //@name SourceCheck

// FetchJob is a citation's page to fetch, as the fetcher claims it.
type FetchJob struct {
	Seq         int64
	CitationID  string
	QuoteID     string
	URL         string
	QuoteText   string
	RequestedAt time.Time
}

// FetchResult is what fetching a page found; the core works out Changed.
type FetchResult struct {
	State       string // fetched or failed
	FetchedAt   time.Time
	Status      *int
	ContentType *string
	Bytes       *int64
	SHA256      *string
	Found       *bool
	FoundAt     *int
	Context     *string
	Error       *string
}

// FetchSource asks for a citation's page to be fetched again: the citation's source check
// goes back to pending, and the fetcher retrieves it. NotFound.
func (d *DB) FetchSource(ctx context.Context, quoteID, id string) (*Citation, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	err := d.write(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, true)
		if err != nil {
			return err
		}
		c, err := findCitation(ctx, tx, q, id, false)
		if err != nil {
			return err
		}
		return d.requestFetch(ctx, tx, c)
	})
	if err != nil {
		return nil, err
	}
	return d.Citation(ctx, quoteID, id)
}

func (d *DB) requestFetch(ctx context.Context, tx Tx, c *Citation) error {
	if err := tx.InsertFetch(ctx, c.Seq, actorOf(ctx).Name, d.now()); err != nil {
		return fmt.Errorf("db: request a fetch: %w", err)
	}
	return nil
}

// ClaimFetches takes up to n pages to fetch, leased as ClaimDeliveries leases.
func (d *DB) ClaimFetches(ctx context.Context, n int, lease time.Duration) ([]*FetchJob, error) {
	if err := authorize(ctx, PermWork, ""); err != nil {
		return nil, err
	}
	var out []*FetchJob
	err := d.write(ctx, func(tx Tx) error {
		now := d.now()
		var err error
		out, err = tx.ClaimFetches(ctx, now, now.Add(lease), n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("db: claim fetches: %w", err)
	}
	return out, nil
}

// RecordFetch records what fetching a page found, and whether the page changed since the
// citation's fetch before it.
func (d *DB) RecordFetch(ctx context.Context, job *FetchJob, r FetchResult) error {
	if err := authorize(ctx, PermWork, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		var changed *bool
		if r.SHA256 != nil {
			prev, err := tx.PreviousFetchHash(ctx, job.Seq)
			if err != nil && !errors.Is(err, ErrNoRow) {
				return fmt.Errorf("db: previous fetch: %w", err)
			}
			if err == nil {
				changed = ptr(prev != *r.SHA256)
			}
		}
		if err := tx.RecordFetch(ctx, job.Seq, r, changed); err != nil {
			return fmt.Errorf("db: record fetch: %w", err)
		}
		return nil
	})
}
