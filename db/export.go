package db

import (
	"context"
	"database/sql"
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
} //@name ExportRecord

// exportPage is how many quotes one read transaction of an export takes: large enough to
// batch the lookups, small enough that memory stays flat and writers are not held back.
const exportPage = 500

// Export streams every quote matching f (its limit and cursor aside) to fn, in f's order,
// a page at a time: memory stays flat whatever the archive's size. Malformed, as for
// ListQuotes, and whatever fn returns.
func (d *DB) Export(ctx context.Context, f QuoteFilter, fn func(*Record) error) error {
	f.Facets, f.Cursor = nil, nil
	for {
		page, err := d.listQuotes(ctx, f, exportPage)
		if err != nil {
			return err
		}
		var records []*Record
		err = d.read(ctx, func(tx *sql.Tx) error {
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
		if page.NextCursor == nil {
			return nil
		}
		f.Cursor = page.NextCursor
	}
}

// completeRecords loads the speakers, outlets, verdict histories and citations of a page
// of quotes, each kind in one query per page or per distinct speaker and outlet.
func completeRecords(ctx context.Context, tx *sql.Tx, quotes []*Quote) ([]*Record, error) {
	records := make([]*Record, len(quotes))
	byID := map[string]*Record{}
	speakers := map[string]*Speaker{}
	outlets := map[string]*Outlet{}
	args := make([]any, len(quotes))
	for i, q := range quotes {
		r := &Record{Quote: q, Verdicts: []*Verdict{}, Citations: []*Citation{}}
		q.Snippet = nil
		var err error
		if r.SpeakerDetail = speakers[q.Speaker.ID]; r.SpeakerDetail == nil {
			if r.SpeakerDetail, err = findSpeaker(ctx, tx, q.Speaker.ID); err != nil {
				return nil, err
			}
			speakers[q.Speaker.ID] = r.SpeakerDetail
		}
		if q.Outlet != nil {
			if r.OutletDetail = outlets[q.Outlet.ID]; r.OutletDetail == nil {
				if r.OutletDetail, err = findOutlet(ctx, tx, q.Outlet.ID); err != nil {
					return nil, err
				}
				outlets[q.Outlet.ID] = r.OutletDetail
			}
		}
		records[i], byID[q.ID], args[i] = r, r, q.ID
	}
	if len(quotes) == 0 {
		return records, nil
	}
	in := placeholders(len(args))
	rows, err := tx.QueryContext(ctx, `SELECT `+verdictColumns+verdictFrom+` WHERE q.id IN (`+in+`) ORDER BY v.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("db: export verdicts: %w", err)
	}
	verdicts := map[int64]*Verdict{}
	for rows.Next() {
		v, seq, err := scanVerdict(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("db: export verdicts: %w", err)
		}
		verdicts[seq] = v
		byID[v.QuoteID].Verdicts = append(byID[v.QuoteID].Verdicts, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: export verdicts: %w", err)
	}
	if err := loadVerdictCitations(ctx, tx, verdicts); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+citationColumns+citationFrom+` WHERE q.id IN (`+in+`) ORDER BY c.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("db: export citations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, _, err := scanCitation(rows)
		if err != nil {
			return nil, fmt.Errorf("db: export citations: %w", err)
		}
		byID[c.QuoteID].Citations = append(byID[c.QuoteID].Citations, c)
	}
	return records, rows.Err()
}
