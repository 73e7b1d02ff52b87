package db

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/verbatimhq/verbatim/similar"
)

// ImportRecord is one quote to load, in the create shape with an optional external key,
// verdicts and citations — or, from an export, the exported record itself, which keeps
// its IDs, times and authors so that the archive comes back exactly.
type ImportRecord struct {
	Line       int    // where the record stood in its file, for error reports
	ExternalID string // the key that makes a re-import change nothing; derived when empty
	Quote      QuoteInput
	Verdicts   []ImportVerdict
	Citations  []CitationInput
	// Appearances are places the words were printed again, recorded with the quote
	// (confirmed when the linking rule would confirm them, else as the importer may);
	// FirstAppearanceURL pins the one at that URL as the first. Via says what they came
	// from ("import" when empty; "claimreview" from a ClaimReview's appearance).
	Appearances        []AppearanceInput
	FirstAppearanceURL *string
	Via                string
	// Reappears says the record's quote may be stored already under its key — a corpus
	// that lists one quotation with every article that printed it, in several files
	// (Quotebank) — and then the record adds the appearances the stored quote lacks (by
	// URL) and changes nothing else.
	Reappears bool
	// Printed says the appearances' words are as the article printed them (Quotebank's
	// article-centric lines): they replace the words an import gave a stored appearance
	// at the same URL (the corpus-wide form of the quotation-centric lines).
	Printed  bool
	Exported *Record

	prep *prepared
}

// prepared is the part of importing a record that needs no database.
type prepared struct {
	err   *Error   // the rules the record breaks
	key   string   // the external key
	tags  []string // normalised
	bands []int64  // variant band keys, for the bulk path
	// features are the words' (similar.Features), which linking compares.
	features similar.Set
}

// Prepare does the part of importing the record that needs no database — checking it
// against the rules, its key, tags and variant bands — so that a reader can do it on
// another core while the previous batch is written. Import prepares any record that was
// not, so no record escapes the rules.
func (r *ImportRecord) Prepare() {
	if r.prep != nil {
		return
	}
	if err := r.check(); err != nil {
		r.prep = &prepared{err: err}
		return
	}
	p := &prepared{key: r.ExternalID, tags: normalizeTags(r.Quote.Tags)}
	if p.key == "" {
		p.key = contentKey(r.Quote)
	}
	if bulkEligible(r) {
		p.features = similar.Features(r.Quote.Text)
		p.bands = similar.BandKeys(p.features)
	}
	r.prep = p
}

// ImportVerdict is a verdict given with an imported quote; its citations are named by
// URL among the record's citations.
type ImportVerdict struct {
	Attribution  string
	Rating       *string
	Summary      string
	CitationURLs []string
}

// ImportResult counts what an import did and explains every rejected record.
type ImportResult struct {
	Created   int `json:"created" example:"9980"`
	Updated   int `json:"updated" example:"0"`
	Unchanged int `json:"unchanged" example:"12"`
	Rejected  int `json:"rejected" example:"8"`
	// Linked counts the records whose words the archive held already: each became an
	// appearance of the stored quote, not a quote. Suggested counts the records stored as
	// quotes with a suggested link to one, for a fact-checker (they count as created too).
	Linked    int `json:"linked" example:"40"`
	Suggested int `json:"suggested" example:"3"`
	// LastLine is the last line of the input settled — committed, found unchanged or
	// rejected; an import that stopped part way can be run again from the next.
	LastLine int               `json:"last_line" example:"10000"`
	Errors   []ImportLineError `json:"errors"`
	// LoadID names the load that recorded this import (GET /v1/loads/{id}): who loaded
	// what, when, and what it made; the audit of each quote it created points there.
	LoadID string `json:"load_id,omitempty" example:"ld_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
} //@name ImportResult

// ImportLineError is why one line of an import was rejected.
type ImportLineError struct {
	Line    int    `json:"line" example:"17"`
	Field   string `json:"field,omitempty" example:"said_on"`
	Message string `json:"message" example:"\"2025-13-01\" is not a date"`
} //@name ImportLineError

// Add folds another batch's result into r.
func (r *ImportResult) Add(o ImportResult) {
	r.Created += o.Created
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
	r.Rejected += o.Rejected
	r.Linked += o.Linked
	r.Suggested += o.Suggested
	r.Errors = append(r.Errors, o.Errors...)
}

// Reject records a record that could not be read at all.
func (r *ImportResult) Reject(line int, field, msg string) {
	r.Rejected++
	r.Errors = append(r.Errors, ImportLineError{Line: line, Field: field, Message: msg})
}

// Import loads a batch of records in one transaction: a record that fails is rolled back
// alone and reported with its line, and the rest commit together. A record whose key is
// already stored is compared: unchanged, or updated in place.
//
// Most batches are clean, so a batch is first tried whole; only when a record fails is it
// run again record by record behind savepoints (a savepoint per record cost a seventh of
// an import).
//
// Every record is held to the API's rules and needs the role its writes need (see
// needs): a record that breaks a rule, or that the actor may not write, is rejected with
// its line; the rest go in. Forbidden when the actor may not import at all.
func (d *DB) Import(ctx context.Context, batch []ImportRecord) (ImportResult, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return ImportResult{}, err
	}
	actor := actorOf(ctx)
	var refused ImportResult
	var kept []ImportRecord
	for i := range batch {
		r := &batch[i]
		r.Prepare()
		var e *Error
		if r.prep.err != nil {
			e = r.prep.err
		} else if perm, field := r.needs(); !actor.Can(perm) {
			e = authorize(ctx, perm, field).(*Error)
		}
		if e == nil {
			if kept != nil {
				kept = append(kept, *r)
			}
			continue
		}
		if kept == nil {
			kept = append(make([]ImportRecord, 0, len(batch)), batch[:i]...)
		}
		msg := e.Message
		if len(e.Fields) > 1 {
			msg += fmt.Sprintf(" (and %d more: %s)", len(e.Fields)-1, moreFields(e.Fields[1:]))
		}
		refused.Reject(r.Line, e.Field, msg)
	}
	if kept != nil {
		batch = kept
	}
	res, err := d.importBatch(ctx, batch, refused, false)
	if errors.Is(err, errRecord) {
		res, err = d.importBatch(ctx, batch, refused, true)
	}
	if err != nil {
		return res, err
	}
	res.Add(refused)
	slices.SortStableFunc(res.Errors, func(a, b ImportLineError) int { return a.Line - b.Line })
	return res, nil
}

// BeginLoad prepares the archive for an import of many batches — on an engine that can,
// into an empty archive, by deferring the indexes to the end — and returns what to call
// after the last batch, whatever happened. Forbidden when the actor may not import.
func (d *DB) BeginLoad(ctx context.Context) (func(context.Context) error, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if l, ok := d.eng.(Loader); ok {
		finish, err := l.BeginLoad(ctx)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			defer d.committed()
			return finish(ctx)
		}, nil
	}
	return func(context.Context) error { return nil }, nil
}

// moreFields names the further failing fields of a rejected record.
func moreFields(fe []FieldError) string {
	names := make([]string, 0, len(fe))
	for _, f := range fe {
		names = append(names, f.Field)
	}
	return strings.Join(names, ", ")
}

// errRecord aborts a batch tried whole when one of its records fails.
var errRecord = errors.New("a record failed")

// importBatch writes a batch in one transaction; refused are its records refused before
// it (a load counts them with the batch).
func (d *DB) importBatch(ctx context.Context, batch []ImportRecord, refused ImportResult, savepoints bool) (ImportResult, error) {
	var res ImportResult
	var stage *candidateStage
	err := d.write(ctx, func(tx Tx) error {
		res, stage = ImportResult{}, nil
		known := newNames() // found or created in this batch
		ctx := context.WithValue(ctx, namesKey{}, known)
		var loaded *loadBatch
		if loadOf(ctx) != "" && len(batch) > 0 {
			var err error
			if loaded, err = d.openLoadBatch(ctx, tx, batch); err != nil { // anew on every attempt
				return err
			}
			ctx = context.WithValue(ctx, loadBatchKey{}, loaded)
		}
		todo := make([]*ImportRecord, 0, len(batch))
		if !savepoints {
			// New quotes with nothing hanging off them go in many at a time; the rest,
			// record by record.
			var bulk []*ImportRecord
			for i := range batch {
				if bulkEligible(&batch[i]) {
					bulk = append(bulk, &batch[i])
				} else {
					todo = append(todo, &batch[i])
				}
			}
			var err error
			if stage, err = d.candidates.refresh(ctx, tx); err != nil {
				return err
			}
			done, rest, err := d.bulkInsert(ctx, tx, bulk, stage)
			if err != nil {
				var e *Error
				if errors.As(err, &e) && e.Code != Internal && e.Code != Unavailable {
					return errRecord
				}
				return err
			}
			res.Add(done)
			todo = append(todo, rest...)
		} else {
			for i := range batch {
				todo = append(todo, &batch[i])
			}
		}
		for _, rec := range todo {
			var noted loadBatch
			if savepoints {
				if err := tx.Savepoint(ctx); err != nil {
					return fmt.Errorf("db: savepoint: %w", err)
				}
				if loaded != nil {
					noted = *loaded
				}
			}
			outcome, err := d.importOne(ctx, tx, rec)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code == Internal || e.Code == Unavailable {
					return err // not the record's fault: the batch fails and can be retried
				}
				if !savepoints {
					return errRecord
				}
				if rerr := tx.RollbackToSavepoint(ctx); rerr != nil {
					return fmt.Errorf("db: rollback record: %w", rerr)
				}
				known.forget() // the rolled-back record may have created a speaker or outlet
				if loaded != nil {
					*loaded = noted // nor is its quote the load's
				}
				res.Reject(rec.Line, e.Field, e.Message)
			} else {
				switch outcome {
				case "created":
					res.Created++
				case "suggested":
					res.Created++
					res.Suggested++
				case "linked":
					res.Linked++
				case "updated":
					res.Updated++
				default:
					res.Unchanged++
				}
			}
			if savepoints {
				if err := tx.ReleaseSavepoint(ctx); err != nil {
					return fmt.Errorf("db: release savepoint: %w", err)
				}
			}
		}
		counted := res
		counted.Add(refused)
		return commitLoadBatch(ctx, tx, batch, counted)
	})
	if err == nil {
		d.candidates.keep(stage)
	}
	return res, err
}

// contentKey is the external key of a record that brings none: the same words by the
// same speaker on the same day are the same record.
func contentKey(in QuoteInput) string {
	var speaker, said string
	if in.SpeakerName != nil {
		speaker = *in.SpeakerName
	} else if in.SpeakerID != nil {
		speaker = *in.SpeakerID
	}
	if in.SaidOn != nil {
		said = *in.SaidOn
	}
	h := sha256.Sum256([]byte(in.Text + "\x00" + strings.ToLower(speaker) + "\x00" + said))
	return "sha256:" + hex.EncodeToString(h[:16])
}

// bringsOwn says the record brings verdicts, citations or appearances of its own: its
// words are linked to a stored quote by a suggestion at most.
func (r *ImportRecord) bringsOwn() bool {
	return len(r.Verdicts) > 0 || len(r.Citations) > 0 || len(r.Appearances) > 0
}

func (d *DB) importOne(ctx context.Context, tx Tx, rec *ImportRecord) (string, error) {
	if rec.Exported != nil {
		return d.importExported(ctx, tx, rec.Exported)
	}
	key := rec.prep.key
	existing, err := tx.QuoteIDByExternalID(ctx, key)
	if err != nil {
		return "", fmt.Errorf("db: find imported quote: %w", err)
	}
	if existing != "" {
		if rec.Reappears {
			return d.addAppearances(ctx, tx, existing, rec)
		}
		return d.reimport(ctx, tx, existing, rec.Quote)
	}
	if appeared, err := tx.AppearanceByExternalID(ctx, key); err != nil {
		return "", fmt.Errorf("db: find imported appearance: %w", err)
	} else if appeared != "" {
		return "unchanged", nil // linked as an appearance when first imported
	}
	in := rec.Quote
	in.suggestOnly = rec.bringsOwn()
	q, link, _, err := d.recordQuote(ctx, tx, in, &key, nil, "import")
	if err != nil {
		return "", err
	}
	if link != nil && link.Outcome == "appearance" {
		return "linked", nil
	}
	outcome := "created"
	if link != nil {
		outcome = "suggested"
	}
	byURL := map[string]string{}
	for i, c := range rec.Citations {
		cit, err := d.insertCitation(ctx, tx, q, c)
		if err != nil {
			return "", prefixField(err, fmt.Sprintf("citations[%d]", i))
		}
		byURL[c.URL] = cit
	}
	for i, v := range rec.Verdicts {
		in := VerdictInput{Attribution: v.Attribution, Rating: v.Rating, Summary: v.Summary}
		for _, u := range v.CitationURLs {
			in.CitationIDs = append(in.CitationIDs, byURL[u])
		}
		if _, err := d.appendVerdict(ctx, tx, q.ID, nil, in); err != nil {
			return "", prefixField(err, fmt.Sprintf("verdicts[%d]", i))
		}
	}
	var first string
	for i, a := range rec.Appearances {
		a.via = cmp.Or(rec.Via, "import")
		made, err := d.insertAppearance(ctx, tx, q, a)
		if err != nil {
			return "", prefixField(err, fmt.Sprintf("appearances[%d]", i))
		}
		if rec.FirstAppearanceURL != nil && a.URL != nil && *a.URL == *rec.FirstAppearanceURL && made.State == "confirmed" {
			first = made.ID
		}
	}
	if first != "" {
		pin := &PinInput{AppearanceID: first, Reason: "the imported record names it the first appearance"}
		if _, err := d.pinFirst(ctx, tx, q.ID, nil, pin); err != nil {
			return "", prefixField(err, "first_appearance")
		}
	}
	return outcome, nil
}

// addAppearances records on the stored quote id (or the quote it was merged into) the
// record's appearances it lacks, by URL, and — for a record of printed words — gives
// those it has, when an import recorded them, the words as printed: "updated" when
// anything changed, else "unchanged".
func (d *DB) addAppearances(ctx context.Context, tx Tx, id string, rec *ImportRecord) (string, error) {
	q, err := findQuote(ctx, tx, id, true)
	var e *Error
	if errors.As(err, &e) && e.Code == Moved {
		q, err = findQuote(ctx, tx, e.To, true)
	}
	if err != nil {
		return "", err
	}
	stored, err := tx.AppearancesOf(ctx, []int64{q.Seq})
	if err != nil {
		return "", fmt.Errorf("db: read appearances: %w", err)
	}
	have := map[string]*Appearance{}
	for _, a := range stored[q.Seq] {
		if a.URL != nil {
			have[*a.URL] = a
		}
	}
	via := cmp.Or(rec.Via, "import")
	changed := 0
	for i, a := range rec.Appearances {
		if a.URL == nil {
			continue
		}
		field := fmt.Sprintf("appearances[%d]", i)
		if cur := have[*a.URL]; cur != nil {
			// Words a person recorded stay; an import's corpus-wide form gives way to the
			// article's own.
			if !rec.Printed || cur.Via != via || cur.Words == a.Words {
				continue
			}
			if err := validateInput(&a); err != nil {
				return "", prefixField(err, field)
			}
			next := *cur
			next.Words, next.Version, next.UpdatedAt = a.Words, cur.Version+1, d.now()
			withDrift(q.Text, &next)
			if err := tx.UpdateAppearance(ctx, cur, &next); err != nil {
				return "", writeError("appearance", err)
			}
			if err := d.appeared(ctx, tx, q, cur, &next); err != nil {
				return "", err
			}
			changed++
			continue
		}
		a.via = via
		made, err := d.insertAppearance(ctx, tx, q, a)
		if err != nil {
			return "", prefixField(err, field)
		}
		have[*a.URL] = made
		changed++
	}
	if changed == 0 {
		return "unchanged", nil
	}
	return "updated", nil
}

// reimport compares a stored quote with its record again: the same fields change nothing,
// different ones are an update.
func (d *DB) reimport(ctx context.Context, tx Tx, id string, in QuoteInput) (string, error) {
	cur, err := findQuote(ctx, tx, id, false)
	if err != nil {
		return "", err
	}
	p := QuotePatch{Text: set(in.Text), SpeakerRole: setPtr(in.SpeakerRole), Context: setPtr(in.Context),
		Setting: setPtr(in.Setting), Lang: setPtr(in.Lang), SourceURL: setPtr(in.SourceURL), Tags: set(in.Tags)}
	if in.Tags == nil {
		p.Tags = set([]string{})
	}
	if in.SaidOn != nil {
		p.SaidOn, p.DatePrecision = set(*in.SaidOn), setPtr(in.DatePrecision)
	} else {
		p.SaidOn, p.DatePrecision = Field[string]{Set: true, Null: true}, Field[string]{Set: true, Null: true}
	}
	if in.SpeakerID != nil {
		p.SpeakerID = set(*in.SpeakerID)
	} else if in.SpeakerName != nil && !strings.EqualFold(*in.SpeakerName, cur.Speaker.Name) {
		p.SpeakerName = set(*in.SpeakerName)
	}
	switch {
	case in.OutletID != nil:
		p.OutletID = set(*in.OutletID)
	case in.OutletName != nil && (cur.Outlet == nil || !strings.EqualFold(*in.OutletName, cur.Outlet.Name)):
		p.OutletName = set(*in.OutletName)
	case in.OutletName == nil && cur.Outlet != nil:
		p.OutletID = Field[string]{Set: true, Null: true}
	}
	changed, err := d.updateQuote(ctx, tx, id, nil, p)
	if err != nil || !changed {
		return "unchanged", err
	}
	return "updated", nil
}

// sameRecord is nil when r is the stored quote as an export writes it — the quote, its
// verdict history and its citations — and a Conflict naming the members that differ
// otherwise.
// asMerged is r with its speaker and outlet those of stored where they were merged into
// them since r was exported: a restore of an export taken before a merge is the same
// record, not a conflict.
func asMerged(ctx context.Context, tx Tx, stored *Quote, r *Record) (*Record, error) {
	q := *r.Quote
	to, err := followRedirect(ctx, tx, q.Speaker.ID)
	if err != nil {
		return nil, err
	}
	if to == stored.Speaker.ID {
		q.Speaker = stored.Speaker
	}
	if q.Outlet != nil && stored.Outlet != nil {
		if to, err = followRedirect(ctx, tx, q.Outlet.ID); err != nil {
			return nil, err
		}
		if to == stored.Outlet.ID {
			q.Outlet = stored.Outlet
		}
	}
	out := *r
	out.Quote = &q
	return &out, nil
}

func sameRecord(ctx context.Context, tx Tx, stored *Quote, r *Record) error {
	recs, err := completeRecords(ctx, tx, []*Quote{stored})
	if err != nil {
		return err
	}
	have, err := recordMembers(recs[0])
	if err != nil {
		return err
	}
	r, err = asMerged(ctx, tx, stored, r)
	if err != nil {
		return err
	}
	given, err := recordMembers(r)
	if err != nil {
		return err
	}
	var differ []string
	for name, v := range given {
		if !derived[name] && !bytes.Equal(v, have[name]) {
			differ = append(differ, name)
		}
	}
	if len(differ) == 0 {
		return nil
	}
	slices.Sort(differ)
	return errorf(Conflict, "id", fmt.Sprintf("conflict: the archive holds quote %s with other content (%s differ); the stored quote was kept — restore into an empty archive to replace it", r.ID, strings.Join(differ, ", ")))
}

// derived are the members of a record sameRecord does not compare: the speaker's and the
// outlet's own records, kept as stored, the current verdict, which is the newest of the
// verdicts it does compare, and the speaker's position, read from the speaker's record.
var derived = map[string]bool{"speaker_detail": true, "outlet_detail": true, "current_verdict": true, "speaker_position": true}

// recordMembers is a record's top-level JSON members, as an export writes them.
func recordMembers(r *Record) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("db: compare records: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("db: compare records: %w", err)
	}
	return m, nil
}

func set[T any](v T) Field[T] { return Field[T]{Set: true, Value: v} }

func setPtr(v *string) Field[string] {
	if v == nil {
		return Field[string]{Set: true, Null: true}
	}
	return set(*v)
}

func prefixField(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	field := prefix
	if e.Field != "" {
		field += "." + e.Field
	}
	fields := make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = FieldError{Field: prefix + "." + f.Field, Message: f.Message}
	}
	return &Error{Code: e.Code, Field: field, Message: e.Message, Fields: fields, err: e.err}
}

// restoreOwner stores the speaker or outlet (id) of an exported record by insert unless
// read finds it stored, and returns the ID that answers for it: a merged one's survivor,
// since a merged ID is never made again.
func restoreOwner(ctx context.Context, tx Tx, id string, read, insert func() error) (string, error) {
	to, err := followRedirect(ctx, tx, id)
	if err != nil || to != id {
		return to, err
	}
	if err := read(); errors.Is(err, ErrNoRow) {
		return id, insert()
	} else if err != nil {
		return "", fmt.Errorf("db: read %s: %w", id, err)
	}
	return id, nil
}

// importExported loads a record exported by Verbatim, keeping its IDs, times, authors and
// verdict history. A quote already stored under its ID is left as it is: unchanged when
// the record is the stored one, a conflict naming what differs when it is not — a restore
// must not pass over a line it did not apply as if it had. Speakers and outlets already
// stored are kept as they are; quotes refer to them by ID.
func (d *DB) importExported(ctx context.Context, tx Tx, r *Record) (string, error) {
	if stored, err := tx.Quote(ctx, r.ID, false); err == nil {
		return "unchanged", sameRecord(ctx, tx, stored, r)
	} else if !errors.Is(err, ErrNoRow) {
		return "", fmt.Errorf("db: find quote: %w", err)
	}
	sp := r.SpeakerDetail
	speakerID, err := restoreOwner(ctx, tx, sp.ID, func() error {
		_, err := tx.Speaker(ctx, sp.ID, false)
		return err
	}, func() error {
		stored := *sp
		stored.Aliases = dedupeNames(sp.Name, sp.Aliases)
		if err := tx.InsertSpeakers(ctx, &stored); err != nil {
			return prefixField(speakerWriteError(err), "speaker_detail")
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	var outletID *string
	if o := r.OutletDetail; o != nil {
		id, err := restoreOwner(ctx, tx, o.ID, func() error {
			_, err := tx.Outlet(ctx, o.ID, false)
			return err
		}, func() error {
			stored := *o
			stored.Aliases = dedupeNames(o.Name, o.Aliases)
			if err := tx.InsertOutlets(ctx, &stored); err != nil {
				return prefixField(outletWriteError(err), "outlet_detail")
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		outletID = &id
	}
	q := *r.Quote
	if q.SaidOn != nil {
		if _, _, err := dateSaid(q.SaidOn, q.DatePrecision); err != nil {
			return "", err
		}
	}
	q.Speaker = SpeakerRef{ID: speakerID}
	q.Outlet = nil
	if outletID != nil {
		q.Outlet = &OutletRef{ID: *outletID}
	}
	q.Tags = normalizeTags(q.Tags)
	q.CurrentVerdict, q.VerdictSeq, q.Snippet, q.PossibleDuplicates = nil, nil, nil, nil
	q.LoadedIn = loadedIn(ctx)
	if q.Seq, err = tx.InsertQuote(ctx, &q, nil, bands(q.Text)); err != nil {
		if errors.Is(err, ErrDuplicate) {
			return "", errorf(Conflict, "id", "another quote has this ID")
		}
		return "", writeError("quote", err)
	}
	for i, c := range r.Citations {
		if err := tx.InsertCitation(ctx, q.Seq, c); err != nil {
			return "", prefixField(citationWriteError(err), fmt.Sprintf("citations[%d]", i))
		}
		if c.Source != nil {
			// The page's check, as it stood: a restore loses nothing the export held.
			if err := tx.RestoreFetch(ctx, c.Seq, c.CreatedBy, c.Source); err != nil {
				return "", fmt.Errorf("db: restore a source check: %w", err)
			}
		}
	}
	var last int64
	for _, v := range r.Verdicts {
		if last, err = tx.InsertVerdict(ctx, q.Seq, v); err != nil {
			return "", writeError("verdict", err)
		}
	}
	if last != 0 {
		// The attribution, rating and version as exported, the verdicts behind them.
		if err := tx.SetVerdict(ctx, q.Seq, last, q.Attribution, q.Rating, q.Version, q.Version, q.UpdatedAt); err != nil {
			return "", writeError("quote", err)
		}
	}
	for i, a := range r.Appearances {
		if err := restoreAppearance(ctx, tx, &q, a); err != nil {
			return "", prefixField(err, fmt.Sprintf("appearances[%d]", i))
		}
	}
	if len(r.Appearances) > 0 {
		if err := tx.RefreshChain(ctx, q.Seq); err != nil {
			return "", fmt.Errorf("db: refresh the quote's chain: %w", err)
		}
	}
	return "created", d.record(ctx, tx, newChange("create", "quote", q.ID, q.ID, nil, &q))
}

// restoreAppearance stores an exported appearance of q as it was. Its outlet, known to
// the export by ID and name only, is the one stored under that ID (a merged one's
// survivor), or made again from them.
func restoreAppearance(ctx context.Context, tx Tx, q *Quote, a *Appearance) error {
	stored := *a
	stored.QuoteSeq, stored.QuoteID = q.Seq, q.ID
	withDrift(q.Text, &stored)
	if o := a.Outlet; o != nil {
		id, err := restoreOwner(ctx, tx, o.ID, func() error {
			_, err := tx.Outlet(ctx, o.ID, false)
			return err
		}, func() error {
			if err := tx.InsertOutlets(ctx, &Outlet{ID: o.ID, Name: o.Name, Aliases: []string{}, Version: 1,
				CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}); err != nil {
				return prefixField(outletWriteError(err), "outlet")
			}
			return nil
		})
		if err != nil {
			return err
		}
		stored.Outlet = &OutletRef{ID: id, Name: o.Name}
	}
	if err := tx.InsertAppearance(ctx, &stored); err != nil {
		if errors.Is(err, ErrDuplicate) {
			return errorf(Conflict, "id", "another appearance has this ID")
		}
		return writeError("appearance", err)
	}
	return nil
}
