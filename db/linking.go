package db

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// recordQuote is how every way in records words — POST /v1/quotes, the console,
// extraction with save, the HTTP and command-line import: the words are matched against
// the archive's quotes before a new one is made (LinkPolicy.judge). A confident match
// becomes a confirmed appearance of the stored quote, which is returned with the link; an
// uncertain one stores a new quote with a suggested link on the stored one for a
// fact-checker; no match, or in.Separate, stores a new quote. via says which way the
// words came (an appearance's via); externalID and x as for insertQuote.
//
// It also returns, best first, the stored quotes the words are at least DuplicateMin
// similar to (a new quote's possible duplicates), from the same look-up: recording words
// looks the archive up once.
func (d *DB) recordQuote(ctx context.Context, tx Tx, in QuoteInput, externalID *string, x *Extraction, via string) (*Quote, *Link, []scored, error) {
	q, err := d.newQuote(ctx, tx, in, x)
	if err != nil {
		return nil, nil, nil, err
	}
	var m *linkMatch
	var near []scored
	if !in.Separate {
		ms, err := d.linkCandidates(ctx, tx, q.Text, q.Speaker.ID, 0)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, c := range ms {
			if c.jaccard >= DuplicateMin {
				near = append(near, scored{c.seq, c.jaccard})
			}
		}
		slices.SortFunc(near, func(a, b scored) int {
			return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.seq, a.seq))
		})
		m = best(ms)
		if in.suggestOnly {
			m.onlySuggest()
		}
	}
	if m != nil && m.confirmed {
		target, err := linkTarget(ctx, tx, m)
		if err != nil {
			return nil, nil, nil, err
		}
		a, err := d.insertAppearance(ctx, tx, target, d.appearanceOf(q, x, via, m, "confirmed", nil, externalID))
		if err != nil {
			return nil, nil, nil, err
		}
		return target, &Link{Outcome: "appearance", Appearance: a, Reason: m.reasonText}, nil, nil
	}
	if err := d.storeQuote(ctx, tx, q, externalID); err != nil {
		return nil, nil, nil, err
	}
	if m == nil {
		return q, nil, near, nil
	}
	target, err := linkTarget(ctx, tx, m)
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := d.insertAppearance(ctx, tx, target, d.appearanceOf(q, x, via, m, "suggested", &q.ID, nil))
	if err != nil {
		return nil, nil, nil, err
	}
	return q, &Link{Outcome: "suggested", Appearance: a, Reason: m.reasonText}, near, nil
}

// onlySuggest makes a confident match of words that bring verdicts, citations or
// appearances of their own a suggestion: such a record is never folded into another
// quote unasked.
func (m *linkMatch) onlySuggest() {
	if m != nil && m.confirmed {
		m.confirmed, m.suggested = false, true
		m.reasonText += "; the record brings verdicts, citations or appearances of its own, so a fact-checker decides"
	}
}

// appearanceOf is the appearance recorded words make of the quote they matched: the
// record's URL, outlet and date are where and when they were printed.
func (d *DB) appearanceOf(q *Quote, x *Extraction, via string, m *linkMatch, state string, linked, externalID *string) AppearanceInput {
	in := AppearanceInput{Words: q.Text, URL: q.SourceURL, PublishedOn: q.SaidOn, DatePrecision: q.DatePrecision,
		State: &state, via: via, match: m.matchKind, score: &m.score, linked: linked, externalID: externalID}
	if q.Outlet != nil {
		in.OutletID = &q.Outlet.ID
	}
	if x != nil {
		in.Start, in.End = &x.Start, &x.End
	}
	return in
}

// linkTarget reads the quote words were linked to. It is not locked: an appearance only
// adds to it (its summary is refreshed at the end of the write, in key order) — locking
// it let two import batches linking to the same quotes deadlock. One merged or deleted
// since the look-up makes the write run again, which links afresh.
func linkTarget(ctx context.Context, tx Tx, m *linkMatch) (*Quote, error) {
	q, err := findQuote(ctx, tx, m.id, false)
	var e *Error
	if errors.As(err, &e) && (e.Code == Moved || e.Code == NotFound) {
		return nil, fmt.Errorf("db: link to %s: %w", m.id, ErrRetry)
	}
	return q, err
}

// quoteMerge is what folding a quote into another moved, kept with the merge so that an
// admin can undo it.
type quoteMerge struct {
	Quote      *Quote  `json:"quote"`
	ExternalID *string `json:"external_id,omitempty"`
	// Citations, Verdicts and Appearances are the IDs of what moved to the survivor;
	// Dropped the citations the survivor already had (by URL), removed.
	Citations   []string    `json:"citations"`
	Verdicts    []string    `json:"verdicts"`
	Appearances []string    `json:"appearances"`
	Dropped     []*Citation `json:"dropped"`
	// VerdictSeq and SurvivorVerdictSeq are the two quotes' current verdicts before.
	VerdictSeq         *int64 `json:"verdict_seq,omitempty"`
	SurvivorVerdictSeq *int64 `json:"survivor_verdict_seq,omitempty"`
	// Link is the appearance the merge confirmed.
	Link string `json:"link"`
	// MergeVerdict is the verdict the merge appended to say which of two verdicts the
	// merged quote keeps: public record, which no undo takes back.
	MergeVerdict string `json:"merge_verdict,omitempty"`
}

// mergeQuote folds the quote a confirmed link names (link.LinkedQuoteID) into into: its
// citations, verdicts, tags and appearances move, its words become the link's, and its
// ID answers from then on with a redirect to into. When both carry verdicts, in says
// whose current verdict the survivor keeps, or the merge is refused; both histories are
// kept. link is the appearance as the confirmation leaves it, filled in here.
func (d *DB) mergeQuote(ctx context.Context, tx Tx, into *Quote, link *Appearance, in AppearanceReview) error {
	from, err := findQuote(ctx, tx, *link.LinkedQuoteID, true)
	var e *Error
	if errors.As(err, &e) && e.Code == Moved {
		return errorf(Conflict, "", fmt.Sprintf("the linked quote %s was merged into %s already", e.From, e.To))
	} else if errors.As(err, &e) && e.Code == NotFound {
		return errorf(Conflict, "", fmt.Sprintf("the linked quote %s was deleted: reject this link, or record the words as an appearance", *link.LinkedQuoteID))
	} else if err != nil {
		return err
	}
	if from.ID == into.ID {
		return errorf(Invalid, "", "a quote cannot be merged into itself")
	}
	keepLinked := from.VerdictSeq != nil && into.VerdictSeq == nil
	both := from.VerdictSeq != nil && into.VerdictSeq != nil
	if both {
		if in.KeepVerdict == nil {
			return errorf(Conflict, "keep_verdict", fmt.Sprintf("both quotes carry verdicts (%s is %s, %s is %s): "+
				"say whose current verdict the merged quote keeps, keep_verdict \"quote\" or \"linked\"; both histories are kept",
				into.ID, into.Attribution, from.ID, from.Attribution))
		}
		keepLinked = *in.KeepVerdict == "linked"
	} else if in.KeepVerdict != nil {
		return errorf(Invalid, "keep_verdict", "only two quotes that both carry verdicts need a choice")
	}
	claims, err := tx.ClaimsOf(ctx, []int64{from.Seq})
	if err != nil {
		return fmt.Errorf("db: read claims: %w", err)
	}
	if c := claims[from.Seq]; c != nil && c.ExpiresAt.After(d.now()) {
		return errorf(Conflict, "", fmt.Sprintf("%s holds a claim on %s, at work on it: confirm when they are done", c.Name, from.ID))
	}
	snap := quoteMerge{Quote: from, VerdictSeq: from.VerdictSeq, SurvivorVerdictSeq: into.VerdictSeq, Link: link.ID}
	if snap.ExternalID, err = tx.QuoteExternalID(ctx, from.Seq); err != nil {
		return fmt.Errorf("db: read the quote's import key: %w", err)
	}
	cits, err := tx.CitationsOf(ctx, []int64{from.Seq, into.Seq})
	if err != nil {
		return fmt.Errorf("db: read citations: %w", err)
	}
	cited := map[string]bool{}
	for _, c := range cits[into.Seq] {
		cited[URLKey(c.URL)] = true
	}
	for _, c := range cits[from.Seq] {
		if !cited[URLKey(c.URL)] {
			snap.Citations = append(snap.Citations, c.ID)
			continue
		}
		resting, err := tx.VerdictsResting(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("db: verdicts citing: %w", err)
		}
		if len(resting) > 0 {
			return errorf(Conflict, "", fmt.Sprintf("both quotes cite %s, and verdict %s rests on the linked quote's citation of it: "+
				"the merge would leave a verdict citing a source twice", c.URL, resting[0]))
		}
		if err := tx.DeleteCitation(ctx, c); err != nil {
			return writeError("citation", err)
		}
		snap.Dropped = append(snap.Dropped, c)
	}
	if snap.Verdicts, err = tx.VerdictIDsOf(ctx, from.Seq); err != nil {
		return fmt.Errorf("db: read verdicts: %w", err)
	}
	apps, err := tx.AppearancesOf(ctx, []int64{from.Seq})
	if err != nil {
		return fmt.Errorf("db: read appearances: %w", err)
	}
	for _, a := range apps[from.Seq] {
		snap.Appearances = append(snap.Appearances, a.ID)
	}
	for table, ids := range map[string][]string{"citations": snap.Citations, "verdicts": snap.Verdicts, "appearances": snap.Appearances} {
		if err := tx.MoveRows(ctx, table, ids, into.Seq); err != nil {
			return fmt.Errorf("db: move %s: %w", table, err)
		}
	}
	next := *into
	next.Tags = normalizeTags(slices.Concat(into.Tags, from.Tags))
	if keepLinked && !both {
		next.VerdictSeq, next.Attribution, next.Rating = from.VerdictSeq, from.Attribution, from.Rating
	}
	next.Version, next.UpdatedAt = into.Version+1, d.now()
	// The words and where they were printed are the link's now.
	link.Words = from.Text
	if link.URL == nil {
		link.URL = from.SourceURL
	}
	if link.Outlet == nil {
		link.Outlet = from.Outlet
	}
	if link.PublishedOn == nil {
		link.PublishedOn, link.DatePrecision = from.SaidOn, from.DatePrecision
	}
	if link.ExternalID == nil {
		link.ExternalID = snap.ExternalID
	}
	if err := tx.DeleteQuote(ctx, from, bands(from.Text)); err != nil {
		return writeError("quote", err)
	}
	if err := tx.UpdateQuote(ctx, into, &next, nil); err != nil {
		return writeError("quote", err)
	}
	if both {
		// Both histories are kept, whole; a verdict appended now says which one the
		// merged quote stands by, so that the newest verdict is the current one.
		chosen, chosenQuote := into.VerdictSeq, into.ID
		if keepLinked {
			chosen, chosenQuote = from.VerdictSeq, from.ID
		}
		vs, err := tx.VerdictsBySeq(ctx, []int64{*chosen})
		if err != nil {
			return fmt.Errorf("db: read the chosen verdict: %w", err)
		}
		cv := vs[*chosen]
		v, err := d.appendVerdict(ctx, tx, into.ID, nil, VerdictInput{Attribution: cv.Attribution, Rating: cv.Rating,
			CitationIDs: cv.CitationIDs, Summary: fmt.Sprintf("Merged by %s: a confirmed link made one quote of %s and %s, "+
				"and this keeps the verdict %s gave %s. Both verdict histories are kept.", actorOf(ctx).Name, into.ID, from.ID,
				cv.ID, chosenQuote)})
		if err != nil {
			return err
		}
		snap.MergeVerdict, next.Version = v.ID, v.QuoteVersion()
	}
	merged, _ := json.Marshal(snap)
	before, _ := json.Marshal(into)
	reason := ""
	if link.Note != nil {
		reason = *link.Note
	}
	m := &Merge{ID: newID("mrg_", next.UpdatedAt), Kind: "quote", From: from.ID, Into: into.ID, Reason: reason, Merged: merged,
		SurvivorBefore: before, SurvivorVersion: next.Version, MovedQuotes: 1, MergedBy: actorOf(ctx).Name, MergedAt: next.UpdatedAt}
	if err := tx.InsertMerge(ctx, m); err != nil {
		return fmt.Errorf("db: record the merge: %w", err)
	}
	c := newChange("merge", "quote", from.ID, from.ID, from, map[string]any{"merged_into": into.ID, "merge": m.ID})
	c.into = into.ID
	return d.record(ctx, tx, c, newChange("update", "quote", into.ID, into.ID, into, &next))
}

// undoQuoteMerge restores a quote a confirmed link folded away: the quote under its own
// ID, what moved back to it, the survivor as it was and the link suggested again — while
// the survivor and the link are as the merge left them.
func (d *DB) undoQuoteMerge(ctx context.Context, tx Tx, m *Merge) error {
	var snap quoteMerge
	var before Quote
	if err := errors.Join(json.Unmarshal(m.Merged, &snap), json.Unmarshal(m.SurvivorBefore, &before)); err != nil || snap.Quote == nil {
		return fmt.Errorf("db: read a merge's records: %w", err)
	}
	if snap.MergeVerdict != "" {
		return errorf(Conflict, "", fmt.Sprintf("the merge gave verdict %s, which the public history keeps: "+
			"a merge of two checked quotes cannot be undone; append a verdict, or record the quotes again", snap.MergeVerdict))
	}
	survivor, err := findQuote(ctx, tx, m.Into, true)
	if err := survivorAsLeft(m, (*mergedQuote)(survivor), err); err != nil {
		return err
	}
	link, err := tx.Appearance(ctx, survivor.Seq, snap.Link, true)
	if err != nil {
		return errorf(Conflict, "", "the link the merge confirmed changed since: undoing would lose that")
	}
	from := snap.Quote
	if from.Seq, err = tx.InsertQuote(ctx, from, snap.ExternalID, bands(from.Text)); err != nil {
		return writeError("quote", err)
	}
	for table, ids := range map[string][]string{"citations": snap.Citations, "verdicts": snap.Verdicts, "appearances": snap.Appearances} {
		if err := tx.MoveRows(ctx, table, ids, from.Seq); err != nil {
			return fmt.Errorf("db: move %s back: %w", table, err)
		}
	}
	for _, c := range snap.Dropped {
		if err := tx.InsertCitation(ctx, from.Seq, c); err != nil {
			return citationWriteError(err)
		}
	}
	if snap.VerdictSeq != nil {
		if err := tx.SetVerdict(ctx, from.Seq, *snap.VerdictSeq, from.Attribution, from.Rating, from.Version, from.Version, from.UpdatedAt); err != nil {
			return writeError("quote", err)
		}
	}
	restored := before
	restored.Seq, restored.VerdictSeq, restored.Version, restored.UpdatedAt = survivor.Seq, snap.SurvivorVerdictSeq, survivor.Version+1, d.now()
	if err := tx.UpdateQuote(ctx, survivor, &restored, nil); err != nil {
		return writeError("quote", err)
	}
	next := *link
	next.State, next.Note, next.ReviewedBy, next.ReviewedAt = "suggested", nil, nil, nil
	next.ExternalID = nil
	next.Version, next.UpdatedAt = link.Version+1, restored.UpdatedAt
	withDrift(survivor.Text, link, &next)
	if err := tx.UpdateAppearance(ctx, link, &next); err != nil {
		return writeError("appearance", err)
	}
	for _, seq := range []int64{survivor.Seq, from.Seq} {
		if err := tx.RefreshChain(ctx, seq); err != nil {
			return fmt.Errorf("db: refresh the quote's chain: %w", err)
		}
	}
	m.UndoneBy, m.UndoneAt = ptr(actorOf(ctx).Name), &restored.UpdatedAt
	if _, err := tx.UndoMerge(ctx, m); err != nil {
		return fmt.Errorf("db: undo merge: %w", err)
	}
	c := newChange("unmerge", "quote", from.ID, from.ID, map[string]any{"merged_into": m.Into, "merge": m.ID}, from)
	c.into = m.Into
	return d.record(ctx, tx, c, newChange("update", "quote", survivor.ID, survivor.ID, survivor, &restored),
		newChange("update", "appearance", link.ID, survivor.ID, link, &next))
}

// mergedQuote is a quote as an undo checks its survivor.
type mergedQuote Quote

func (q *mergedQuote) version() int64 { return q.Version }
