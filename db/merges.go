package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Merge is one speaker or outlet folded into another of its kind. Every quote of the
// merged one moves to the survivor, its names become the survivor's aliases, and its ID
// answers from then on with a redirect to the survivor — never a 404, as Wikidata keeps a
// merged item's ID alive. The records as they were are kept, so that an admin can undo a
// merge while the survivor is as the merge left it.
type Merge struct {
	ID   string `json:"id" example:"mrg_01JS8X2W5Q7K3M9N4P6R8T0V41"`
	Kind string `json:"kind" enums:"speaker,outlet,quote" example:"speaker"`
	// From is the merged ID, which now redirects to Into, the survivor.
	From   string `json:"from" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V3A"`
	Into   string `json:"into" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Reason string `json:"reason" example:"Gen. Kellogg is Keith Kellogg"`
	// MovedQuotes is how many quotes the merge moved to the survivor.
	MovedQuotes int64 `json:"moved_quotes" example:"214"`
	// Merged is the merged record as it was; SurvivorBefore the survivor before the merge.
	Merged         json.RawMessage `json:"merged" swaggertype:"object"`
	SurvivorBefore json.RawMessage `json:"survivor_before" swaggertype:"object"`
	MergedBy       string          `json:"merged_by" example:"Anna Ivanova"`
	MergedAt       time.Time       `json:"merged_at" format:"date-time"`
	UndoneBy       *string         `json:"undone_by" extensions:"x-nullable"`
	UndoneAt       *time.Time      `json:"undone_at" extensions:"x-nullable" format:"date-time"`

	// SurvivorVersion is the survivor's version the merge left: an undo needs it still.
	SurvivorVersion int64 `json:"-"`
	// Repointed are the IDs merged earlier into From, whose redirects now go to Into.
	Repointed []string `json:"-"`
} //@name Merge

// MergeInput names the survivor of a merge.
type MergeInput struct {
	// Into is the speaker (or outlet) that survives and answers for the merged one.
	Into   string `json:"into" validate:"required,max=64" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Reason string `json:"reason,omitempty" validate:"max=2000" example:"Gen. Kellogg is Keith Kellogg"`

	// obsoleteQID drops the merged speaker's QID, which Wikidata redirected to the
	// survivor's (ApplyQIDRedirects): two QIDs then are no reason to refuse.
	obsoleteQID bool
} //@name MergeCreate

// MergeFilter selects merges: of one ID (merged or survivor) when ID is set.
type MergeFilter struct {
	ID     *string
	Limit  int
	Cursor *string
}

// idPrefix is the prefix of a kind's IDs.
var idPrefix = map[string]string{"speaker": "spk_", "outlet": "out_", "quote": "q_"}

// moved is the error for an ID merged into to: clients follow it (the API answers 308
// with the survivor's URL).
func moved(kind, from, to string) *Error {
	return &Error{Code: Moved, Message: fmt.Sprintf("this %s was merged into %s, which answers for it now", kind, to),
		From: from, To: to}
}

// redirected is the error for a missing ID: Moved when it was merged away, else NotFound
// with msg.
func redirected(ctx context.Context, tx Tx, kind, id, msg string) error {
	to, err := redirectOf(ctx, tx, id)
	if err != nil {
		return err
	}
	if to != "" {
		return moved(kind, id, to)
	}
	return errorf(NotFound, "", msg)
}

// redirectOf is the ID id was merged into, "" when it was not.
func redirectOf(ctx context.Context, tx Tx, id string) (string, error) {
	r, err := tx.Redirects(ctx, []string{id})
	if err != nil {
		return "", fmt.Errorf("db: read redirects: %w", err)
	}
	return r[id], nil
}

// followRedirect is id, or the ID it was merged into: how a quote filter or a write that
// names a merged speaker or outlet reaches the survivor.
func followRedirect(ctx context.Context, tx Tx, id string) (string, error) {
	to, err := redirectOf(ctx, tx, id)
	if err != nil || to == "" {
		return id, err
	}
	return to, nil
}

// followToRow follows id's redirect and reads the row it lands on (read). A merge that
// commits between the two (PostgreSQL reads what each statement finds committed) has
// removed the row and left its redirect, so a missing row is followed once more.
// ErrNoRow when there is none.
func followToRow(ctx context.Context, tx Tx, id string, read func(string) error) (string, error) {
	for attempt := 0; ; attempt++ {
		to, err := followRedirect(ctx, tx, id)
		if err != nil {
			return "", err
		}
		if err := read(to); !errors.Is(err, ErrNoRow) || attempt > 0 {
			return to, err
		}
	}
}

// MergeSpeaker folds the speaker id into in.Into: its quotes move to the survivor, its
// name and aliases become the survivor's aliases, its Wikidata QID the survivor's if the
// survivor has none, and webhook watches on it watch the survivor too; the ID answers with
// a redirect from then on. Refused: a merge into itself, into another kind or a merged
// ID, of two speakers with different QIDs (Wikidata holds them as two people), of a
// speaker whose quotes someone has claimed to check. NotFound, Moved (the speaker was
// merged already), PreconditionFailed (ifMatch), Conflict.
func (d *DB) MergeSpeaker(ctx context.Context, id string, ifMatch []int64, in MergeInput) (*Merge, error) {
	return d.merge(ctx, "speaker", id, ifMatch, in)
}

// MergeOutlet is MergeSpeaker for outlets.
func (d *DB) MergeOutlet(ctx context.Context, id string, ifMatch []int64, in MergeInput) (*Merge, error) {
	return d.merge(ctx, "outlet", id, ifMatch, in)
}

func (d *DB) merge(ctx context.Context, kind, id string, ifMatch []int64, in MergeInput) (*Merge, error) {
	if err := authorize(ctx, PermMerge, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	var m *Merge
	err := d.write(ctx, func(tx Tx) error {
		var err error
		m, err = d.mergeIn(ctx, tx, kind, id, ifMatch, in)
		return err
	})
	return m, err
}

// mergePlan is what a merge does: the two records, and the survivor as the merge leaves
// it.
type mergePlan struct {
	from, into, next mergeable
}

// planMerge reads the two records of a merge (locked when lock) and checks that the merge
// may run: the rules a merge keeps, in one place for the merge and its preview.
func (d *DB) planMerge(ctx context.Context, tx Tx, kind, id string, ifMatch []int64, in MergeInput, lock bool) (*mergePlan, error) {
	prefix := idPrefix[kind]
	switch {
	case !strings.HasPrefix(in.Into, prefix):
		return nil, errorf(Invalid, "into", fmt.Sprintf("must be a %s ID (%s…): a %s merges into a %s", kind, prefix, kind, kind))
	case in.Into == id:
		return nil, errorf(Invalid, "into", fmt.Sprintf("a %s cannot be merged into itself", kind))
	}
	// Both records are locked in one order, whatever the merge's direction: two merges
	// of the same pair at once, either way round, cannot deadlock.
	first, second := id, in.Into
	if second < first {
		first, second = second, first
	}
	recs := map[string]mergeable{}
	for _, x := range []string{first, second} {
		r, err := findMergeable(ctx, tx, kind, x, lock)
		if err != nil {
			var e *Error
			switch {
			case !errors.As(err, &e):
			case x == in.Into && e.Code == Moved:
				return nil, errorf(Conflict, "into", fmt.Sprintf("%s was merged into %s; merge into %s", in.Into, e.To, e.To))
			case x == in.Into && e.Code == NotFound:
				return nil, errorf(Invalid, "into", fmt.Sprintf("no %s has this ID", kind))
			case e.Code == Moved:
				// Merged meanwhile (two merges of it at once: this one lost), or before.
				return nil, errorf(Conflict, "", fmt.Sprintf("this %s was merged into %s already", kind, e.To))
			}
			return nil, err
		}
		recs[x] = r
	}
	p := &mergePlan{from: recs[id], into: recs[in.Into]}
	if err := checkVersion(p.from.version(), ifMatch); err != nil {
		return nil, err
	}
	n, err := tx.CountClaimedBy(ctx, kind, id, d.now())
	if err != nil {
		return nil, fmt.Errorf("db: count claims: %w", err)
	}
	if n > 0 {
		return nil, errorf(Conflict, "", fmt.Sprintf("fact-checkers hold claims on %d of this %s's quotes, at work on them: merge when they are done", n, kind))
	}
	if p.next, err = p.from.into(p.into, in); err != nil {
		return nil, err
	}
	return p, nil
}

// mergeIn runs a merge in tx.
func (d *DB) mergeIn(ctx context.Context, tx Tx, kind, id string, ifMatch []int64, in MergeInput) (*Merge, error) {
	p, err := d.planMerge(ctx, tx, kind, id, ifMatch, in, true)
	if err != nil {
		return nil, err
	}
	from, into, next := p.from, p.into, p.next
	now := d.now()
	mergedJSON, _ := json.Marshal(from.record())
	survivorJSON, _ := json.Marshal(into.record())
	m := &Merge{ID: newID("mrg_", now), Kind: kind, From: id, Into: in.Into, Reason: in.Reason, Merged: mergedJSON,
		SurvivorBefore: survivorJSON, SurvivorVersion: into.version() + 1, MergedBy: actorOf(ctx).Name, MergedAt: now}
	if err := tx.InsertMerge(ctx, m); err != nil {
		return nil, fmt.Errorf("db: record the merge: %w", err)
	}
	// The survivor takes its new names (and QID) first, so that the quotes moving to it
	// are indexed once, under them.
	if err := from.release(ctx, tx, now); err != nil {
		return nil, err
	}
	if err := next.store(ctx, tx, into, now); err != nil {
		return nil, err
	}
	if m.MovedQuotes, err = tx.MoveQuotes(ctx, kind, id, in.Into, m.ID); err != nil {
		return nil, fmt.Errorf("db: move quotes: %w", err)
	}
	if err := from.remove(ctx, tx); err != nil {
		return nil, err
	}
	watches, err := watchSurvivor(ctx, tx, kind, id, in.Into, now)
	if err != nil {
		return nil, err
	}
	c := newChange("merge", kind, id, "", from.record(), map[string]any{"merged_into": in.Into, "merge": m.ID})
	c.into = in.Into
	changes := append([]change{c, newChange("update", kind, in.Into, "", into.record(), next.record())}, watches...)
	return m, d.record(ctx, tx, changes...)
}

// watchSurvivor adds the survivor to every webhook endpoint's watches that name the
// merged ID (which they keep: an undo brings it back), so they keep firing for the
// speaker or outlet they meant.
func watchSurvivor(ctx context.Context, tx Tx, kind, from, into string, now time.Time) ([]change, error) {
	ws, err := tx.Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: read webhooks: %w", err)
	}
	var out []change
	for _, w := range ws {
		if list := w.Watches.of(kind); !slices.Contains(list, from) || slices.Contains(list, into) {
			continue
		}
		next := *w
		next.Watches = w.Watches.normalized()
		list := next.Watches.ofPtr(kind)
		*list = append(slices.Clone(*list), into)
		next.Version, next.UpdatedAt = w.Version+1, now
		if err := tx.UpdateWebhook(ctx, w, &next); err != nil {
			return nil, writeError("webhook", err)
		}
		out = append(out, newChange("update", "webhook", w.ID, "", w, &next))
	}
	return out, nil
}

// UndoMerge restores what a merge folded away, as it was: the merged record under its own
// ID, its quotes (those the merge moved and that still name the survivor), the survivor's
// names and QID as they were before, and the redirects. Only while the survivor is as the
// merge left it — an edit, a merge into it or of it since would be lost: Conflict. Admins
// only. NotFound, Conflict (undone already).
func (d *DB) UndoMerge(ctx context.Context, id string) (*Merge, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	var m *Merge
	err := d.write(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.Merge(ctx, id, true); errors.Is(err, ErrNoRow) {
			return errorf(NotFound, "", "no merge with this ID")
		} else if err != nil {
			return fmt.Errorf("db: read merge: %w", err)
		}
		if m.UndoneAt != nil {
			return errorf(Conflict, "", fmt.Sprintf("this merge was undone already, by %s", *m.UndoneBy))
		}
		if m.Kind == "quote" {
			return d.undoQuoteMerge(ctx, tx, m)
		}
		survivor, err := findMergeable(ctx, tx, m.Kind, m.Into, true)
		if err := survivorAsLeft(m, survivor, err); err != nil {
			return err
		}
		now := d.now()
		merged, before, err := unmarshalMergeable(m.Kind, m.Merged, m.SurvivorBefore)
		if err != nil {
			return err
		}
		// The survivor gives back the names and QID it took, first: the merged record
		// takes them again.
		if err := before.store(ctx, tx, survivor, now); err != nil {
			return err
		}
		if err := merged.restore(ctx, tx); err != nil {
			return err
		}
		m.UndoneBy, m.UndoneAt = ptr(actorOf(ctx).Name), &now
		if _, err := tx.UndoMerge(ctx, m); err != nil {
			return fmt.Errorf("db: undo merge: %w", err)
		}
		c := newChange("unmerge", m.Kind, m.From, "", map[string]any{"merged_into": m.Into, "merge": m.ID}, merged.record())
		c.into = m.Into
		return d.record(ctx, tx, c, newChange("update", m.Kind, m.Into, "", survivor.record(), before.record()))
	})
	return m, err
}

// survivorAsLeft is why a merge cannot be undone — its survivor (read with err) merged
// away since, or changed since — or nil.
func survivorAsLeft(m *Merge, survivor interface{ version() int64 }, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Code == Moved {
		return errorf(Conflict, "", fmt.Sprintf("the survivor %s was itself merged into %s since: undo that merge first", m.Into, e.To))
	}
	if err != nil {
		return err
	}
	if v := survivor.version(); v != m.SurvivorVersion {
		return errorf(Conflict, "", fmt.Sprintf("the survivor %s changed since the merge (version %d, then %d): undoing would lose that",
			m.Into, m.SurvivorVersion, v))
	}
	return nil
}

// MergePreview is what a merge would do, shown before it is done: the two records, the
// survivor as the merge would leave it, and what would move.
type MergePreview struct {
	Kind string
	// From and Into are the records (*Speaker or *Outlet); Survivor is Into as the merge
	// would leave it.
	From, Into, Survivor any
	// Quotes is how many quotes would move; Watches how many webhook endpoints watching
	// From would watch Into too.
	Quotes  int64
	Watches int
}

// PreviewMerge says what merging id into in.Into would do, refusing as the merge would:
// it is the merge's own plan, read and not written. Fact-checkers and admins.
func (d *DB) PreviewMerge(ctx context.Context, kind, id string, in MergeInput) (*MergePreview, error) {
	if err := authorize(ctx, PermMerge, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	var out *MergePreview
	err := d.read(ctx, func(tx Tx) error {
		p, err := d.planMerge(ctx, tx, kind, id, nil, in, false)
		if err != nil {
			return err
		}
		out = &MergePreview{Kind: kind, From: p.from.record(), Into: p.into.record(), Survivor: p.next.record()}
		if out.Quotes, err = tx.CountQuotesOf(ctx, kind, id); err != nil {
			return fmt.Errorf("db: count quotes: %w", err)
		}
		ws, err := tx.Webhooks(ctx)
		if err != nil {
			return fmt.Errorf("db: read webhooks: %w", err)
		}
		for _, w := range ws {
			if slices.Contains(w.Watches.of(kind), id) {
				out.Watches++
			}
		}
		return nil
	})
	return out, err
}

// Merge returns one merge. NotFound.
func (d *DB) Merge(ctx context.Context, id string) (*Merge, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	var m *Merge
	err := d.read(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.Merge(ctx, id, false); errors.Is(err, ErrNoRow) {
			return errorf(NotFound, "", "no merge with this ID")
		}
		return err
	})
	return m, err
}

// ListMerges lists merges, newest first.
func (d *DB) ListMerges(ctx context.Context, f MergeFilter) (Page[*Merge], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Merge]{}, err
	}
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "merges")
	if err != nil {
		return Page[*Merge]{}, err
	}
	var before, id string
	if c != nil {
		before = c.ID
	}
	if f.ID != nil {
		id = *f.ID
	}
	var rows []*Merge
	err = d.read(ctx, func(tx Tx) error {
		var err error
		rows, err = tx.ListMerges(ctx, id, before, limit+1)
		return err
	})
	if err != nil {
		return Page[*Merge]{}, fmt.Errorf("db: list merges: %w", err)
	}
	return page(d, rows, limit, func(m *Merge) Cursor { return Cursor{Sort: "merges", ID: m.ID} }), nil
}

// mergeable is a speaker or an outlet, as a merge handles it.
type mergeable interface {
	record() any
	version() int64
	// into is the survivor s with this one's names (and QID) taken in; Conflict when
	// they cannot be (two QIDs, unless in says the merged one's is obsolete).
	into(s mergeable, in MergeInput) (mergeable, error)
	// release lets go, before the merge, of what must be unique and the survivor takes.
	release(ctx context.Context, tx Tx, now time.Time) error
	// store writes this over cur, at cur's version plus one.
	store(ctx context.Context, tx Tx, cur mergeable, now time.Time) error
	// remove deletes the merged record.
	remove(ctx context.Context, tx Tx) error
	// restore inserts it again as it was.
	restore(ctx context.Context, tx Tx) error
}

func findMergeable(ctx context.Context, tx Tx, kind, id string, lock bool) (mergeable, error) {
	if kind == "outlet" {
		o, err := findOutlet(ctx, tx, id, lock)
		return (*mergedOutlet)(o), err
	}
	s, err := findSpeaker(ctx, tx, id, lock)
	return (*mergedSpeaker)(s), err
}

func unmarshalMergeable(kind string, merged, before []byte) (mergeable, mergeable, error) {
	if kind == "outlet" {
		var a, b Outlet
		if err := errors.Join(json.Unmarshal(merged, &a), json.Unmarshal(before, &b)); err != nil {
			return nil, nil, fmt.Errorf("db: read a merge's records: %w", err)
		}
		return (*mergedOutlet)(&a), (*mergedOutlet)(&b), nil
	}
	var a, b Speaker
	if err := errors.Join(json.Unmarshal(merged, &a), json.Unmarshal(before, &b)); err != nil {
		return nil, nil, fmt.Errorf("db: read a merge's records: %w", err)
	}
	return (*mergedSpeaker)(&a), (*mergedSpeaker)(&b), nil
}

type mergedSpeaker Speaker

func (s *mergedSpeaker) record() any    { return (*Speaker)(s) }
func (s *mergedSpeaker) version() int64 { return s.Version }

func (s *mergedSpeaker) into(survivor mergeable, in MergeInput) (mergeable, error) {
	next := *survivor.(*mergedSpeaker)
	if s.WikidataQID != nil && next.WikidataQID != nil && *s.WikidataQID != *next.WikidataQID && !in.obsoleteQID {
		return nil, errorf(Conflict, "into", fmt.Sprintf("both have Wikidata QIDs (%s, %s): Wikidata holds them as two people; "+
			"if Wikidata merged them, apply its redirects (qid-redirects), which merges them", *s.WikidataQID, *next.WikidataQID))
	}
	if next.WikidataQID == nil {
		next.WikidataQID = s.WikidataQID
	}
	next.Aliases = dedupeNames(next.Name, slices.Concat(next.Aliases, []string{s.Name}, s.Aliases))
	if next.Description == "" {
		next.Description = s.Description
	}
	next.Positions = slices.Clone(next.Positions)
	for _, p := range s.Positions {
		if !slices.ContainsFunc(next.Positions, func(q Position) bool { return samePosition(p, q) }) {
			next.Positions = append(next.Positions, p)
		}
	}
	return &next, nil
}

func (s *mergedSpeaker) release(ctx context.Context, tx Tx, now time.Time) error {
	if s.WikidataQID == nil {
		return nil
	}
	next := *s
	next.WikidataQID = nil
	if err := tx.UpdateSpeaker(ctx, (*Speaker)(s), (*Speaker)(&next)); err != nil {
		return speakerWriteError(err)
	}
	s.Version = next.Version // the row as it stands now, for remove
	return nil
}

func (s *mergedSpeaker) store(ctx context.Context, tx Tx, cur mergeable, now time.Time) error {
	c := cur.(*mergedSpeaker)
	next := *s
	next.ID, next.Version, next.UpdatedAt = c.ID, c.Version+1, now
	if err := tx.UpdateSpeaker(ctx, (*Speaker)(c), (*Speaker)(&next)); err != nil {
		return speakerWriteError(err)
	}
	*s = next
	return nil
}

func (s *mergedSpeaker) remove(ctx context.Context, tx Tx) error {
	if err := tx.DeleteSpeaker(ctx, s.ID); err != nil {
		return fmt.Errorf("db: remove the merged speaker: %w", err)
	}
	return nil
}

func (s *mergedSpeaker) restore(ctx context.Context, tx Tx) error {
	if err := tx.InsertSpeakers(ctx, (*Speaker)(s)); err != nil {
		return speakerWriteError(err)
	}
	return nil
}

type mergedOutlet Outlet

func (o *mergedOutlet) record() any    { return (*Outlet)(o) }
func (o *mergedOutlet) version() int64 { return o.Version }

func (o *mergedOutlet) into(survivor mergeable, _ MergeInput) (mergeable, error) {
	next := *survivor.(*mergedOutlet)
	next.Aliases = dedupeNames(next.Name, slices.Concat(next.Aliases, []string{o.Name}, o.Aliases))
	if next.URL == nil {
		next.URL = o.URL
	}
	if next.Country == nil {
		next.Country = o.Country
	}
	return &next, nil
}

// release frees the merged outlet's names, which are unique and become the survivor's.
func (o *mergedOutlet) release(ctx context.Context, tx Tx, now time.Time) error {
	if err := tx.ReleaseOutletNames(ctx, o.ID); err != nil {
		return fmt.Errorf("db: free the merged outlet's names: %w", err)
	}
	return nil
}

func (o *mergedOutlet) store(ctx context.Context, tx Tx, cur mergeable, now time.Time) error {
	c := cur.(*mergedOutlet)
	next := *o
	next.ID, next.Version, next.UpdatedAt = c.ID, c.Version+1, now
	if err := tx.UpdateOutlet(ctx, (*Outlet)(c), (*Outlet)(&next)); err != nil {
		return outletWriteError(err)
	}
	*o = next
	return nil
}

func (o *mergedOutlet) remove(ctx context.Context, tx Tx) error {
	if err := tx.DeleteOutlet(ctx, o.ID); err != nil {
		return fmt.Errorf("db: remove the merged outlet: %w", err)
	}
	return nil
}

func (o *mergedOutlet) restore(ctx context.Context, tx Tx) error {
	if err := tx.InsertOutlets(ctx, (*Outlet)(o)); err != nil {
		return outletWriteError(err)
	}
	return nil
}
