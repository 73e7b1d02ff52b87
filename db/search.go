package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/search"
)

// QuoteFilter selects quotes; nil fields do not filter.
type QuoteFilter struct {
	Q           *string // full-text query in the search package's language
	SpeakerID   *string
	Speaker     *string // a speaker's name or alias, or part of one
	OutletID    *string
	SaidFrom    *string // YYYY-MM-DD, inclusive
	SaidTo      *string // YYYY-MM-DD, inclusive
	Tag         *string
	Lang        *string
	Attribution *string
	Rating      *string
	// AppearedIn keeps quotes with a confirmed appearance in this outlet; Drifted those
	// whose words drifted (minor or altered) in some confirmed appearance, or none when
	// false; MinAppearances those with at least this many confirmed appearances.
	AppearedIn     *string
	Drifted        *bool
	MinAppearances *int
	// AwaitingReview keeps the quotes the review queue holds: unverified (never reviewed,
	// newly extracted) or disputed.
	AwaitingReview bool
	RecordedBefore *time.Time // only quotes recorded before this time: the queue's age
	Sort           string     // one of QuoteSorts; "" is relevance with Q, else -said_on
	Facets         []string   // of Facets: counts over the whole result to return with the page
	Limit          int
	Cursor         *string
}

// Filtered reports whether f narrows the quotes by anything but the words of a query.
func (f *QuoteFilter) Filtered() bool {
	return f.SpeakerID != nil || f.Speaker != nil || f.OutletID != nil || f.SaidFrom != nil || f.SaidTo != nil ||
		f.Tag != nil || f.Lang != nil || f.Attribution != nil || f.Rating != nil ||
		f.AppearedIn != nil || f.Drifted != nil || f.MinAppearances != nil ||
		f.AwaitingReview || f.RecordedBefore != nil
}

// QuotePage is one page of a quote list, with the facet counts asked for.
type QuotePage struct {
	Data       []*Quote
	NextCursor *string
	Facets     map[string][]FacetCount
	// floor is the rank window's lowest key when a relevance ranking had one (see
	// Search.RankWindow): matches below it were not ranked.
	floor int64
}

// FacetCount is how many quotes of the whole result share a value.
type FacetCount struct {
	Value string  `json:"value" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Label *string `json:"label,omitempty" example:"Keith Kellogg"`
	Count int64   `json:"count" example:"42"`
} //@name FacetCount

// snippetWords is how many words of a quote a search hit's snippet shows at most.
const snippetWords = 40

// The rank window bounds the work of an unfiltered relevance search: when more quotes
// than the window contain every word of the query (a query of common words over a large
// archive), relevance ranks the matches among the most recently recorded that many of
// them; a date sort or an export still finds every match. Each engine sizes its default
// to what scoring a match costs it (Engine.RankWindow); Options.RankWindow and
// `serve --rank-window` choose another.
//
// The window counts quotes with the words rather than exact matches because finding the
// exact matches of a phrase of common words means checking word positions in every quote
// that has the words — for "the in" at a million quotes that check alone was 70 ms in
// SQLite, paid again by the ranking.

// dateBound reads a said_from or said_to bound: a day, or a month or a year standing for
// its first day (from) or its last (to) — a real date, which every engine compares.
// Malformed.
func dateBound(v *string, field string, end bool) (*string, error) {
	if v == nil {
		return nil, nil
	}
	date, prec, err := NormalizeDate(*v, nil)
	if err != nil {
		return nil, errorf(Malformed, field, err.Error())
	}
	if end && prec != "day" {
		t, _ := time.Parse("2006-01-02", date) // NormalizeDate made it
		if prec == "month" {
			t = t.AddDate(0, 1, -1)
		} else {
			t = t.AddDate(1, 0, -1)
		}
		date = t.Format("2006-01-02")
	}
	return &date, nil
}

// ListQuotes searches and filters quotes. Malformed (q, sort, cursor, facets, the
// enumerated filters).
//
// The costly ones — words, facet counts, a speaker's name — take one of the slots of
// Options.MaxSearches (Busy when none frees in time) and have Options.SearchTimeout at
// most, whichever way they come in: past it the search is interrupted, Timeout. Exports,
// which page through ListQuotes' work, take a slot for their whole run and no timeout.
func (d *DB) ListQuotes(ctx context.Context, f QuoteFilter) (QuotePage, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return QuotePage{}, err
	}
	if f.costly() {
		leave, err := d.admission.enter(ctx)
		if err != nil {
			return QuotePage{}, err
		}
		defer leave()
		if d.searchTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d.searchTimeout)
			defer cancel()
		}
	}
	page, err := d.listQuotes(ctx, f, clampLimit(f.Limit), 0)
	return page, searchError(ctx, err)
}

// listQuotes is ListQuotes with the page size given: exports take larger pages than
// clients may ask for.
func (d *DB) listQuotes(ctx context.Context, f QuoteFilter, limit int, below int64) (QuotePage, error) {
	var err error
	if f.SaidFrom, err = dateBound(f.SaidFrom, "said_from", false); err != nil {
		return QuotePage{}, err
	}
	if f.SaidTo, err = dateBound(f.SaidTo, "said_to", true); err != nil {
		return QuotePage{}, err
	}
	s := &Search{Filter: f, Sort: f.Sort, RankWindow: d.rankWindow, Below: below}
	if f.Q != nil {
		if s.Query, err = search.Parse(*f.Q); err != nil {
			return QuotePage{}, errorf(Malformed, "q", strings.TrimPrefix(err.Error(), search.ErrQuery.Error()+": "))
		}
	}
	if s.Sort == "" {
		s.Sort = "-said_on"
		if s.Query != nil {
			s.Sort = "relevance"
		}
	}
	if err := f.check(); err != nil {
		return QuotePage{}, err
	}
	if s.Sort == "relevance" && s.Query == nil {
		return QuotePage{}, errorf(Malformed, "sort", "relevance needs a query (q)")
	}
	s.Filter.Tag = lowerPtr(f.Tag)
	// A merged speaker or outlet is its survivor: its quotes are there now.
	for _, id := range []**string{&s.Filter.SpeakerID, &s.Filter.OutletID} {
		if *id != nil {
			to, err := followRedirect(ctx, d.eng.Reads(), **id)
			if err != nil {
				return QuotePage{}, err
			}
			*id = &to
		}
	}
	if f.Speaker != nil {
		s.Filter.Speaker = ptr(fold.String(*f.Speaker))
	}
	if s.After, err = d.decodeCursor(f.Cursor, s.Sort); err != nil {
		return QuotePage{}, err
	}

	var out QuotePage
	err = d.readHeavy(ctx, func(tx Tx) error {
		hits, err := tx.SearchQuotes(ctx, s, limit)
		if err != nil {
			return fmt.Errorf("db: list quotes: %w", err)
		}
		p := page(d, hits, limit, func(h Hit) Cursor { return h.Pos })
		if len(hits) > 0 {
			out.floor = hits[0].Pos.Floor
		}
		seqs := make([]int64, len(p.Data))
		for i, h := range p.Data {
			seqs[i] = h.Seq
		}
		out.NextCursor = p.NextCursor
		if out.Data, err = tx.QuotesBySeq(ctx, seqs); err != nil {
			return fmt.Errorf("db: read quotes: %w", err)
		}
		if err := attachDerived(ctx, tx, out.Data); err != nil {
			return err
		}
		if len(f.Facets) > 0 {
			if out.Facets, err = tx.CountFacets(ctx, s, f.Facets); err != nil {
				return fmt.Errorf("db: count facets: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return QuotePage{}, err
	}
	// Snippets are pure Go, made after the read transaction has given its connection back.
	if s.Query != nil {
		for _, q := range out.Data {
			if err := ctx.Err(); err != nil {
				return QuotePage{}, err
			}
			q.Snippet = ptr(s.Query.Snippet(q.Text, snippetWords))
		}
	}
	return out, nil
}

// searchError says so when a search ran out of its time budget (the context's deadline):
// the database was interrupted, and the client should narrow the search.
func searchError(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Code: Timeout, Message: "the search took longer than its time budget; narrow it with filters or more words", err: err}
	}
	return err
}
