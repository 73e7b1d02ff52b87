package db

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/verbatimhq/verbatim/fold"
)

// resolveNames finds or creates, for a whole import batch at once, every speaker and
// outlet its records name by name, and puts them in the batch's names cache, where each
// record's resolveSpeaker and resolveOutlet then find them. One look-up for all the
// batch's names, one lock statement for the new ones and one insert for what is still
// missing replace a look-up, a lock, another look-up and an insert per name, which was
// most of a bulk batch's time on PostgreSQL. A name several speakers share is left to
// the record's own resolution, which reports it.
func (d *DB) resolveNames(ctx context.Context, tx Tx, recs []*ImportRecord) error {
	cache, _ := ctx.Value(namesKey{}).(*names)
	if cache == nil {
		return nil
	}
	speakers, outlets := map[string]string{}, map[string]string{} // key → the name as first written
	qids := map[string]SpeakerInput{}                             // QID → the speaker as first named
	for _, r := range recs {
		// An anonymous source is found one record at a time (resolveSpeaker): made from
		// the name alone, it would not be anonymous.
		switch q := r.Quote; {
		case q.SpeakerID != nil || q.SpeakerName == nil || q.SpeakerAnonymous:
		case q.SpeakerQID != nil:
			if _, ok := qids[*q.SpeakerQID]; !ok && cache.speakers["qid:"+*q.SpeakerQID] == "" {
				qids[*q.SpeakerQID] = SpeakerInput{Name: *q.SpeakerName, WikidataQID: q.SpeakerQID}
			}
		default:
			if k := fold.String(*q.SpeakerName); cache.speakers[k] == "" && speakers[k] == "" {
				speakers[k] = *q.SpeakerName
			}
		}
		want := func(id, name *string) {
			if id == nil && name != nil {
				if k := fold.String(*name); cache.outlets[k] == "" && outlets[k] == "" {
					outlets[k] = *name
				}
			}
		}
		want(r.Quote.OutletID, r.Quote.OutletName)
		for _, a := range r.Appearances { // a corpus' URLs name outlets by the thousand
			want(a.OutletID, a.OutletName)
		}
	}
	// Speakers before outlets, always: two writers locking names cannot cross.
	if err := d.resolveKind(ctx, tx, "speaker", speakers, cache.speakers); err != nil {
		return err
	}
	if err := d.resolveQIDs(ctx, tx, qids, cache.speakers); err != nil {
		return err
	}
	return d.resolveKind(ctx, tx, "outlet", outlets, cache.outlets)
}

// resolveQIDs finds the speakers holding the wanted Wikidata QIDs, and creates those a new
// QID names, for the whole batch at once (a corpus names thousands): what speakerByQID
// does one record at a time, into known under "qid:" keys. A QID no speaker holds whose
// name some speaker already has is left to speakerByQID, which decides whether that
// speaker is the same person.
func (d *DB) resolveQIDs(ctx context.Context, tx Tx, wanted map[string]SpeakerInput, known map[string]string) error {
	if len(wanted) == 0 {
		return nil
	}
	// find keeps the QIDs no speaker holds whose names none has either.
	find := func(qids []string) ([]string, error) {
		held, err := tx.SpeakersByQIDs(ctx, qids)
		if err != nil {
			return nil, fmt.Errorf("db: find speakers by QID: %w", err)
		}
		var free, keys []string
		for _, q := range qids {
			if id := held[q]; id != "" {
				known["qid:"+q] = id
			} else {
				free = append(free, q)
				keys = append(keys, fold.String(wanted[q].Name))
			}
		}
		if len(free) == 0 {
			return nil, nil
		}
		named, err := tx.SpeakersByNames(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("db: find speakers by name: %w", err)
		}
		return slices.DeleteFunc(free, func(q string) bool { return len(named[fold.String(wanted[q].Name)]) > 0 }), nil
	}
	qids := slices.Sorted(maps.Keys(wanted))
	missing, err := find(qids)
	if err != nil || len(missing) == 0 {
		return err
	}
	keys := make([]string, len(missing))
	for i, q := range missing {
		keys[i] = fold.String(wanted[q].Name)
	}
	if err := tx.LockNames(ctx, "speaker", keys); err != nil {
		return fmt.Errorf("db: lock speaker names: %w", err)
	}
	if missing, err = find(missing); err != nil || len(missing) == 0 {
		return err
	}
	// Two QIDs of one name (two people called John Smith) are two speakers, as one record
	// at a time would make them.
	now := d.now()
	ss := make([]*Speaker, len(missing))
	created := make([]change, len(missing))
	for i, q := range missing {
		ss[i] = newSpeaker(wanted[q], now)
		known["qid:"+q] = ss[i].ID
		created[i] = newChange("create", "speaker", ss[i].ID, "", nil, ss[i])
	}
	if err := tx.InsertSpeakers(ctx, ss...); err != nil {
		return speakerWriteError(err)
	}
	return d.record(ctx, tx, created...)
}

// resolveKind resolves the names (key → name) of one kind into known.
func (d *DB) resolveKind(ctx context.Context, tx Tx, kind string, wanted map[string]string, known map[string]string) error {
	if len(wanted) == 0 {
		return nil
	}
	keys := make([]string, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	find := func(keys []string) ([]string, error) {
		found, err := d.findNames(ctx, tx, kind, keys)
		if err != nil {
			return nil, err
		}
		var missing []string
		for _, k := range keys {
			switch ids := found[k]; len(ids) {
			case 0:
				missing = append(missing, k)
			case 1:
				known[k] = ids[0]
			}
		}
		return missing, nil
	}
	missing, err := find(keys)
	if err != nil || len(missing) == 0 {
		return err
	}
	if err := tx.LockNames(ctx, kind, missing); err != nil {
		return fmt.Errorf("db: lock %s names: %w", kind, err)
	}
	if missing, err = find(missing); err != nil || len(missing) == 0 {
		return err
	}
	now := d.now()
	created := make([]change, 0, len(missing))
	switch kind {
	case "speaker":
		ss := make([]*Speaker, len(missing))
		for i, k := range missing {
			ss[i] = newSpeaker(SpeakerInput{Name: wanted[k]}, now)
			known[k] = ss[i].ID
			created = append(created, newChange("create", "speaker", ss[i].ID, "", nil, ss[i]))
		}
		if err := tx.InsertSpeakers(ctx, ss...); err != nil {
			return speakerWriteError(err)
		}
	default:
		os := make([]*Outlet, len(missing))
		for i, k := range missing {
			os[i] = &Outlet{ID: newID("out_", now), Name: wanted[k], Version: 1, CreatedAt: now, UpdatedAt: now}
			known[k] = os[i].ID
			created = append(created, newChange("create", "outlet", os[i].ID, "", nil, os[i]))
		}
		if err := tx.InsertOutlets(ctx, os...); err != nil {
			return outletWriteError(err)
		}
	}
	return d.record(ctx, tx, created...)
}

// findNames looks up speakers or outlets by folded name keys.
func (d *DB) findNames(ctx context.Context, tx Tx, kind string, keys []string) (map[string][]string, error) {
	if kind == "speaker" {
		found, err := tx.SpeakersByNames(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("db: find speakers by name: %w", err)
		}
		return found, nil
	}
	found, err := tx.OutletsByNames(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("db: find outlets by name: %w", err)
	}
	out := make(map[string][]string, len(found))
	for k, id := range found {
		out[k] = []string{id}
	}
	return out, nil
}
