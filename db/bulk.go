package db

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/verbatimhq/verbatim/similar"
)

// bulkEligible reports whether a record can take the bulk path: a new quote in the create
// shape with nothing hanging off it.
func bulkEligible(r *ImportRecord) bool {
	return r.Exported == nil && len(r.Verdicts) == 0 && len(r.Citations) == 0 && len(r.Appearances) == 0
}

// bulkInsert writes new create-shape records many at a time — the quotes with their
// search index, tags and variant bands, then their audit entries — and returns the
// records it did not take (already stored, named twice in the batch, or stored by
// another writer meanwhile), for the record-at-a-time path. Any record's error aborts
// the bulk write (the caller then retries the batch record by record, which reports it).
func (d *DB) bulkInsert(ctx context.Context, tx Tx, recs []*ImportRecord) (created int, rest []*ImportRecord, err error) {
	if len(recs) == 0 {
		return 0, nil, nil
	}
	keys := make([]string, len(recs))
	for i, r := range recs {
		r.Prepare()
		keys[i] = r.prep.key
	}
	stored, err := tx.ExternalIDsStored(ctx, keys)
	if err != nil {
		return 0, nil, fmt.Errorf("db: find imported keys: %w", err)
	}
	fresh := make([]*ImportRecord, 0, len(recs))
	for i, r := range recs {
		if !stored[keys[i]] {
			fresh = append(fresh, r)
		}
	}
	if err := d.resolveNames(ctx, tx, fresh); err != nil {
		return 0, nil, err
	}
	held, err := d.bandHolders(ctx, tx, fresh)
	if err != nil {
		return 0, nil, err
	}
	// batch holds, by band, the texts this batch makes quotes of, for words of the batch
	// that repeat one another; judged the features of every candidate judged, which the
	// batch's records meet again and again.
	batch := map[int64][]Candidate{}
	judged := map[string]map[uint64]struct{}{}
	var rows []*BulkQuote
	var taken []*ImportRecord
	seen := map[string]bool{}
	now := d.now()
	actor := actorOf(ctx).Name
	for i, r := range recs {
		if stored[keys[i]] || seen[keys[i]] {
			rest = append(rest, r)
			continue
		}
		seen[keys[i]] = true
		in := r.Quote
		saidOn, prec, err := dateSaid(in.SaidOn, in.DatePrecision)
		if err != nil {
			return 0, nil, err
		}
		speakerID, err := d.resolveSpeaker(ctx, tx, in.SpeakerID, in.SpeakerName)
		if err != nil {
			return 0, nil, err
		}
		outletID, err := d.resolveOutlet(ctx, tx, in.OutletID, in.OutletName)
		if err != nil {
			return 0, nil, err
		}
		q := &Quote{ID: newID("q_", now), Text: in.Text, Speaker: SpeakerRef{ID: speakerID}, SpeakerRole: in.SpeakerRole,
			SaidOn: saidOn, DatePrecision: prec, Context: in.Context, Setting: in.Setting, Lang: in.Lang, SourceURL: in.SourceURL,
			Tags: r.prep.tags, Attribution: "unverified", CreatedBy: actor, Version: 1, CreatedAt: now, UpdatedAt: now}
		if outletID != nil {
			q.Outlet = &OutletRef{ID: *outletID}
		}
		if !in.Separate && d.wouldLink(in.Text, r.prep.features, speakerID, r.prep.bands, held, batch, judged) {
			// Words the archive (or this batch) holds already are linked one at a time,
			// after the batch's new quotes are stored: recordQuote decides.
			rest = append(rest, r)
			continue
		}
		for _, k := range r.prep.bands {
			// As a band's stored holders are its newest few, so are the batch's: a band
			// thousands of a batch's records share (templated words) is no candidate list.
			if hs := batch[k]; len(hs) >= batchHoldersPerBand {
				batch[k] = append(hs[1:len(hs):len(hs)], Candidate{Text: in.Text, SpeakerID: speakerID})
			} else {
				batch[k] = append(hs, Candidate{Text: in.Text, SpeakerID: speakerID})
			}
		}
		rows = append(rows, &BulkQuote{Quote: q, ExternalID: keys[i], Bands: r.prep.bands})
		taken = append(taken, r)
	}
	if len(rows) == 0 {
		return 0, rest, nil
	}
	seqs, err := tx.BulkInsertQuotes(ctx, rows)
	if err != nil {
		return 0, nil, fmt.Errorf("db: bulk insert: %w", err)
	}
	made := make([]change, 0, len(rows))
	for i, row := range rows {
		if seqs[i] == 0 {
			rest = append(rest, taken[i]) // another import stored this key meanwhile
			continue
		}
		fields, err := quoteCreation(row.Quote)
		if err != nil {
			return 0, nil, err
		}
		made = append(made, change{action: "create", resource: "quote", id: row.Quote.ID, quoteID: &row.Quote.ID,
			after: row.Quote, audited: fields})
	}
	if err := d.record(ctx, tx, made...); err != nil {
		return 0, nil, err
	}
	return len(made), rest, nil
}

// quoteCreation is the audit changes of a quote's creation — {"field": {"after": v}} over
// the audited fields in key order, references as their IDs, nulls as {} — exactly what
// audit writes for a single create, without its generic flattening through a map (which
// was a tenth of a bulk import), in typed fields rather than interfaces.
func quoteCreation(q *Quote) (string, error) {
	type str struct {
		After *string `json:"after,omitempty"`
	}
	type list struct {
		After *[]string `json:"after,omitempty"`
	}
	ref := func(id string) str { return str{&id} }
	var outlet str
	if q.Outlet != nil {
		outlet = ref(q.Outlet.ID)
	}
	var tags list
	if q.Tags != nil {
		tags = list{&q.Tags}
	}
	b, err := json.Marshal(struct {
		Attribution   str      `json:"attribution"`
		Context       str      `json:"context"`
		CreatedBy     str      `json:"created_by"`
		DatePrecision str      `json:"date_precision"`
		Pin           struct{} `json:"first_appearance_pin"` // a new quote has none
		ID            str      `json:"id"`
		Lang          str      `json:"lang"`
		Outlet        str      `json:"outlet"`
		Rating        str      `json:"rating"`
		SaidOn        str      `json:"said_on"`
		Setting       str      `json:"setting"`
		SourceURL     str      `json:"source_url"`
		Speaker       str      `json:"speaker"`
		SpeakerRole   str      `json:"speaker_role"`
		Tags          list     `json:"tags"`
		Text          str      `json:"text"`
	}{ref(q.Attribution), str{q.Context}, ref(q.CreatedBy), str{q.DatePrecision}, struct{}{}, ref(q.ID), str{q.Lang}, outlet,
		str{q.Rating}, str{q.SaidOn}, str{q.Setting}, str{q.SourceURL}, ref(q.Speaker.ID), str{q.SpeakerRole}, tags,
		ref(q.Text)})
	return string(b), err
}

// batchHoldersPerBand is how many of a batch's own records a band keeps as candidates for
// the records after them: the newest.
const batchHoldersPerBand = 32

// bandHolders are the stored quotes sharing a variant band with any of the records' words,
// by band, read in one pass for the batch.
func (d *DB) bandHolders(ctx context.Context, tx Tx, recs []*ImportRecord) (map[int64][]Candidate, error) {
	var keys []int64
	seen := map[int64]bool{}
	for _, r := range recs {
		if r.Quote.Separate {
			continue
		}
		for _, k := range r.prep.bands {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	held, err := tx.BandHolders(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("db: link candidates: %w", err)
	}
	return held, nil
}

// wouldLink reports whether words by speaker (fw their features, keys their variant
// bands) match a stored quote (held) or one this batch makes (batch) closely enough for
// linking to act. As for a single record, only the candidates sharing the most bands
// are judged; known keeps the candidates' features from one record to the next.
func (d *DB) wouldLink(words string, fw map[uint64]struct{}, speaker string, keys []int64, held, batch map[int64][]Candidate,
	known map[string]map[uint64]struct{}) bool {
	type cand struct {
		c    Candidate
		hits int
	}
	type who struct{ text, speaker string }
	byText := map[who]*cand{}
	for _, k := range keys {
		for _, hs := range [2][]Candidate{held[k], batch[k]} {
			for _, c := range hs {
				key := who{c.Text, c.SpeakerID}
				if byText[key] == nil {
					byText[key] = &cand{c: c}
				}
				byText[key].hits++
			}
		}
	}
	cands := slices.SortedFunc(maps.Values(byText), func(a, b *cand) int {
		return cmp.Or(b.hits-a.hits, cmp.Compare(b.c.Seq, a.c.Seq), strings.Compare(a.c.Text, b.c.Text))
	})
	for _, c := range cands[:min(len(cands), linkCandidateCap)] {
		ft, ok := known[c.c.Text]
		if !ok {
			ft = similar.Features(c.c.Text)
			known[c.c.Text] = ft
		}
		if m := d.link.judgeFeatures(words, fw, speaker, c.c.Seq, c.c.Text, ft, c.c.SpeakerID); m.confirmed || m.suggested {
			return true
		}
	}
	return false
}
