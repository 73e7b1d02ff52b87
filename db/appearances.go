package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/search"
	"github.com/verbatimhq/verbatim/similar"
)

// Appearance is a place a quote's words were printed or broadcast again: a re-report. The
// quote's own record (said on, outlet, source URL) is the original; an appearance keeps
// the words exactly as printed there and their drift from the quote's, how it was matched
// to the quote and whether a fact-checker confirmed it. A suggested appearance is a link
// awaiting a fact-checker; when its words were recorded as a quote of their own
// (linked_quote_id), confirming the link folds that quote into this one.
type Appearance struct {
	ID      string     `json:"id" example:"app_01JS8X2W5Q7K3M9N4P6R8T0V50"`
	QuoteID string     `json:"quote_id" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	URL     *string    `json:"url" extensions:"x-nullable" example:"https://www.kyivpost.com/post/50000"`
	Outlet  *OutletRef `json:"outlet" extensions:"x-nullable"`
	// PublishedOn is when the words were printed there, as precise as date_precision says.
	PublishedOn   *string `json:"published_on" extensions:"x-nullable" format:"date" example:"2025-04-21"`
	DatePrecision *string `json:"date_precision" extensions:"x-nullable" enums:"day,month,year" example:"day"`
	// Words are the words exactly as printed there.
	Words string `json:"words" example:"NATO is not on the table"`
	// Start and End are where the words stood in the article, in characters, when known.
	Start *int `json:"start" extensions:"x-nullable" example:"1284"`
	End   *int `json:"end" extensions:"x-nullable" example:"1308"`
	// Via is what recorded it: an appearance recorded as one, a quote recorded (by the API
	// or the console) and linked, the extractor, an import, a ClaimReview import, or a
	// merge of a quote recorded separately.
	Via string `json:"via" enums:"appearance,record,extraction,import,claimreview,merge" example:"record"`
	// Match is how its words were matched to the quote's: exactly, once folded (case,
	// quotes, dashes — or as a run of the quote's words), nearly (score says how near), or
	// by a person's hand.
	Match string `json:"match" enums:"exact,folded,near,hand" example:"near"`
	// Score is the similarity of the words to the quote's (0..1): word and word-pair
	// overlap, or for a fragment the share of its words the quote has.
	Score *float64 `json:"score" extensions:"x-nullable" example:"0.71"`
	State string   `json:"state" enums:"suggested,confirmed,rejected" example:"confirmed"`
	// Drift is how the words differ from the quote's, word by word. Derived.
	Drift AppearanceDrift `json:"drift"`
	// LinkedQuoteID is the quote these words were recorded as, separately: confirming the
	// link folds it into this one (its ID then redirects here).
	LinkedQuoteID *string    `json:"linked_quote_id" extensions:"x-nullable" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V51"`
	Note          *string    `json:"note" extensions:"x-nullable" example:"Same interview, quoted by the Kyiv Post from the WSJ"`
	ReviewedBy    *string    `json:"reviewed_by" extensions:"x-nullable" example:"factcheck-desk"`
	ReviewedAt    *time.Time `json:"reviewed_at" extensions:"x-nullable" format:"date-time"`
	CreatedBy     string     `json:"created_by" example:"desk-ukraine"`
	Version       int64      `json:"version" example:"1"`
	CreatedAt     time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt     time.Time  `json:"updated_at" format:"date-time"`

	// Seq is the storage's key; QuoteSeq the key of its quote; ExternalID the import key
	// of the record that made it; LoadedIn, as a quote's, the audit entry of the load's
	// batch that created it.
	Seq        int64   `json:"-"`
	QuoteSeq   int64   `json:"-"`
	ExternalID *string `json:"-"`
	LoadedIn   int64   `json:"-"`
} //@name Appearance

// AppearanceDrift is how an appearance's words differ from its quote's.
type AppearanceDrift struct {
	// Class: identical; typographic (equal once quotes, dashes, case and spacing are
	// folded); fragment (a run of the quote's words); minor (at most 3 words changed,
	// added or dropped, and at most a third of the quote's); altered.
	Class string `json:"class" enums:"identical,typographic,fragment,minor,altered" example:"minor"`
	// ChangedWords is the larger of the words added and the words dropped.
	ChangedWords int `json:"changed_words" example:"1"`
	// Ops is the word-level diff from the quote's words to these.
	Ops []similar.Op `json:"ops"`
} //@name AppearanceDrift

// AppearanceCounts summarise a quote's chain of re-reports.
type AppearanceCounts struct {
	Confirmed int `json:"confirmed" example:"4"`
	// Drifted counts the confirmed appearances whose words were altered on the way (minor
	// or altered drift).
	Drifted int `json:"drifted" example:"1"`
	// Suggested counts the links awaiting a fact-checker.
	Suggested int `json:"suggested" example:"1"`
} //@name AppearanceCounts

// FirstAppearancePin is a fact-checker's choice of a quote's first appearance, with why.
type FirstAppearancePin struct {
	AppearanceID string    `json:"appearance_id" example:"app_01JS8X2W5Q7K3M9N4P6R8T0V50"`
	Reason       string    `json:"reason" example:"The WSJ printed it first; the Kyiv Post re-reported it"`
	PinnedBy     string    `json:"pinned_by" example:"factcheck-desk"`
	PinnedAt     time.Time `json:"pinned_at" format:"date-time"`
} //@name FirstAppearancePin

// Link is what recording a quote did with words the archive already held: made them an
// appearance of a stored quote (outcome "appearance": the quote answered is that one),
// or stored a new quote with a suggested link to one for a fact-checker (outcome
// "suggested").
type Link struct {
	Outcome    string      `json:"outcome" enums:"appearance,suggested" example:"appearance"`
	Appearance *Appearance `json:"appearance"`
	// Reason says why, in words.
	Reason string `json:"reason" example:"the same speaker's words, 0.91 similar to a stored quote, 14 words (confirmed from 5)"`
} //@name Link

// AppearanceInput records an appearance of a quote. Without state, the words decide:
// confirmed when they match the quote's as confidently as linking confirms (LinkPolicy),
// suggested otherwise. Editors may ask for suggested; confirming words that do not match
// so is a fact-checker's call.
type AppearanceInput struct {
	Words         string  `json:"words" validate:"required,notblank,max=20000" example:"NATO is not on the table"`
	URL           *string `json:"url,omitempty" format:"uri" validate:"omitempty,web_url,max=2048" example:"https://www.kyivpost.com/post/50000"`
	OutletID      *string `json:"outlet_id,omitempty" validate:"excluded_with=OutletName,omitempty,max=64"`
	OutletName    *string `json:"outlet_name,omitempty" validate:"omitempty,notblank,max=200" example:"Kyiv Post"`
	PublishedOn   *string `json:"published_on,omitempty" format:"date" example:"2025-04-21"`
	DatePrecision *string `json:"date_precision,omitempty" validate:"omitempty,date_precision" enums:"day,month,year" example:"day"`
	Start         *int    `json:"start,omitempty" validate:"omitempty,min=0,max=100000000" example:"1284"`
	End           *int    `json:"end,omitempty" validate:"omitempty,min=0,max=100000000" example:"1308"`
	State         *string `json:"state,omitempty" validate:"omitempty,appearance_input_state" enums:"suggested,confirmed" example:"confirmed"`
	Note          *string `json:"note,omitempty" validate:"omitempty,max=2000"`

	via   string // what records it; "appearance" when empty
	match string // how it was matched, when the caller matched it
	score *float64
	// linked is the quote the words were recorded as, for a suggested link.
	linked *string
	// externalID is the import key of the record that made it.
	externalID *string
} //@name AppearanceCreate

// AppearanceReview confirms or rejects a suggested appearance.
type AppearanceReview struct {
	Note *string `json:"note,omitempty" validate:"omitempty,max=2000" example:"Same interview, re-reported"`
	// KeepVerdict chooses, when confirming folds a quote that carries verdicts into one
	// that carries verdicts too, whose current verdict the survivor keeps: "quote" (the
	// quote the appearance belongs to) or "linked" (the quote folded in). Both histories
	// are kept either way.
	KeepVerdict *string `json:"keep_verdict,omitempty" validate:"omitempty,keep_verdict" enums:"quote,linked" example:"quote"`
} //@name AppearanceReview

// AppearanceRejection rejects a suggested appearance, saying why.
type AppearanceRejection struct {
	Note *string `json:"note,omitempty" validate:"omitempty,max=2000" example:"Another speaker's words"`
} //@name AppearanceRejection

// PinInput pins a quote's first appearance.
type PinInput struct {
	AppearanceID string `json:"appearance_id" validate:"required,max=64" example:"app_01JS8X2W5Q7K3M9N4P6R8T0V50"`
	Reason       string `json:"reason" validate:"required,notblank,max=2000" example:"The WSJ printed it first; the Kyiv Post re-reported it"`
} //@name FirstAppearancePinCreate

// AppearanceFilter selects appearances across the archive: the desk's queue of suggested
// links, or the checked quotes that reappeared.
type AppearanceFilter struct {
	State *string
	// Checked keeps appearances of quotes that carry a verdict (not unverified, or rated).
	Checked bool
	Limit   int
	Cursor  *string
}

// LinkPolicy decides what recorded words the archive already holds become. Words by the
// quote's own speaker, at least MinWords long (both), that match it typographically, as a
// run of its words, or at least ConfirmMin similar, changing no number and no negation,
// are the same quote: a confirmed appearance. Shorter such words, such words attributed to
// another speaker, and the speaker's own words from SuggestMin up are a suggested link for
// a fact-checker. The rest are another quote.
type LinkPolicy struct {
	ConfirmMin float64
	SuggestMin float64
	MinWords   int
}

// DefaultLinkPolicy is the policy chosen on PolNeAR's train split and reported on train and
// dev (scripts/linkeval, docs/BENCHMARKS.md).
var DefaultLinkPolicy = LinkPolicy{ConfirmMin: 0.8, SuggestMin: 0.45, MinWords: 5}

// check refuses a policy that cannot work.
func (p LinkPolicy) check() error {
	if p.SuggestMin <= 0 || p.SuggestMin > p.ConfirmMin || p.ConfirmMin > 1 || p.MinWords < 1 {
		return fmt.Errorf("db: link policy: need 0 < suggest ≤ confirm ≤ 1 and min words ≥ 1, got %+v", p)
	}
	return nil
}

// linkMatch is how recorded words compare with one stored quote's.
type linkMatch struct {
	seq        int64
	id         string
	jaccard    float64 // the words' similarity to the quote's, as /similar scores it
	text       string
	speaker    string
	class      string
	score      float64
	words      int // the shorter's word count: the recorded words', or the stored quote's
	sameSpeak  bool
	confirmed  bool
	suggested  bool
	matchKind  string
	reasonText string
}

// fragmentContainment is the share of recorded words' features a quote must hold for the
// words to be a run of its words (a fragment holds them all; tokenising may differ at a
// cut word).
const fragmentContainment = 0.9

// judge compares words by speaker with a stored quote: the one rule linking keeps, for
// every way words come in and for an appearance recorded by hand.
//
// fw are the words' features (similar.Features), computed once by a caller judging them
// against many quotes; nil computes them.
func (p LinkPolicy) judge(words string, fw similar.Set, speaker string, seq int64, text, textSpeaker string) linkMatch {
	if fw == nil {
		fw = similar.Features(words)
	}
	ft := fw // the very words, as a corpus' appearances mostly are: one set, not two
	if text != words {
		ft = similar.Features(text)
	}
	return p.judgeFeatures(words, fw, speaker, seq, text, ft, textSpeaker)
}

// judgeFeatures is judge with the stored quote's features (ft) known too.
func (p LinkPolicy) judgeFeatures(words string, fw similar.Set, speaker string, seq int64, text string,
	ft similar.Set, textSpeaker string) linkMatch {
	m := linkMatch{seq: seq, text: text, speaker: textSpeaker, sameSpeak: speaker == textSpeaker}
	jaccard, contained := similar.Likeness(fw, ft)
	m.jaccard = jaccard
	if jaccard < p.SuggestMin && contained < fragmentContainment {
		// Neither near nor a run of the quote's words: most candidates a band turns up
		// end here, before the word-by-word diff (a third of an import's time, else).
		return m
	}
	var ops []similar.Op
	m.class, ops, _ = similar.Drift(text, words)
	substantive := ""
	if m.class == similar.Minor || m.class == similar.Altered {
		substantive = similar.Substantive(ops)
	}
	m.score = jaccard
	if m.class == similar.Fragment {
		m.score = max(m.score, contained)
	}
	m.score = float64(int(m.score*1000+0.5)) / 1000
	m.words = min(wordCount(words), wordCount(text))
	switch m.class {
	case similar.Identical:
		m.matchKind = "exact"
	case similar.Typographic, similar.Fragment:
		m.matchKind = "folded"
	default:
		m.matchKind = "near"
	}
	close := m.class == similar.Identical || m.class == similar.Typographic || m.class == similar.Fragment || m.score >= p.ConfirmMin
	switch {
	case close && m.sameSpeak && m.words >= p.MinWords && substantive == "":
		m.confirmed = true
		m.reasonText = fmt.Sprintf("the same speaker's words, %s, %d words (confirmed from %d)", describe(m), m.words, p.MinWords)
	case close || (m.sameSpeak && m.score >= p.SuggestMin):
		// Another speaker's words are suggested only when they are the same words: a
		// middling likeness between two people's is what they both talk about.
		m.suggested = true
		switch {
		case substantive != "" && m.sameSpeak && m.words >= p.MinWords:
			m.reasonText = fmt.Sprintf("%s, but %s: a fact-checker decides", describe(m), substantive)
		case !m.sameSpeak:
			m.reasonText = fmt.Sprintf("%s, but attributed to another speaker: a fact-checker decides", describe(m))
		case m.words < p.MinWords:
			m.reasonText = fmt.Sprintf("%s, but only %d words (confirmed from %d): a fact-checker decides", describe(m), m.words, p.MinWords)
		default:
			m.reasonText = fmt.Sprintf("%s (confirmed from %.2f): a fact-checker decides", describe(m), p.ConfirmMin)
		}
	}
	return m
}

func describe(m linkMatch) string {
	switch m.class {
	case similar.Identical:
		return "identical to a stored quote"
	case similar.Typographic:
		return "a stored quote's words, typography aside"
	case similar.Fragment:
		return "a run of a stored quote's words"
	}
	return fmt.Sprintf("%.2f similar to a stored quote", m.score)
}

// wordCount is how many words s has, as search counts them.
func wordCount(s string) int { return len(search.Tokens(fold.String(s))) }

// best is the match linking acts on: a confirmed one before a suggestion, the quote's own
// speaker first, then the higher score, then the older quote.
func best(ms []linkMatch) *linkMatch {
	var out *linkMatch
	rank := func(m *linkMatch) int {
		switch {
		case m.confirmed:
			return 2
		case m.suggested:
			return 1
		}
		return 0
	}
	for i := range ms {
		m := &ms[i]
		if rank(m) == 0 {
			continue
		}
		if out == nil || rank(m) > rank(out) || (rank(m) == rank(out) && (m.sameSpeak && !out.sameSpeak ||
			m.sameSpeak == out.sameSpeak && (m.score > out.score || m.score == out.score && m.seq < out.seq))) {
			out = m
		}
	}
	return out
}

// linkCandidateCap is how many stored quotes recorded words are judged against: those
// sharing the most variant bands with them. A re-report shares most of its quote's.
const linkCandidateCap = 20

// linkCandidates are the stored quotes recorded words may repeat, judged: found by their
// variant bands (never a scan), exclude left out.
func (d *DB) linkCandidates(ctx context.Context, tx Tx, words, speaker string, exclude int64) ([]linkMatch, error) {
	fw := similar.Features(words)
	keys := similar.BandKeys(fw)
	if len(keys) == 0 {
		return nil, nil
	}
	cands, err := tx.SimilarCandidates(ctx, keys, exclude, linkCandidateCap)
	if err != nil {
		return nil, fmt.Errorf("db: link candidates: %w", err)
	}
	out := make([]linkMatch, 0, len(cands))
	for _, c := range cands {
		m := d.link.judge(words, fw, speaker, c.Seq, c.Text, c.SpeakerID)
		m.id = c.ID
		out = append(out, m)
	}
	return out, nil
}

// drift fills in an appearance's drift against its quote's text.
func withDrift(text string, as ...*Appearance) {
	for _, a := range as {
		a.Drift.Class, a.Drift.Ops, a.Drift.ChangedWords = similar.Drift(text, a.Words)
		if a.Drift.Ops == nil {
			a.Drift.Ops = []similar.Op{}
		}
	}
}

// findAppearance reads an appearance of the quote q. NotFound.
func findAppearance(ctx context.Context, tx Tx, q *Quote, id string, lock bool) (*Appearance, error) {
	a, err := tx.Appearance(ctx, q.Seq, id, lock)
	if errors.Is(err, ErrNoRow) {
		return nil, errorf(NotFound, "", "this quote has no appearance with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read appearance: %w", err)
	}
	withDrift(q.Text, a)
	return a, nil
}

// CreateAppearance records an appearance of a quote (see AppearanceInput for its state).
// NotFound, Moved (the quote was merged: a write is refused with where it went),
// Malformed, Invalid, Forbidden (an editor confirming uncertain words).
func (d *DB) CreateAppearance(ctx context.Context, quoteID string, in AppearanceInput) (*Appearance, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	var a *Appearance
	err := d.write(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, true)
		if err != nil {
			return err
		}
		a, err = d.insertAppearance(ctx, tx, q, in)
		return err
	})
	return a, err
}

// insertAppearance writes an appearance of q, deciding its state and how it matched,
// refreshes q's chain and tells who must hear of a checked quote reappearing.
func (d *DB) insertAppearance(ctx context.Context, tx Tx, q *Quote, in AppearanceInput) (*Appearance, error) {
	a, err := d.newAppearance(ctx, tx, q, in)
	if err != nil {
		return nil, err
	}
	if err := tx.InsertAppearance(ctx, a); err != nil {
		return nil, writeError("appearance", err)
	}
	if err := d.appeared(ctx, tx, q, nil, a); err != nil {
		return nil, err
	}
	if a.Outlet != nil { // its name, as a read shows it
		return findAppearance(ctx, tx, q, a.ID, false)
	}
	return a, nil
}

// newAppearance is the appearance in makes of q, checked and judged, with its drift: what
// insertAppearance stores, and a bulk import many at a time (draftAppearance on every
// core, then finishAppearance in order).
func (d *DB) newAppearance(ctx context.Context, tx Tx, q *Quote, in AppearanceInput) (*Appearance, error) {
	a, m, err := d.draftAppearance(ctx, q, in, d.now())
	if err != nil {
		return nil, err
	}
	return d.finishAppearance(ctx, tx, a, m, in)
}

// draftAppearance is the part of newAppearance that needs no database: the checks, the
// judgement of the words against the quote's, the drift.
func (d *DB) draftAppearance(ctx context.Context, q *Quote, in AppearanceInput, now time.Time) (*Appearance, linkMatch, error) {
	var m linkMatch
	if err := validateInput(&in); err != nil {
		return nil, m, err
	}
	published, prec, err := datePrecise("published_on", in.PublishedOn, in.DatePrecision)
	if err != nil {
		return nil, m, err
	}
	if in.Start != nil && in.End != nil && *in.End < *in.Start {
		return nil, m, errorf(Invalid, "end", "must not come before start")
	}
	state := "suggested"
	if in.match != "" {
		// Linking matched the words, judging them with both speakers: its state stands.
		state = *in.State
	} else if m = d.link.judge(in.Words, nil, q.Speaker.ID, q.Seq, q.Text, q.Speaker.ID); m.confirmed {
		state = "confirmed"
	}
	if in.State != nil && in.match == "" {
		state = *in.State // a fact-checker's to set against the rule: finishAppearance
	}
	a := &Appearance{QuoteID: q.ID, URL: in.URL, PublishedOn: published, DatePrecision: prec,
		Words: in.Words, Start: in.Start, End: in.End, Via: in.via, Match: in.match, Score: in.score, State: state,
		LinkedQuoteID: in.linked, Note: in.Note, CreatedBy: actorOf(ctx).Name, Version: 1, CreatedAt: now, UpdatedAt: now,
		QuoteSeq: q.Seq, ExternalID: in.externalID, LoadedIn: loadedIn(ctx)}
	if a.Via == "" {
		a.Via, a.Match = "appearance", "hand"
	}
	if a.Match == "" {
		a.Match = m.matchKind
	}
	if a.Score == nil {
		a.Score = &m.score
	}
	withDrift(q.Text, a)
	return a, m, nil
}

// finishAppearance is the rest of newAppearance, in the writing transaction: the outlet
// found or made, the right to confirm what the rule would not, the ID.
func (d *DB) finishAppearance(ctx context.Context, tx Tx, a *Appearance, m linkMatch, in AppearanceInput) (*Appearance, error) {
	outletID, err := d.resolveOutlet(ctx, tx, in.OutletID, in.OutletName)
	if err != nil {
		return nil, err
	}
	if in.State != nil && in.match == "" && *in.State == "confirmed" && !m.confirmed {
		// Words the rule would not confirm are a fact-checker's to confirm.
		if err := authorize(ctx, PermMerge, "state"); err != nil {
			return nil, err
		}
	}
	if outletID != nil {
		a.Outlet = &OutletRef{ID: *outletID}
	}
	a.ID = newID("app_", a.CreatedAt)
	return a, nil
}

// appeared records a change of an appearance (before nil: created): the quote's chain
// refreshed, its audit and events (appearanceChange).
func (d *DB) appeared(ctx context.Context, tx Tx, q *Quote, before, after *Appearance) error {
	if err := tx.RefreshChain(ctx, q.Seq); err != nil {
		return fmt.Errorf("db: refresh the quote's chain: %w", err)
	}
	audited, news := appearanceChange(q, before, after)
	if err := d.record(ctx, tx, audited); err != nil {
		return err
	}
	return d.emit(ctx, tx, news...)
}

// appearanceChange is what a change of an appearance of q records: its audit entry, and —
// when the appearance is newly confirmed on a quote that carries a verdict — the news,
// quote.reappeared, the moment a newsroom must hear of (not audited: the appearance's own
// entry records what happened).
func appearanceChange(q *Quote, before, after *Appearance) (audited change, news []change) {
	action := "update"
	if before == nil {
		action = "create"
	}
	audited = newChange(action, "appearance", after.ID, q.ID, before, after)
	newly := after.State == "confirmed" && (before == nil || before.State != "confirmed")
	if !newly || (q.Attribution == "unverified" && q.Rating == nil) {
		return audited, nil
	}
	c := newChange("reappear", "quote", q.ID, q.ID, nil, q)
	c.appearance = after.ID
	return audited, []change{c}
}

// Appearance returns one appearance of a quote. NotFound, Moved.
func (d *DB) Appearance(ctx context.Context, quoteID, id string) (*Appearance, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	var a *Appearance
	err := d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		a, err = findAppearance(ctx, tx, q, id, false)
		return err
	})
	return a, err
}

// ListAppearances lists a quote's appearances in the chain's order: by date published
// (undated last), then as recorded. Rejected links are listed too, marked so.
func (d *DB) ListAppearances(ctx context.Context, quoteID string, limit int, cursor *string) (Page[*Appearance], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Appearance]{}, err
	}
	limit = clampLimit(limit)
	c, err := d.decodeCursor(cursor, "appearances")
	if err != nil {
		return Page[*Appearance]{}, err
	}
	var rows []*Appearance
	err = d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		var key string
		var seq int64
		if c != nil {
			key, seq = c.Key, c.Seq
		}
		if rows, err = tx.ListAppearances(ctx, q.Seq, key, seq, limit+1); err != nil {
			return fmt.Errorf("db: list appearances: %w", err)
		}
		withDrift(q.Text, rows...)
		return nil
	})
	if err != nil {
		return Page[*Appearance]{}, err
	}
	return page(d, rows, limit, func(a *Appearance) Cursor {
		return Cursor{Sort: "appearances", Key: chainKey(a), Seq: a.Seq}
	}), nil
}

// chainKey orders a quote's appearances: dated ones by date, undated after.
func chainKey(a *Appearance) string {
	if a.PublishedOn == nil {
		return "~"
	}
	return *a.PublishedOn
}

// ListAppearancesAll lists appearances across the archive, newest first: the desk's queue
// of suggested links (State "suggested"), or checked quotes reappearing (State
// "confirmed", Checked).
func (d *DB) ListAppearancesAll(ctx context.Context, f AppearanceFilter) (Page[*Appearance], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Appearance]{}, err
	}
	if f.State != nil && !slices.Contains(AppearanceStates, *f.State) {
		return Page[*Appearance]{}, errorf(Malformed, "state", "must be one of: "+strings.Join(AppearanceStates, ", "))
	}
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "all-appearances")
	if err != nil {
		return Page[*Appearance]{}, err
	}
	var rows []*Appearance
	err = d.read(ctx, func(tx Tx) error {
		state := ""
		if f.State != nil {
			state = *f.State
		}
		var before int64
		if c != nil {
			before = c.Seq
		}
		var err error
		if rows, err = tx.ListAllAppearances(ctx, state, f.Checked, before, limit+1); err != nil {
			return fmt.Errorf("db: list appearances: %w", err)
		}
		return d.withQuoteDrift(ctx, tx, rows)
	})
	if err != nil {
		return Page[*Appearance]{}, err
	}
	return page(d, rows, limit, func(a *Appearance) Cursor { return Cursor{Sort: "all-appearances", Seq: a.Seq} }), nil
}

// withQuoteDrift fills in the drift of appearances of several quotes.
func (d *DB) withQuoteDrift(ctx context.Context, tx Tx, as []*Appearance) error {
	if len(as) == 0 {
		return nil
	}
	seqs := make([]int64, 0, len(as))
	seen := map[int64]bool{}
	for _, a := range as {
		if !seen[a.QuoteSeq] {
			seen[a.QuoteSeq] = true
			seqs = append(seqs, a.QuoteSeq)
		}
	}
	quotes, err := tx.QuotesBySeq(ctx, seqs)
	if err != nil {
		return fmt.Errorf("db: read quotes: %w", err)
	}
	texts := make(map[int64]string, len(quotes))
	for _, q := range quotes {
		texts[q.Seq] = q.Text
	}
	for _, a := range as {
		withDrift(texts[a.QuoteSeq], a)
	}
	return nil
}

// ConfirmAppearance confirms a suggested appearance. When its words were recorded as a
// quote of their own, that quote is folded into this one (see mergeQuote). Fact-checkers.
// NotFound, PreconditionFailed (ifMatch, the appearance's version), Conflict (not
// suggested: confirmed or rejected already; two quotes with verdicts and no choice).
func (d *DB) ConfirmAppearance(ctx context.Context, quoteID, id string, ifMatch []int64, in AppearanceReview) (*Appearance, error) {
	return d.reviewAppearance(ctx, quoteID, id, ifMatch, in, "confirmed")
}

// RejectAppearance rejects a suggested appearance: the words are not this quote's. A
// quote they were recorded as stays a quote of its own. Fact-checkers.
func (d *DB) RejectAppearance(ctx context.Context, quoteID, id string, ifMatch []int64, in AppearanceRejection) (*Appearance, error) {
	return d.reviewAppearance(ctx, quoteID, id, ifMatch, AppearanceReview{Note: in.Note}, "rejected")
}

func (d *DB) reviewAppearance(ctx context.Context, quoteID, id string, ifMatch []int64, in AppearanceReview, state string) (*Appearance, error) {
	if err := authorize(ctx, PermMerge, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	var out *Appearance
	err := d.write(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, true)
		if err != nil {
			return err
		}
		cur, err := findAppearance(ctx, tx, q, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		if cur.State != "suggested" {
			return errorf(Conflict, "", fmt.Sprintf("this appearance was %s already, by %s", cur.State, deref(cur.ReviewedBy, cur.CreatedBy)))
		}
		now := d.now()
		next := *cur
		next.State, next.Note, next.ReviewedBy, next.ReviewedAt = state, in.Note, ptr(actorOf(ctx).Name), &now
		next.Version, next.UpdatedAt = cur.Version+1, now
		if state == "confirmed" && cur.LinkedQuoteID != nil {
			if err := d.mergeQuote(ctx, tx, q, &next, in); err != nil {
				return err
			}
			if q, err = findQuote(ctx, tx, quoteID, true); err != nil {
				return err
			}
		}
		withDrift(q.Text, &next)
		if err := tx.UpdateAppearance(ctx, cur, &next); err != nil {
			return writeError("appearance", err)
		}
		if err := d.appeared(ctx, tx, q, cur, &next); err != nil {
			return err
		}
		out, err = findAppearance(ctx, tx, q, id, false)
		return err
	})
	return out, err
}

func deref(s *string, or string) string {
	if s == nil {
		return or
	}
	return *s
}

// PinFirstAppearance pins a quote's first appearance to one of its confirmed
// appearances, with the reason: the derived one (earliest by date) is what the records
// say, and a fact-checker may know better. Fact-checkers. NotFound, PreconditionFailed
// (the quote's version), Invalid (no such confirmed appearance).
func (d *DB) PinFirstAppearance(ctx context.Context, quoteID string, ifMatch []int64, in *PinInput) (*Quote, error) {
	if err := authorize(ctx, PermMerge, ""); err != nil {
		return nil, err
	}
	if in != nil {
		if err := validateInput(in); err != nil {
			return nil, err
		}
	}
	err := d.write(ctx, func(tx Tx) error {
		_, err := d.pinFirst(ctx, tx, quoteID, ifMatch, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Quote(ctx, quoteID)
}

// pinFirst is PinFirstAppearance in tx; it reports whether the pin changed.
func (d *DB) pinFirst(ctx context.Context, tx Tx, quoteID string, ifMatch []int64, in *PinInput) (bool, error) {
	cur, err := findQuote(ctx, tx, quoteID, true)
	if err != nil {
		return false, err
	}
	if err := checkVersion(cur.Version, ifMatch); err != nil {
		return false, err
	}
	next := *cur
	next.FirstAppearancePin = nil
	if in != nil {
		a, err := tx.Appearance(ctx, cur.Seq, in.AppearanceID, false)
		if errors.Is(err, ErrNoRow) {
			return false, errorf(Invalid, "appearance_id", "this quote has no appearance with this ID")
		} else if err != nil {
			return false, fmt.Errorf("db: read appearance: %w", err)
		}
		if a.State != "confirmed" {
			return false, errorf(Invalid, "appearance_id", fmt.Sprintf("this appearance is %s: only a confirmed one can be the first", a.State))
		}
		next.FirstAppearancePin = &FirstAppearancePin{AppearanceID: a.ID, Reason: in.Reason, PinnedBy: actorOf(ctx).Name, PinnedAt: d.now()}
	}
	c := newChange("update", "quote", cur.ID, cur.ID, cur, &next)
	if c.none() {
		return false, nil
	}
	next.Version, next.UpdatedAt = cur.Version+1, d.now()
	if err := tx.UpdateQuote(ctx, cur, &next, nil); err != nil {
		return false, writeError("quote", err)
	}
	if err := tx.RefreshChain(ctx, cur.Seq); err != nil {
		return false, fmt.Errorf("db: refresh the quote's chain: %w", err)
	}
	return true, d.record(ctx, tx, c)
}

// pinJSON is a pin as the engines store it.
func PinJSON(p *FirstAppearancePin) *string {
	if p == nil {
		return nil
	}
	b, _ := json.Marshal(p) // strings and a time always marshal
	s := string(b)
	return &s
}

// ParsePin reads a stored pin.
func ParsePin(s *string) *FirstAppearancePin {
	if s == nil {
		return nil
	}
	var p FirstAppearancePin
	if json.Unmarshal([]byte(*s), &p) != nil {
		return nil
	}
	return &p
}

// FirstSeen is the earliest date a quote's words are known from: when it was said, or its
// earliest confirmed appearance when that is earlier (engines call it as they read).
func FirstSeen(saidOn, appearedFirst *string) *string {
	switch {
	case saidOn == nil:
		return appearedFirst
	case appearedFirst == nil || *saidOn <= *appearedFirst:
		return saidOn
	}
	return appearedFirst
}
