package db

import "time"

// Speaker is a person or body who says things.
type Speaker struct {
	ID          string   `json:"id" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Name        string   `json:"name" example:"Keith Kellogg"`
	Aliases     []string `json:"aliases" example:"Gen. Kellogg"`
	WikidataQID *string  `json:"wikidata_qid" extensions:"x-nullable" example:"Q6385264"`
	Description string   `json:"description" example:"US Special Envoy for Ukraine and Russia"`
	Anonymous   bool     `json:"anonymous" example:"false"`
	// Positions are the offices and roles the speaker held, with when: a quote recorded
	// without speaker_role shows the one held on the day it was said.
	Positions []Position `json:"positions"`
	Version   int64      `json:"version" example:"1"`
	CreatedAt time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt time.Time  `json:"updated_at" format:"date-time"`
} //@name Speaker

// Position is an office or role a speaker held, from a date to a date, each as precise as
// known: YYYY-MM-DD, YYYY-MM or YYYY. Without from, since an unknown date; without to,
// held still.
type Position struct {
	Title string  `json:"title" validate:"required,notblank,max=300" example:"US Special Envoy to Ukraine"`
	From  *string `json:"from,omitempty" validate:"omitempty,partial_date" example:"2025-01"`
	To    *string `json:"to,omitempty" validate:"omitempty,partial_date" example:"2026-06"`
} //@name Position

// SpeakerRef is how a quote names its speaker.
type SpeakerRef struct {
	ID   string `json:"id" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Name string `json:"name" example:"Keith Kellogg"`
} //@name SpeakerRef

// Outlet is where a quote was said or first reported.
type Outlet struct {
	ID   string `json:"id" example:"out_01JS8X2W5Q7K3M9N4P6R8T0V2Y"`
	Name string `json:"name" example:"Fox News"`
	// Aliases are other names the outlet is found by, as a speaker's are: "WSJ" for
	// "The Wall Street Journal". A name or alias is one outlet's.
	Aliases []string `json:"aliases" example:"Fox News Channel"`
	URL     *string  `json:"url" extensions:"x-nullable" example:"https://www.foxnews.com"`
	// Country is where the outlet publishes from, as ISO 3166-1 alpha-2.
	Country   *string   `json:"country" extensions:"x-nullable" example:"US"`
	Version   int64     `json:"version" example:"1"`
	CreatedAt time.Time `json:"created_at" format:"date-time"`
	UpdatedAt time.Time `json:"updated_at" format:"date-time"`
} //@name Outlet

// OutletRef is how a quote names its outlet.
type OutletRef struct {
	ID   string `json:"id" example:"out_01JS8X2W5Q7K3M9N4P6R8T0V2Y"`
	Name string `json:"name" example:"Fox News"`
} //@name OutletRef

// Quote is the exact words a speaker said, with where, when and in what context.
type Quote struct {
	ID          string     `json:"id" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	Text        string     `json:"text" example:"NATO isn’t on the table"`
	Speaker     SpeakerRef `json:"speaker"`
	SpeakerRole *string    `json:"speaker_role" extensions:"x-nullable" example:"US Special Envoy to Ukraine"`
	// SpeakerPosition is the speaker's role as the quote gives it (speaker_role) or, where
	// it gives none, the position the speaker held on the day it was said; derived, null
	// when neither is known.
	SpeakerPosition *string    `json:"speaker_position" extensions:"x-nullable" example:"US Special Envoy to Ukraine"`
	SaidOn          *string    `json:"said_on" extensions:"x-nullable" format:"date" example:"2025-04-20"`
	DatePrecision   *string    `json:"date_precision" extensions:"x-nullable" enums:"day,month,year" example:"day"`
	Outlet          *OutletRef `json:"outlet" extensions:"x-nullable"`
	Context         *string    `json:"context" extensions:"x-nullable" example:"interview with Fox News"`
	Setting         *string    `json:"setting" extensions:"x-nullable" enums:"interview,speech,press_conference,statement,social_post,document,other" example:"interview"`
	Lang            *string    `json:"lang" extensions:"x-nullable" example:"en"`
	SourceURL       *string    `json:"source_url" extensions:"x-nullable" example:"https://example.com/witkoff-london-talks"`
	Tags            []string   `json:"tags" example:"ukraine,nato"`
	Attribution     string     `json:"attribution" enums:"unverified,verified,paraphrased,out_of_context,disputed,misattributed" example:"unverified"`
	Rating          *string    `json:"rating" extensions:"x-nullable" enums:"true,mostly_true,half_true,mostly_false,false,unproven,not_checkable"`
	// CurrentVerdict is the newest verdict; attribution and rating repeat its axes.
	CurrentVerdict *Verdict `json:"current_verdict" extensions:"x-nullable"`
	// CreatedBy is the name of the API key that recorded the quote.
	CreatedBy string `json:"created_by" example:"desk-ukraine"`
	// Extraction says how the extractor found the quote; null for quotes recorded by hand.
	Extraction *Extraction `json:"extraction" extensions:"x-nullable"`
	// Snippet is set on search hits: the matching part of the text, HTML-escaped, with the
	// matched words in `<mark>`.
	Snippet *string `json:"snippet,omitempty" example:"<mark>NATO</mark> isn’t on the table"`
	// PossibleDuplicates is set when a quote is created: stored quotes it may repeat.
	PossibleDuplicates []SimilarQuote `json:"possible_duplicates,omitempty"`
	// Link is set when words are recorded and linked: made an appearance of this (stored)
	// quote, or stored as this new quote with a suggested link to another.
	Link *Link `json:"link,omitempty"`
	// AppearanceCounts counts the quote's re-reports. Derived.
	AppearanceCounts AppearanceCounts `json:"appearance_counts"`
	// FirstAppearanceID is the first appearance: the pinned one, else the earliest
	// confirmed (by date, then as recorded); null with none. Derived.
	FirstAppearanceID *string `json:"first_appearance_id" extensions:"x-nullable" example:"app_01JS8X2W5Q7K3M9N4P6R8T0V50"`
	// FirstSeen is the earliest date the words are known from: said_on, or a confirmed
	// appearance's date when earlier. Derived.
	FirstSeen *string `json:"first_seen" extensions:"x-nullable" format:"date" example:"2025-04-20"`
	// FirstAppearancePin is a fact-checker's choice of the first appearance, with why.
	FirstAppearancePin *FirstAppearancePin `json:"first_appearance_pin" extensions:"x-nullable"`
	Version            int64               `json:"version" example:"1"`
	CreatedAt          time.Time           `json:"created_at" format:"date-time"`
	UpdatedAt          time.Time           `json:"updated_at" format:"date-time"`

	// Seq and VerdictSeq are the storage's keys of the quote and of its current verdict.
	Seq        int64  `json:"-"`
	VerdictSeq *int64 `json:"-"`
	// AppearedFirst is the earliest confirmed appearance's date, as stored.
	AppearedFirst *string `json:"-"`
	// LoadedIn is, for a quote a load created, the audit entry of the batch that wrote it:
	// its creation's entry in the trail (see loadedCreations).
	LoadedIn int64 `json:"-"`
} //@name Quote

// Citation is a source behind a quote or a verdict.
type Citation struct {
	ID          string  `json:"id" example:"cit_01JS8X2W5Q7K3M9N4P6R8T0V30"`
	QuoteID     string  `json:"quote_id" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	URL         string  `json:"url" example:"https://www.foxnews.com/video/kellogg-interview"`
	Title       *string `json:"title" extensions:"x-nullable" example:"Kellogg: NATO membership for Ukraine is off the table"`
	Publisher   *string `json:"publisher" extensions:"x-nullable" example:"Fox News"`
	PublishedAt *string `json:"published_at" extensions:"x-nullable" format:"date" example:"2025-04-20"`
	AccessedAt  *string `json:"accessed_at" extensions:"x-nullable" format:"date" example:"2025-04-22"`
	ArchiveURL  *string `json:"archive_url" extensions:"x-nullable" example:"https://web.archive.org/web/2025/https://www.foxnews.com/video/kellogg-interview"`
	Excerpt     *string `json:"excerpt" extensions:"x-nullable" example:"\"NATO isn't on the table,\" Kellogg said."`
	Relation    string  `json:"relation" enums:"primary,report,supports,refutes,context" example:"primary"`
	// ExcerptMatches says whether the quote's words appear in the excerpt, comparing with
	// quotes, apostrophes, dashes, case and white space folded; null without an excerpt.
	ExcerptMatches *bool `json:"excerpt_matches" extensions:"x-nullable" example:"true"`
	// Source is the server's newest retrieval of the page, asked for with fetch; null
	// when it was never asked for.
	Source    *SourceCheck `json:"source" extensions:"x-nullable"`
	CreatedBy string       `json:"created_by" example:"desk-ukraine"`
	Version   int64        `json:"version" example:"1"`
	CreatedAt time.Time    `json:"created_at" format:"date-time"`
	UpdatedAt time.Time    `json:"updated_at" format:"date-time"`
	// Seq is the storage's key of the citation.
	Seq int64 `json:"-"`
} //@name Citation

// Verdict is a fact-checker's judgement of a quote on both axes. Verdicts are appended,
// never edited: a correction is a new verdict that supersedes the last.
type Verdict struct {
	ID          string    `json:"id" example:"v_01JS8X2W5Q7K3M9N4P6R8T0V31"`
	QuoteID     string    `json:"quote_id" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	Attribution string    `json:"attribution" enums:"unverified,verified,paraphrased,out_of_context,disputed,misattributed" example:"verified"`
	Rating      *string   `json:"rating" extensions:"x-nullable" enums:"true,mostly_true,half_true,mostly_false,false,unproven,not_checkable" example:"not_checkable"`
	Summary     string    `json:"summary" example:"Kellogg said this on Fox News on 20 April 2025; it states a policy position, not a checkable fact."`
	CitationIDs []string  `json:"citation_ids" example:"cit_01JS8X2W5Q7K3M9N4P6R8T0V30"`
	ReviewedBy  string    `json:"reviewed_by" example:"factcheck-desk"`
	Supersedes  *string   `json:"supersedes" extensions:"x-nullable" example:"v_01JS8X2W5Q7K3M9N4P6R8T0V29"`
	CreatedAt   time.Time `json:"created_at" format:"date-time"`
	// Seq is the storage's key of the verdict.
	Seq int64 `json:"-"`

	quoteVersion int64 // the quote's version once this verdict was appended (AppendVerdict)
} //@name Verdict

// QuoteVersion is, on a verdict AppendVerdict returns, the version its quote moved to.
func (v *Verdict) QuoteVersion() int64 { return v.quoteVersion }

// Page is one page of a list; NextCursor is nil on the last page.
type Page[T any] struct {
	Data       []T
	NextCursor *string
}
