package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/similar"
)

// findQuote reads a quote by ID, its current verdict not attached. NotFound; Moved when a
// confirmed link folded it into another.
func findQuote(ctx context.Context, tx Tx, id string, lock bool) (*Quote, error) {
	q, err := tx.Quote(ctx, id, lock)
	if errors.Is(err, ErrNoRow) {
		return nil, redirected(ctx, tx, "quote", id, "no quote with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read quote: %w", err)
	}
	return q, nil
}

// Quote returns the quote with the given ID, or NotFound. An unreviewed quote is one
// statement, which reads one snapshot without a transaction of its own; a reviewed one
// reads its current verdict in the same transaction.
//
// Quotes read are kept until the database next changes (see DB.quotes); the caller gets
// its own copy of the top level to set fields on.
func (d *DB) Quote(ctx context.Context, id string) (*Quote, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	gen, err := d.generation(ctx)
	if err != nil {
		return nil, err
	}
	cached, ok, token := d.quotes.get(gen, id)
	if ok {
		cp := *cached
		return &cp, nil
	}
	q, err := findQuote(ctx, d.eng.Reads(), id, false)
	if err == nil && q.VerdictSeq != nil {
		err = d.read(ctx, func(tx Tx) error {
			if q, err = findQuote(ctx, tx, id, false); err != nil {
				return err
			}
			return attachDerived(ctx, tx, []*Quote{q})
		})
	} else if err == nil {
		err = attachPositions(ctx, d.eng.Reads(), []*Quote{q})
	}
	if err != nil {
		return nil, err
	}
	d.quotes.put(gen, token, id, q)
	cp := *q
	return &cp, nil
}

// attachDerived fills in what quotes read show but do not store: the current verdict of
// each reviewed one, and the speaker's position on the day.
func attachDerived(ctx context.Context, tx Tx, quotes []*Quote) error {
	if err := attachVerdicts(ctx, tx, quotes); err != nil {
		return err
	}
	return attachPositions(ctx, tx, quotes)
}

// attachVerdicts fills in the current verdict of each reviewed quote.
func attachVerdicts(ctx context.Context, tx Tx, quotes []*Quote) error {
	var seqs []int64
	for _, q := range quotes {
		if q.VerdictSeq != nil {
			seqs = append(seqs, *q.VerdictSeq)
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	verdicts, err := tx.VerdictsBySeq(ctx, seqs)
	if err != nil {
		return fmt.Errorf("db: read current verdicts: %w", err)
	}
	for _, q := range quotes {
		if q.VerdictSeq != nil {
			q.CurrentVerdict = verdicts[*q.VerdictSeq]
		}
	}
	return nil
}

// speakerNamed is how a write names a quote's speaker: by ID, or by name — with the
// Wikidata QID that tells two people of one name apart, and whether one named for the
// first time is an anonymous source.
type speakerNamed struct {
	id, name, qid *string
	anonymous     bool
}

// speakerOf is how in names its speaker.
func speakerOf(in QuoteInput) speakerNamed {
	return speakerNamed{id: in.SpeakerID, name: in.SpeakerName, qid: in.SpeakerQID, anonymous: in.SpeakerAnonymous}
}

// resolveSpeaker returns the ID of the speaker a quote names: by ID (which must exist,
// else Invalid; a merged one's survivor), by name with a QID (speakerByQID), or by name alone, found
// through names and aliases or else created.
func (d *DB) resolveSpeaker(ctx context.Context, tx Tx, n speakerNamed) (string, error) {
	id, name := n.id, n.name
	if id != nil {
		to, err := followToRow(ctx, tx, *id, func(to string) error { _, err := tx.Speaker(ctx, to, false); return err })
		if errors.Is(err, ErrNoRow) {
			return "", errorf(Invalid, "speaker_id", "no speaker with this ID")
		} else if err != nil {
			return "", fmt.Errorf("db: read speaker: %w", err)
		}
		return to, nil
	}
	if name == nil {
		return "", errorf(Invalid, "speaker_id", "name the speaker by speaker_id or speaker_name")
	}
	if n.qid != nil {
		return d.speakerByQID(ctx, tx, *n.qid, *name, n.anonymous)
	}
	cache, _ := ctx.Value(namesKey{}).(*names)
	key := fold.String(*name)
	if id, ok := cache.speaker(key); ok {
		return id, nil
	}
	found, err := findOrCreate(ctx, tx, "speaker", key,
		func() (string, error) { return findSpeakerByName(ctx, tx, key, *name, "speaker_name") },
		func() (string, error) {
			return d.insertSpeaker(ctx, tx, SpeakerInput{Name: *name, Anonymous: n.anonymous})
		})
	if err == nil && cache != nil {
		cache.speakers[key] = found
	}
	return found, err
}

// speakerByQID is the speaker holding a Wikidata QID; else the one speaker of the name
// given who holds no QID (the same person, recorded before anyone knew the QID); else a
// new speaker of that name holding it.
func (d *DB) speakerByQID(ctx context.Context, tx Tx, qid, name string, anonymous bool) (string, error) {
	cache, _ := ctx.Value(namesKey{}).(*names)
	key := "qid:" + qid
	if id, ok := cache.speaker(key); ok {
		return id, nil
	}
	find := func() (string, error) {
		held, err := tx.SpeakersByQIDs(ctx, []string{qid})
		if err != nil {
			return "", fmt.Errorf("db: find speaker by QID: %w", err)
		}
		if id := held[qid]; id != "" {
			return id, nil
		}
		key := fold.String(name)
		named, err := tx.SpeakersByNames(ctx, []string{key})
		if err != nil {
			return "", fmt.Errorf("db: find speaker by name: %w", err)
		}
		var free []string
		for _, id := range named[key] {
			s, err := tx.Speaker(ctx, id, false)
			if err != nil {
				return "", fmt.Errorf("db: read speaker: %w", err)
			}
			if s.WikidataQID == nil {
				free = append(free, id)
			}
		}
		if len(free) == 1 {
			return free[0], nil
		}
		return "", nil
	}
	found, err := findOrCreate(ctx, tx, "speaker", key, find, func() (string, error) {
		return d.insertSpeaker(ctx, tx, SpeakerInput{Name: name, WikidataQID: &qid, Anonymous: anonymous})
	})
	if err == nil && cache != nil {
		cache.speakers[key] = found
	}
	return found, err
}

// findOrCreate finds the speaker or outlet (kind) of a folded name, or creates it. The
// look-up is done again holding the name's lock before creating, so that two writers
// naming a new speaker at once create one.
func findOrCreate(ctx context.Context, tx Tx, kind, key string, find, create func() (string, error)) (string, error) {
	if id, err := find(); err != nil || id != "" {
		return id, err
	}
	if err := tx.LockNames(ctx, kind, []string{key}); err != nil {
		return "", fmt.Errorf("db: lock %s name: %w", kind, err)
	}
	if id, err := find(); err != nil || id != "" {
		return id, err
	}
	return create()
}

// names carries, through an import batch's context, the speakers and outlets its records
// have named by folded name: a batch names the same people and outlets again and again.
type names struct{ speakers, outlets map[string]string }

type namesKey struct{}

func newNames() *names { return &names{speakers: map[string]string{}, outlets: map[string]string{}} }

// forget drops what a rolled-back record may have created.
func (n *names) forget() {
	clear(n.speakers)
	clear(n.outlets)
}

func (n *names) speaker(key string) (string, bool) {
	if n == nil {
		return "", false
	}
	id, ok := n.speakers[key]
	return id, ok
}

func (n *names) outlet(key string) (string, bool) {
	if n == nil {
		return "", false
	}
	id, ok := n.outlets[key]
	return id, ok
}

// resolveOutlet is resolveSpeaker for outlets; with neither ID nor name there is none.
func (d *DB) resolveOutlet(ctx context.Context, tx Tx, id, name *string) (*string, error) {
	switch {
	case id != nil:
		to, err := followToRow(ctx, tx, *id, func(to string) error { _, err := tx.Outlet(ctx, to, false); return err })
		if errors.Is(err, ErrNoRow) {
			return nil, errorf(Invalid, "outlet_id", "no outlet with this ID")
		} else if err != nil {
			return nil, fmt.Errorf("db: read outlet: %w", err)
		}
		return &to, nil
	case name != nil:
		cache, _ := ctx.Value(namesKey{}).(*names)
		key := fold.String(*name)
		if id, ok := cache.outlet(key); ok {
			return &id, nil
		}
		found, err := findOrCreate(ctx, tx, "outlet", key,
			func() (string, error) { return findOutletByName(ctx, tx, key) },
			func() (string, error) { return d.insertOutlet(ctx, tx, OutletInput{Name: *name}) })
		if err != nil {
			return nil, err
		}
		if cache != nil {
			cache.outlets[key] = found
		}
		return &found, nil
	}
	return nil, nil
}

// dateSaid normalises said_on against date_precision; a precision without a date is Invalid.
func dateSaid(saidOn, precision *string) (*string, *string, error) {
	return datePrecise("said_on", saidOn, precision)
}

// datePrecise normalises a date of the member field (said_on, an appearance's
// published_on) against date_precision: a day, a month or a year, the precision inferred
// when not given. A precision without a date is Invalid.
func datePrecise(field string, date, precision *string) (*string, *string, error) {
	if date == nil {
		if precision != nil {
			return nil, nil, errorf(Invalid, "date_precision", "a precision needs "+field)
		}
		return nil, nil, nil
	}
	d, prec, err := NormalizeDate(*date, precision)
	if err != nil {
		return nil, nil, errorf(Malformed, field, err.Error())
	}
	return &d, &prec, nil
}

// CreateQuote records words a speaker said, finding or creating the speaker and outlet it
// names by name, all in one transaction. The words are linked first (recordQuote): words
// the archive holds already become an appearance of the stored quote, which is returned
// with its Link; otherwise the new quote is stored exactly as given, with a suggested link
// when one is uncertain, and listing the stored quotes it may duplicate.
func (d *DB) CreateQuote(ctx context.Context, in QuoteInput) (*Quote, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	var id string
	var link *Link
	var dups []scored
	err := d.write(ctx, func(tx Tx) error {
		q, l, near, err := d.recordQuote(ctx, tx, in, nil, nil, "record")
		if err != nil {
			return err
		}
		id, link, dups = q.ID, l, near[:min(len(near), 5)]
		return nil
	})
	if err != nil {
		return nil, err
	}
	q, err := d.Quote(ctx, id)
	if err != nil {
		return nil, err
	}
	q.Link = link
	if len(dups) == 0 {
		return q, nil
	}
	err = d.read(ctx, func(tx Tx) error {
		q.PossibleDuplicates, err = similarQuotes(ctx, tx, dups)
		return err
	})
	return q, err
}

// CreateQuotes stores many quotes in one transaction, as CreateQuote does one, without
// looking for duplicates or linking: how tests and benchmarks seed an archive (no door
// leads to it; imports link, see Import). One invalid quote fails
// the batch, with the error's field prefixed by its index ("[3].said_on").
func (d *DB) CreateQuotes(ctx context.Context, ins []QuoteInput) error {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		for i, in := range ins {
			if _, err := d.insertQuote(ctx, tx, in, nil, nil); err != nil {
				var e *Error
				if errors.As(err, &e) {
					return &Error{Code: e.Code, Field: fmt.Sprintf("[%d].%s", i, e.Field), Message: e.Message, err: e.err}
				}
				return err
			}
		}
		return nil
	})
}

// bands are the variant bands a text is found by.
func bands(text string) []int64 { return similar.BandKeys(similar.Features(text)) }

// insertQuote writes one quote with its tags, variant bands and search index entry,
// resolving its speaker and outlet, and audits it. externalID and extraction, when
// given, are stored with it. It links nothing: recordQuote does.
func (d *DB) insertQuote(ctx context.Context, tx Tx, in QuoteInput, externalID *string, x *Extraction) (*Quote, error) {
	q, err := d.newQuote(ctx, tx, in, x)
	if err != nil {
		return nil, err
	}
	return q, d.storeQuote(ctx, tx, q, externalID)
}

// newQuote is the quote in describes, checked and with its speaker and outlet resolved
// (created when named and unknown), not yet stored.
func (d *DB) newQuote(ctx context.Context, tx Tx, in QuoteInput, x *Extraction) (*Quote, error) {
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	saidOn, prec, err := dateSaid(in.SaidOn, in.DatePrecision)
	if err != nil {
		return nil, err
	}
	speakerID, err := d.resolveSpeaker(ctx, tx, speakerOf(in))
	if err != nil {
		return nil, err
	}
	outletID, err := d.resolveOutlet(ctx, tx, in.OutletID, in.OutletName)
	if err != nil {
		return nil, err
	}
	now := d.now()
	q := &Quote{ID: newID("q_", now), Text: in.Text, Speaker: SpeakerRef{ID: speakerID}, SpeakerRole: in.SpeakerRole,
		SaidOn: saidOn, DatePrecision: prec, Context: in.Context, Setting: in.Setting, Lang: in.Lang, SourceURL: in.SourceURL,
		Tags: normalizeTags(in.Tags), Attribution: "unverified", CreatedBy: actorOf(ctx).Name, Extraction: x, Version: 1,
		CreatedAt: now, UpdatedAt: now, LoadedIn: loadedIn(ctx)}
	if outletID != nil {
		q.Outlet = &OutletRef{ID: *outletID}
	}
	return q, nil
}

// storeQuote writes a new quote and audits it.
func (d *DB) storeQuote(ctx context.Context, tx Tx, q *Quote, externalID *string) error {
	var err error
	if q.Seq, err = tx.InsertQuote(ctx, q, externalID, bands(q.Text)); err != nil {
		return writeError("quote", err)
	}
	return d.record(ctx, tx, newChange("create", "quote", q.ID, q.ID, nil, q))
}

// writeError turns what an engine says of a failed write into what a client is told.
func writeError(resource string, err error) error {
	switch {
	case errors.Is(err, ErrStale):
		return errorf(Conflict, "", "the "+resource+" changed while it was being written; fetch it again and reapply your change")
	case errors.Is(err, ErrReferenced) && (resource == "quote" || resource == "appearance"):
		// The quote's speaker or outlet (an appearance's quote) went between its look-up
		// and the write: merged away, most likely. Running the write again follows the
		// merge's redirect (or links to the survivor).
		return fmt.Errorf("db: write quote: %w: %w", ErrRetry, err)
	case errors.Is(err, ErrReferenced):
		return errorf(Conflict, "", "the "+resource+" refers to a resource that was deleted meanwhile, or is referred to; fetch it again")
	}
	return fmt.Errorf("db: write %s: %w", resource, err)
}

// UpdateQuote applies patch to the quote; ifMatch as for UpdateSpeaker. A patch that
// changes nothing leaves the version alone. NotFound, PreconditionFailed, Invalid,
// Malformed, Conflict (an ambiguous speaker name).
func (d *DB) UpdateQuote(ctx context.Context, id string, ifMatch []int64, p QuotePatch) (*Quote, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if p.SpeakerID.Set && p.SpeakerName.Set {
		return nil, errorf(Invalid, "speaker_name", "give speaker_id or speaker_name, not both")
	}
	if p.OutletID.Set && p.OutletName.Set {
		return nil, errorf(Invalid, "outlet_name", "give outlet_id or outlet_name, not both")
	}
	if (p.SpeakerID.Set && p.SpeakerID.Null) || (p.SpeakerName.Set && p.SpeakerName.Null) {
		return nil, errorf(Invalid, "speaker_id", "a quote always has a speaker")
	}
	err := d.write(ctx, func(tx Tx) error {
		_, err := d.updateQuote(ctx, tx, id, ifMatch, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Quote(ctx, id)
}

// updateQuote is UpdateQuote inside a transaction; it reports whether anything changed.
// The quote is read locked and written only at the version read, so two writers with
// the same If-Match cannot both win.
func (d *DB) updateQuote(ctx context.Context, tx Tx, id string, ifMatch []int64, p QuotePatch) (bool, error) {
	if err := validateInput(&p); err != nil {
		return false, err
	}
	cur, err := findQuote(ctx, tx, id, true)
	if err != nil {
		return false, err
	}
	if err := checkVersion(cur.Version, ifMatch); err != nil {
		return false, err
	}
	next := *cur
	if err := applyPatch(&next, &p, "speaker_id", "speaker_name", "outlet_id", "outlet_name", "said_on", "date_precision", "tags"); err != nil {
		return false, err
	}
	if p.SpeakerID.Set || p.SpeakerName.Set {
		sid, err := d.resolveSpeaker(ctx, tx, speakerNamed{id: nullable(p.SpeakerID), name: nullable(p.SpeakerName)})
		if err != nil {
			return false, err
		}
		next.Speaker = SpeakerRef{ID: sid}
	}
	if p.OutletID.Set || p.OutletName.Set {
		oid, err := d.resolveOutlet(ctx, tx, nullable(p.OutletID), nullable(p.OutletName))
		if err != nil {
			return false, err
		}
		next.Outlet = nil
		if oid != nil {
			next.Outlet = &OutletRef{ID: *oid}
		}
	}
	if p.SaidOn.Set || p.DatePrecision.Set {
		saidOn, prec := next.SaidOn, next.DatePrecision
		if p.SaidOn.Set {
			saidOn = nullable(p.SaidOn)
			if !p.DatePrecision.Set {
				prec = nil // infer it from the new date
			}
		}
		if p.DatePrecision.Set {
			prec = nullable(p.DatePrecision)
		}
		if next.SaidOn, next.DatePrecision, err = dateSaid(saidOn, prec); err != nil {
			return false, err
		}
	}
	if p.Tags.Set {
		if p.Tags.Null {
			return false, errorf(Malformed, "tags", "cannot be null; send [] to remove every tag")
		}
		next.Tags = normalizeTags(p.Tags.Value)
	}
	c := newChange("update", "quote", id, id, cur, &next)
	if c.none() {
		return false, nil
	}
	next.Version, next.UpdatedAt = cur.Version+1, d.now()
	var bc *BandChange
	if c.changed("text") {
		bc = &BandChange{Old: bands(cur.Text), New: bands(next.Text)}
	}
	if err := tx.UpdateQuote(ctx, cur, &next, bc); err != nil {
		return false, writeError("quote", err)
	}
	if err := d.record(ctx, tx, c); err != nil {
		return false, err
	}
	return true, d.resetReview(ctx, tx, cur, c)
}

// resetReview appends a verdict that returns a reviewed quote to unverified when its
// words or its speaker change (c, a change of the quote), or the evidence its verdict
// rests on does (c, a change of a citation the current verdict cites): a verdict judged
// those words by that speaker on that evidence, and must not go on vouching for others
// (nor ClaimReview publish it under them). The history keeps the earlier verdict; a
// fact-checker reviews the quote anew. It applies whoever makes the change and whichever
// way it comes (PATCH, a re-import, the console), because every way goes through the
// write paths that call it.
func (d *DB) resetReview(ctx context.Context, tx Tx, q *Quote, c change) error {
	if q.Attribution == "unverified" && q.Rating == nil {
		return nil
	}
	var changed []string
	for _, f := range map[string][]string{"quote": {"text", "speaker"}, "citation": {"excerpt", "url", "relation"}}[c.resource] {
		if c.changed(f) {
			if f == "text" {
				f = "words"
			}
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	what := "the quote's " + strings.Join(changed, " and ")
	if c.resource == "citation" {
		what = "the " + strings.Join(changed, " and ") + " of citation " + c.id + ", which the verdict rests on,"
	}
	summary := fmt.Sprintf("Reset to unverified by Verbatim: %s changed %s after it was reviewed, so the earlier verdict no longer applies.",
		actorOf(ctx).Name, what)
	_, err := d.appendVerdict(WithActor(ctx, reviewer), tx, q.ID, nil, VerdictInput{Attribution: "unverified", Summary: summary})
	return err
}

// DeleteQuote removes a quote, its tags, citations and variant bands. NotFound, PreconditionFailed,
// Conflict (the quote has verdicts: a verdict history outlives nothing it judged).
func (d *DB) DeleteQuote(ctx context.Context, id string, ifMatch []int64) error {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		cur, err := findQuote(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		if cur.VerdictSeq != nil {
			// A verdict is public record: deleting the quote would take its history with
			// it. A correction is a new verdict (misattributed, say), which keeps both.
			return errorf(Conflict, "", "this quote has verdicts, and a verdict history is never deleted; append a verdict instead (misattributed, or unverified with the reason)")
		}
		if err := tx.DeleteQuote(ctx, cur, bands(cur.Text)); err != nil {
			return writeError("quote", err)
		}
		return d.record(ctx, tx, newChange("delete", "quote", id, id, cur, nil))
	})
}

func lowerPtr(s *string) *string {
	if s == nil {
		return nil
	}
	l := strings.ToLower(strings.Join(strings.Fields(*s), " "))
	return &l
}
