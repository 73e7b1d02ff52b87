package db

import (
	"context"
	"fmt"
)

// Record is a quote as exported: the response shape, plus the speaker and outlet in full
// and the whole verdict history (oldest first) and citations, so that an import of it
// rebuilds the same archive.
type Record struct {
	*Quote
	SpeakerDetail *Speaker    `json:"speaker_detail"`
	OutletDetail  *Outlet     `json:"outlet_detail" extensions:"x-nullable"`
	Verdicts      []*Verdict  `json:"verdicts"`
	Citations     []*Citation `json:"citations"`
	// Appearances are the quote's chain of re-reports, in its order.
	Appearances []*Appearance `json:"appearances"`
} //@name ExportRecord

// exportPage is how many quotes one read transaction of an export takes: large enough to
// batch the lookups, small enough that memory stays flat and writers are not held back.
const exportPage = 500

// Export streams every quote matching f (its limit and cursor aside) to fn, in f's order,
// a page at a time: memory stays flat whatever the archive's size. It holds one of the
// slots of Options.MaxSearches while it runs (Busy when none frees in time). Malformed,
// as for ListQuotes, and whatever fn returns.
//
// Every match, whatever the order: a relevance ranking without filters ranks the newest
// matches of the rank window (Options.RankWindow), and an export goes on past them with
// the older matches, newest first.
func (d *DB) Export(ctx context.Context, f QuoteFilter, fn func(*Record) error) error {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return err
	}
	leave, err := d.admission.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	f.Facets, f.Cursor = nil, nil
	var floor, below int64 // the rank window's lowest key; past it, the matches it did not rank
	for {
		page, err := d.listQuotes(ctx, f, exportPage, below)
		if err != nil {
			return err
		}
		if below == 0 && page.floor > 0 {
			floor = page.floor
		}
		var records []*Record
		err = d.readHeavy(ctx, func(tx Tx) error {
			var err error
			records, err = completeRecords(ctx, tx, page.Data)
			return err
		})
		if err != nil {
			return err
		}
		for _, r := range records {
			if err := fn(r); err != nil {
				return err
			}
		}
		switch {
		case page.NextCursor != nil:
			f.Cursor = page.NextCursor
		case floor > 0 && below == 0:
			// The ranking ended at its window: the rest of the matches follow.
			f.Cursor, f.Sort, below = nil, "-created_at", floor
		default:
			return nil
		}
	}
}

// completeRecords loads the speakers, outlets, verdict histories and citations of a page
// of quotes, each kind in one query per page.
func completeRecords(ctx context.Context, tx Tx, quotes []*Quote) ([]*Record, error) {
	if len(quotes) == 0 {
		return nil, nil
	}
	speakers, err := tx.Speakers(ctx, speakerIDs(quotes))
	if err != nil {
		return nil, fmt.Errorf("db: export speakers: %w", err)
	}
	var outletIDs []string
	for _, q := range quotes {
		if q.Outlet != nil {
			outletIDs = append(outletIDs, q.Outlet.ID)
		}
	}
	outlets, err := tx.Outlets(ctx, outletIDs)
	if err != nil {
		return nil, fmt.Errorf("db: export outlets: %w", err)
	}
	seqs := quoteSeqs(quotes)
	verdicts, err := tx.VerdictHistories(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("db: export verdicts: %w", err)
	}
	citations, err := tx.CitationsOf(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("db: export citations: %w", err)
	}
	appearances, err := tx.AppearancesOf(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("db: export appearances: %w", err)
	}
	records := make([]*Record, len(quotes))
	for i, q := range quotes {
		q.Snippet = nil
		r := &Record{Quote: q, SpeakerDetail: speakers[q.Speaker.ID], Verdicts: verdicts[q.Seq], Citations: citations[q.Seq],
			Appearances: appearances[q.Seq]}
		withDrift(q.Text, r.Appearances...)
		if q.Outlet != nil {
			r.OutletDetail = outlets[q.Outlet.ID]
		}
		if r.SpeakerDetail == nil {
			return nil, fmt.Errorf("db: export: quote %s names speaker %s, which is gone", q.ID, q.Speaker.ID)
		}
		if r.Verdicts == nil {
			r.Verdicts = []*Verdict{}
		}
		if r.Citations == nil {
			r.Citations = []*Citation{}
		}
		if r.Appearances == nil {
			r.Appearances = []*Appearance{}
		}
		withExcerptCheck(q.Text, r.Citations...)
		records[i] = r
	}
	return records, nil
}
