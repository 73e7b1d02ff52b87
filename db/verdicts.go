package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// AppendVerdict adds a verdict to a quote, superseding its current one, and moves the
// quote's attribution, rating and version with it — all in one transaction. ifMatch is
// checked against the quote's version, so a fact-checker working from a stale view cannot
// silently replace a colleague's newer verdict. NotFound, PreconditionFailed, Invalid
// (citation_ids that are not the quote's, or a verified attribution without a primary
// citation).
func (d *DB) AppendVerdict(ctx context.Context, quoteID string, ifMatch []int64, in VerdictInput) (*Verdict, error) {
	return d.AppendVerdictCiting(ctx, quoteID, ifMatch, nil, in)
}

// AppendVerdictCiting is AppendVerdict for a fact-checker who found new sources while
// writing the verdict: the citations are added to the quote and cited by the verdict, in
// its transaction — all of it is stored, or none. An error in a new citation names it as
// citations[i].field.
func (d *DB) AppendVerdictCiting(ctx context.Context, quoteID string, ifMatch []int64, cites []CitationInput, in VerdictInput) (*Verdict, error) {
	if err := authorize(ctx, PermVerdict, ""); err != nil {
		return nil, err
	}
	var v *Verdict
	err := d.write(ctx, func(tx Tx) error {
		in := in
		in.CitationIDs = slices.Clone(in.CitationIDs)
		if len(cites) > 0 {
			q, err := findQuote(ctx, tx, quoteID, true)
			if err != nil {
				return err
			}
			if err := checkVersion(q.Version, ifMatch); err != nil {
				return err
			}
			for i, c := range cites {
				id, err := d.insertCitation(ctx, tx, q, c)
				if err != nil {
					return prefixField(err, fmt.Sprintf("citations[%d]", i))
				}
				in.CitationIDs = append(in.CitationIDs, id)
			}
		}
		var err error
		v, err = d.appendVerdict(ctx, tx, quoteID, ifMatch, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	version := v.quoteVersion
	if v, err = d.Verdict(ctx, quoteID, v.ID); v != nil {
		v.quoteVersion = version
	}
	return v, err
}

// appendVerdict is AppendVerdict inside a transaction. The quote is read locked and
// moved on only from the version read: of two fact-checkers appending at once, the
// second supersedes the first's verdict (or, with the same If-Match, is refused), and
// never the same one.
func (d *DB) appendVerdict(ctx context.Context, tx Tx, quoteID string, ifMatch []int64, in VerdictInput) (*Verdict, error) {
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	q, err := findQuote(ctx, tx, quoteID, true)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(q.Version, ifMatch); err != nil {
		return nil, err
	}
	citations, err := checkVerdictCitations(ctx, tx, q.Seq, in)
	if err != nil {
		return nil, err
	}
	var current *string
	if q.VerdictSeq != nil {
		cur, err := tx.VerdictsBySeq(ctx, []int64{*q.VerdictSeq})
		if err != nil {
			return nil, fmt.Errorf("db: read current verdict: %w", err)
		}
		if v := cur[*q.VerdictSeq]; v != nil {
			current = &v.ID
		}
	}
	now := d.now()
	v := &Verdict{ID: newID("v_", now), QuoteID: quoteID, Attribution: in.Attribution, Rating: in.Rating, Summary: in.Summary,
		CitationIDs: citations, ReviewedBy: actorOf(ctx).Name, Supersedes: current, CreatedAt: now}
	if v.Seq, err = tx.InsertVerdict(ctx, q.Seq, v); err != nil {
		return nil, writeError("verdict", err)
	}
	if err := tx.SetVerdict(ctx, q.Seq, v.Seq, in.Attribution, in.Rating, q.Version, q.Version+1, now); err != nil {
		return nil, writeError("quote", err)
	}
	if err := endClaim(ctx, tx, q.Seq); err != nil {
		return nil, err
	}
	v.quoteVersion = q.Version + 1
	return v, d.record(ctx, tx, newChange("verdict", "verdict", v.ID, quoteID, nil, v))
}

// checkVerdictCitations returns the verdict's citation IDs, de-duplicated, after checking
// that each is a citation of the quote and that a verified attribution rests on a primary
// source.
func checkVerdictCitations(ctx context.Context, tx Tx, qseq int64, in VerdictInput) ([]string, error) {
	ids := []string{}
	seen := map[string]bool{}
	for _, cid := range in.CitationIDs {
		if !seen[cid] {
			seen[cid] = true
			ids = append(ids, cid)
		}
	}
	relations, err := tx.CitationRelations(ctx, qseq, ids)
	if err != nil {
		return nil, fmt.Errorf("db: check citations: %w", err)
	}
	primary := false
	for i, cid := range in.CitationIDs {
		rel, ok := relations[cid]
		if !ok {
			return nil, errorf(Invalid, fmt.Sprintf("citation_ids[%d]", i), "not a citation of this quote")
		}
		primary = primary || rel == "primary"
	}
	if in.Attribution == "verified" && !primary {
		return nil, errorf(Invalid, "citation_ids",
			"a verified attribution must rest on at least one primary citation (a recording, transcript or the speaker's own post); add one to the quote and cite it")
	}
	return ids, nil
}

// Verdict returns one verdict of a quote. NotFound.
func (d *DB) Verdict(ctx context.Context, quoteID, id string) (*Verdict, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	var v *Verdict
	err := d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		v, err = tx.Verdict(ctx, q.Seq, id)
		if errors.Is(err, ErrNoRow) {
			return errorf(NotFound, "", "this quote has no verdict with this ID")
		}
		if err != nil {
			return fmt.Errorf("db: read verdict: %w", err)
		}
		return nil
	})
	return v, err
}

// ListVerdicts returns a quote's verdict history, newest first. NotFound, Malformed.
func (d *DB) ListVerdicts(ctx context.Context, quoteID string, limit int, cursor *string) (Page[*Verdict], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Verdict]{}, err
	}
	limit = clampLimit(limit)
	c, err := d.decodeCursor(cursor, "verdicts")
	if err != nil {
		return Page[*Verdict]{}, err
	}
	var rows []*Verdict
	err = d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		if rows, err = tx.ListVerdicts(ctx, q.Seq, seqAfter(c), limit+1); err != nil {
			return fmt.Errorf("db: list verdicts: %w", err)
		}
		return nil
	})
	if err != nil {
		return Page[*Verdict]{}, err
	}
	return page(d, rows, limit, func(v *Verdict) Cursor { return Cursor{Sort: "verdicts", Seq: v.Seq} }), nil
}
