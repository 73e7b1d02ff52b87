package db

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/verbatimhq/verbatim/similar"
)

// bulkEligible reports whether a record can take the bulk path: a new quote in the create
// shape, with at most the places it appeared (a corpus' quotation and its URLs) hanging
// off it.
func bulkEligible(r *ImportRecord) bool {
	return r.Exported == nil && len(r.Verdicts) == 0 && len(r.Citations) == 0 && r.FirstAppearanceURL == nil
}

// bulkInsert writes new create-shape records many at a time — the quotes with their
// search index, tags and variant bands, the appearances linking makes of them, then their
// audit entries — and returns what it did and the records it did not take (already
// stored, named twice in the batch, or stored by another writer meanwhile), for the
// record-at-a-time path. Any record's error aborts the bulk write (the caller then
// retries the batch record by record, which reports it).
//
// Linking is recordQuote's, decided from the batch's one band look-up instead of one per
// record: words a stored quote or an earlier record of the batch holds already become its
// confirmed appearance, not a quote; uncertain ones, a quote with a suggested link.
//
// What the batch reads and makes of its candidates goes to stage, for the cache to keep
// once the transaction has committed.
func (d *DB) bulkInsert(ctx context.Context, tx Tx, recs []*ImportRecord, stage *candidateStage) (res ImportResult,
	rest []*ImportRecord, err error) {
	if len(recs) == 0 {
		return res, nil, nil
	}
	keys := make([]string, len(recs))
	for i, r := range recs {
		r.Prepare()
		keys[i] = r.prep.key
	}
	stored, err := tx.ExternalIDsStored(ctx, keys)
	if err != nil {
		return res, nil, fmt.Errorf("db: find imported keys: %w", err)
	}
	fresh := make([]*ImportRecord, 0, len(recs))
	for i, r := range recs {
		if !stored[keys[i]] {
			fresh = append(fresh, r)
		}
	}
	if err := d.resolveNames(ctx, tx, fresh); err != nil {
		return res, nil, err
	}
	// held lists, by band, the stored quotes holding it; batch, the quotes this batch
	// makes, for words of the batch that repeat one another, under provisional keys
	// (pendingSeq) until they are stored; cands are both kinds' words, read or made once
	// for the batch, and their features once judged.
	held, ranked, cands, err := d.heldCandidates(ctx, tx, fresh, stage)
	if err != nil {
		return res, nil, err
	}
	// The records' quotes first (speakers and outlets resolved in record order), then
	// their judgements against the stored candidates, on every core: they depend on no
	// other record of the batch.
	var items []*bulkItem
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
			return res, nil, err
		}
		speakerID, err := d.resolveSpeaker(ctx, tx, speakerOf(in))
		if err != nil {
			return res, nil, err
		}
		outletID, err := d.resolveOutlet(ctx, tx, in.OutletID, in.OutletName)
		if err != nil {
			return res, nil, err
		}
		q := &Quote{ID: newID("q_", now), Text: in.Text, Speaker: SpeakerRef{ID: speakerID}, SpeakerRole: in.SpeakerRole,
			SaidOn: saidOn, DatePrecision: prec, Context: in.Context, Setting: in.Setting, Lang: in.Lang, SourceURL: in.SourceURL,
			Tags: r.prep.tags, Attribution: "unverified", CreatedBy: actor, Version: 1, CreatedAt: now, UpdatedAt: now,
			LoadedIn: loadedIn(ctx)}
		if outletID != nil {
			q.Outlet = &OutletRef{ID: *outletID}
		}
		items = append(items, &bulkItem{rec: r, key: keys[i], q: q})
	}
	// What each record becomes — its words judged against the candidates, then in record
	// order against the batch's own quotes — is decided on another goroutine, a part of
	// the batch at a time, and each part's quotes go in while the next part is judged:
	// linking takes the import's other core instead of its time.
	dec := d.decideBulk(items, held, ranked, cands)
	defer dec.wait()
	seqs, err := tx.BulkInsertQuotes(ctx, dec.each)
	if err != nil {
		return res, nil, fmt.Errorf("db: bulk insert: %w", err)
	}
	dec.wait() // the decisions are whole once all are made
	rows, taken, links := dec.rows, dec.taken, dec.links
	made := make([]change, 0, len(rows))
	for i, row := range rows {
		if seqs[i] == 0 {
			rest = append(rest, taken[i]) // another import stored this key meanwhile
			continue
		}
		row.Quote.Seq = seqs[i]
		stage.read = append(stage.read, &candidate{Candidate: Candidate{Seq: seqs[i], ID: row.Quote.ID, Text: row.Quote.Text,
			SpeakerID: row.Quote.Speaker.ID}, features: taken[i].prep.features})
		var fields string
		if loadOf(ctx) == "" { // a load's audit points at the load instead
			if fields, err = quoteCreation(row.Quote); err != nil {
				return res, nil, err
			}
		}
		made = append(made, change{action: "create", resource: "quote", id: row.Quote.ID, quoteID: &row.Quote.ID,
			after: row.Quote, audited: fields})
	}
	res.Created = len(made)
	if err := d.record(ctx, tx, made...); err != nil {
		return res, nil, err
	}
	if err := d.bulkAppearances(ctx, tx, rows, taken, seqs); err != nil {
		return res, nil, err
	}
	// A record another writer stored meanwhile goes to the record path, which finds it
	// stored: a suggested link's whose quote was not stored (as its row did, above), and
	// a confirmed link's whose key is now stored (committed since the batch looked,
	// perhaps as the very quote it was about to link to).
	var linkKeys []string
	for _, l := range links {
		if l.m.confirmed {
			linkKeys = append(linkKeys, l.key)
		}
	}
	if len(linkKeys) > 0 {
		if stored, err = tx.ExternalIDsStored(ctx, linkKeys); err != nil {
			return res, nil, fmt.Errorf("db: find imported keys: %w", err)
		}
	}
	kept := links[:0]
	for _, l := range links {
		if l.m.confirmed && stored[l.key] {
			rest = append(rest, l.rec)
			continue
		}
		if !l.m.confirmed && l.q.Seq == 0 {
			continue // its record is among the rest already, with its row
		}
		kept = append(kept, l)
	}
	links = kept
	if err := d.bulkLinks(ctx, tx, links, rows, seqs); err != nil {
		return res, nil, err
	}
	for _, l := range links {
		if l.m.confirmed {
			res.Linked++
		} else {
			res.Suggested++
		}
	}
	return res, rest, nil
}

// bulkAppearances writes the appearances the records bring (a corpus' URLs of each
// quotation) on the quotes they made — rows[i] from taken[i], stored under seqs[i] —
// each checked and judged as insertAppearance does, the audit in one write (and the news,
// though a new quote carries no verdict to reappear with).
func (d *DB) bulkAppearances(ctx context.Context, tx Tx, rows []*BulkQuote, taken []*ImportRecord, seqs []int64) error {
	type draft struct {
		q   *Quote
		in  AppearanceInput
		j   int // its index in the record's appearances
		a   *Appearance
		m   linkMatch
		err error
	}
	var drafts []*draft
	for i, r := range taken {
		if seqs[i] == 0 {
			continue
		}
		for j, in := range r.Appearances {
			in.via = cmp.Or(r.Via, "import")
			drafts = append(drafts, &draft{q: rows[i].Quote, in: in, j: j})
		}
	}
	// Checking and judging the words is most of the work, and needs no database.
	now := d.now()
	parallel(len(drafts), func(i int) {
		x := drafts[i]
		x.a, x.m, x.err = d.draftAppearance(ctx, x.q, x.in, now)
	})
	var b appearanceBatch
	for _, x := range drafts {
		field := fmt.Sprintf("appearances[%d]", x.j)
		if x.err != nil {
			return prefixField(x.err, field)
		}
		a, err := d.finishAppearance(ctx, tx, x.a, x.m, x.in)
		if err != nil {
			return prefixField(err, field)
		}
		b.add(x.q, a)
	}
	return d.writeAppearances(ctx, tx, &b, func(err error) error { return writeError("appearance", err) })
}

// appearanceBatch gathers a bulk write's new appearances with the chains they touch,
// their audit and their news, for writeAppearances.
type appearanceBatch struct {
	made          []*Appearance
	chains        []int64 // the write sums each quote's once (writeTx)
	changes, news []change
}

// add gathers a, a new appearance of q.
func (b *appearanceBatch) add(q *Quote, a *Appearance) {
	b.made = append(b.made, a)
	b.chains = append(b.chains, q.Seq)
	audited, news := appearanceChange(q, nil, a)
	b.changes = append(b.changes, audited)
	b.news = append(b.news, news...)
}

// writeAppearances writes a batch's appearances all at once (one round trip on
// PostgreSQL), then their chains, audit and news; failed is what an insert's error
// becomes.
func (d *DB) writeAppearances(ctx context.Context, tx Tx, b *appearanceBatch, failed func(error) error) error {
	if err := tx.InsertAppearance(ctx, b.made...); err != nil {
		return failed(err)
	}
	if err := tx.RefreshChain(ctx, b.chains...); err != nil {
		return fmt.Errorf("db: refresh the quote's chain: %w", err)
	}
	if err := d.record(ctx, tx, b.changes...); err != nil {
		return err
	}
	return d.emit(ctx, tx, b.news...)
}

// bulkLink is a record of a bulk import that linking matched: q its words as a quote (a
// stored one when the link is suggested), m the match.
type bulkLink struct {
	rec *ImportRecord
	q   *Quote
	key string
	m   *linkMatch
}

// pendingSeq is the provisional key of a bulk import's i-th new quote until it is
// stored: above any stored key, so that the batch's quotes rank as the newest
// candidates, as they will be.
func pendingSeq(i int) int64 { return pendingBase + int64(i) }

const pendingBase = 1 << 62

// bulkLinks writes the appearances a bulk import's links make — recordQuote's, for each —
// on the stored quotes and on the batch's own (rows, stored under seqs): one look-up of
// the stored targets, their chains refreshed once each, the audit in one write.
func (d *DB) bulkLinks(ctx context.Context, tx Tx, links []bulkLink, rows []*BulkQuote, seqs []int64) error {
	if len(links) == 0 {
		return nil
	}
	targets := map[int64]*Quote{}
	var storedSeqs []int64
	for _, l := range links {
		if s := l.m.seq; s >= pendingBase {
			i := int(s - pendingBase)
			if seqs[i] == 0 {
				// Its target was stored by another writer meanwhile: run the batch again,
				// which links to that one.
				return fmt.Errorf("db: link to a quote stored meanwhile: %w", ErrRetry)
			}
			targets[s] = rows[i].Quote
		} else if targets[s] == nil {
			targets[s] = nil
			storedSeqs = append(storedSeqs, s)
		}
	}
	qs, err := tx.QuotesBySeq(ctx, storedSeqs)
	if err != nil {
		return fmt.Errorf("db: read linked quotes: %w", err)
	}
	for _, q := range qs {
		targets[q.Seq] = q
	}
	var b appearanceBatch
	for _, l := range links {
		target := targets[l.m.seq]
		in := d.appearanceOf(l.q, nil, "import", l.m, "suggested", &l.q.ID, nil)
		if l.m.confirmed {
			in = d.appearanceOf(l.q, nil, "import", l.m, "confirmed", nil, &l.key)
		}
		a, err := d.newAppearance(ctx, tx, target, in)
		if err != nil {
			return err
		}
		b.add(target, a)
	}
	return d.writeAppearances(ctx, tx, &b, func(err error) error {
		if errors.Is(err, ErrDuplicate) {
			// Another writer stored a record's key since this batch looked: run the batch
			// again, which finds it stored.
			return fmt.Errorf("db: link a record stored meanwhile: %w: %w", ErrRetry, err)
		}
		return writeError("appearance", err)
	})
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

// holdersPerBand is how many of a band's holders are candidates for a bulk import's
// records, stored or of the batch: the newest. A band very many quotes share (a stock
// phrase, templated words) says little, and its newest holders are the likeliest
// re-reports; without the bound, look-ups over a templated corpus grew quadratic.
const holdersPerBand = 32

// candidate is a quote words may repeat, with its features once they are needed.
type candidate struct {
	Candidate
	features similar.Set
}

// heldCandidates reads, in one pass for the batch, the stored quotes sharing a variant band
// with any of the records' words (held, by band), each record's best-ranked of them
// (ranked), and the words of those (cands, by key) — as a batch's own quotes only add
// candidates, no record judges a stored quote outside its own best-ranked stored ones.
//
// The words of quotes the cache keeps are not read again; those read join stage.
func (d *DB) heldCandidates(ctx context.Context, tx Tx, recs []*ImportRecord, stage *candidateStage) (held map[int64][]int64,
	ranked map[*ImportRecord][]int64, cands map[int64]*candidate, err error) {
	cands = map[int64]*candidate{}
	var keys []int64
	for _, r := range recs {
		if !r.Quote.Separate {
			keys = append(keys, r.prep.bands...)
		}
	}
	if len(keys) == 0 {
		return nil, nil, cands, nil
	}
	// In key order, the look-ups walk the band index from one end to the other instead of
	// all over it, each page read once.
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if held, err = tx.BandHolders(ctx, keys, holdersPerBand); err != nil {
		return nil, nil, nil, fmt.Errorf("db: link candidates: %w", err)
	}
	// Ranked on every core: nothing else runs yet.
	byRecord := make([][]int64, len(recs))
	parallel(len(recs), func(i int) {
		if r := recs[i]; !r.Quote.Separate {
			byRecord[i] = rankCandidates(r.prep.bands, held, nil)
		}
	})
	ranked = make(map[*ImportRecord][]int64, len(recs))
	var seqs []int64
	for i, r := range recs {
		if !r.Quote.Separate {
			ranked[r] = byRecord[i]
			seqs = append(seqs, byRecord[i]...)
		}
	}
	slices.Sort(seqs)
	seqs = slices.Compact(seqs)
	cands, seqs = d.candidates.get(seqs) // the batch's own join them
	// The candidates' features are made on another core while the next of them are read
	// (reading and making them cost about the same).
	made := make(chan []*candidate, 2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for cs := range made {
			for _, c := range cs {
				c.features = similar.Features(c.Text)
			}
		}
	}()
	defer func() { close(made); wg.Wait() }()
	for start := 0; start < len(seqs); start += candidateChunk {
		read, err := tx.CandidatesBySeq(ctx, seqs[start:min(start+candidateChunk, len(seqs))])
		if err != nil {
			return nil, nil, nil, fmt.Errorf("db: link candidates: %w", err)
		}
		cs := make([]*candidate, len(read))
		for i, c := range read {
			cs[i] = &candidate{Candidate: c}
			cands[c.Seq] = cs[i]
		}
		stage.read = append(stage.read, cs...)
		made <- cs
	}
	return held, ranked, cands, nil
}

// candidateChunk is how many candidates a bulk import reads at a time.
const candidateChunk = 2000

// rankCandidates are the keys of the quotes holding keys' bands in held or batch, those
// sharing the most bands first, then the newest: at most linkCandidateCap of them.
func rankCandidates(keys []int64, held, batch map[int64][]int64) []int64 {
	n := 0
	for _, k := range keys {
		n += len(held[k]) + len(batch[k])
	}
	if n == 0 {
		return nil
	}
	all := make([]int64, 0, n)
	for _, k := range keys {
		all = append(all, held[k]...)
		all = append(all, batch[k]...)
	}
	slices.Sort(all)
	type ranked struct {
		seq  int64
		hits int
	}
	rs := make([]ranked, 0, len(all))
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j] == all[i] {
			j++
		}
		rs = append(rs, ranked{all[i], j - i})
		i = j
	}
	slices.SortFunc(rs, func(a, b ranked) int { return cmp.Or(b.hits-a.hits, cmp.Compare(b.seq, a.seq)) })
	out := make([]int64, 0, min(len(rs), linkCandidateCap))
	for _, r := range rs[:min(len(rs), linkCandidateCap)] {
		out = append(out, r.seq)
	}
	return out
}

// bulkItem is a record of a bulk import on its way in: its quote, and the stored
// candidates its words are close enough to for linking to act (judgeHeld).
type bulkItem struct {
	rec  *ImportRecord
	key  string
	q    *Quote
	held []linkMatch
}

// judgeHeld judges each item's words against its best-ranked stored candidates (ranked,
// from heldCandidates, which made their features as it read them) and keeps the matches
// linking would act on, split among the cores.
func (d *DB) judgeHeld(items []*bulkItem, ranked map[*ImportRecord][]int64, cands map[int64]*candidate) {
	parallel(len(items), func(i int) {
		it := items[i]
		for _, seq := range ranked[it.rec] { // none for a separate record
			if c := cands[seq]; c != nil { // nil: deleted or merged between the batch's two reads
				if m := d.judgeCandidate(it, c); m.confirmed || m.suggested {
					it.held = append(it.held, m)
				}
			}
		}
	})
}

// bulkDecision is what a batch's records become, decided on a goroutine of its own:
// parts carries the new quotes a part of the batch at a time, in record order; rows (the
// new quotes), taken (their records) and links are whole once parts is closed.
type bulkDecision struct {
	parts chan []*BulkQuote
	done  chan struct{}
	rows  []*BulkQuote
	taken []*ImportRecord
	links []bulkLink
}

// wait returns once the decisions are all made, so that nothing outlives a batch that
// ended early.
func (b *bulkDecision) wait() { <-b.done }

// each yields the new quotes a part at a time, as they are decided.
func (b *bulkDecision) each(yield func([]*BulkQuote) bool) {
	for part := range b.parts {
		if !yield(part) {
			return
		}
	}
}

// bulkParts is how many parts a batch's decisions are handed over in: the first part's
// are all the writer waits for.
const bulkParts = 8

// decideBulk decides, a part at a time, what each item becomes: judged against its
// best-ranked stored candidates (judgeHeld), then against the batch's quotes before it
// (batchMatch), a confirmed appearance of a quote or a new quote of its own — with a
// suggested link when the match was uncertain. batch lists by band the batch's own new
// quotes under provisional keys (pendingSeq), the newest few of each band, and cands
// gains their words.
func (d *DB) decideBulk(items []*bulkItem, held map[int64][]int64, ranked map[*ImportRecord][]int64,
	cands map[int64]*candidate) *bulkDecision {
	size := max(500, (len(items)+bulkParts-1)/bulkParts)
	dec := &bulkDecision{parts: make(chan []*BulkQuote, (len(items)+size-1)/size), done: make(chan struct{})}
	go func() {
		defer close(dec.done)
		defer close(dec.parts) // buffered for every part: a writer that stopped early blocks nothing
		batch := map[int64][]int64{}
		for start := 0; start < len(items); start += size {
			part := items[start:min(start+size, len(items))]
			d.judgeHeld(part, ranked, cands)
			first := len(dec.rows)
			for _, it := range part {
				r, q, in, speakerID := it.rec, it.q, it.rec.Quote, it.q.Speaker.ID
				var m *linkMatch
				if !in.Separate {
					m = d.batchMatch(it, held, batch, cands)
					if r.bringsOwn() {
						m.onlySuggest()
					}
				}
				if m != nil && m.confirmed {
					dec.links = append(dec.links, bulkLink{rec: r, q: q, key: it.key, m: m})
					continue
				}
				seq := pendingSeq(len(dec.rows))
				cands[seq] = &candidate{Candidate: Candidate{Seq: seq, ID: q.ID, Text: in.Text, SpeakerID: speakerID}, features: r.prep.features}
				for _, k := range r.prep.bands {
					// As a band's stored holders are its newest few, so are the batch's: a
					// band thousands of a batch's records share (templated words) is no
					// candidate list.
					if hs := batch[k]; len(hs) >= holdersPerBand {
						batch[k] = append(hs[1:len(hs):len(hs)], seq)
					} else {
						batch[k] = append(hs, seq)
					}
				}
				dec.rows = append(dec.rows, &BulkQuote{Quote: q, ExternalID: it.key, Bands: r.prep.bands})
				dec.taken = append(dec.taken, r)
				if m != nil {
					dec.links = append(dec.links, bulkLink{rec: r, q: q, key: it.key, m: m})
				}
			}
			if len(dec.rows) > first {
				dec.parts <- dec.rows[first:len(dec.rows):len(dec.rows)]
			}
		}
	}()
	return dec
}

// parallel calls f(0) … f(n-1) on as many goroutines as there are cores.
func parallel(n int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

func (d *DB) judgeCandidate(it *bulkItem, c *candidate) linkMatch {
	m := d.link.judgeFeatures(it.q.Text, it.rec.prep.features, it.q.Speaker.ID, c.Seq, c.Text, c.features, c.SpeakerID)
	m.id = c.ID
	return m
}

// batchMatch is the best match (best) of an item's words among the stored quotes (held)
// and the batch's (batch) sharing a band with them, nil when none is close enough for
// linking to act. As for a single record, only the candidates sharing the most bands are
// judged: the stored ones were (judgeHeld), and a stored quote among the best-ranked of
// both kinds is among the best-ranked stored ones.
func (d *DB) batchMatch(it *bulkItem, held, batch map[int64][]int64, cands map[int64]*candidate) *linkMatch {
	ms := it.held
	if slices.ContainsFunc(it.rec.prep.bands, func(k int64) bool { return len(batch[k]) > 0 }) {
		ms = nil
		for _, seq := range rankCandidates(it.rec.prep.bands, held, batch) {
			if seq < pendingBase {
				if i := slices.IndexFunc(it.held, func(m linkMatch) bool { return m.seq == seq }); i >= 0 {
					ms = append(ms, it.held[i])
				}
				continue
			}
			ms = append(ms, d.judgeCandidate(it, cands[seq]))
		}
	}
	if m := best(ms); m != nil {
		out := *m
		return &out
	}
	return nil
}
