package db

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The input types below double as the API's request bodies: their json tags are the wire
// names and their validate tags the rules the API checks before storage sees them. Storage
// re-checks only what it must (references, uniqueness, dates). omitempty marks a member
// optional in the generated document (decoding ignores it); binding:"optional" does so
// where swag would misread a "dive,required" rule as the field's own.

// Field is a PATCH member: Set says the client sent it, Null that it sent null (which
// clears a nullable field). An absent member leaves the stored value alone.
type Field[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records that the member was present.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		f.Null = true
		return nil
	}
	// As strict as the body around it: a member a nested object does not have is refused.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&f.Value)
}

// Validatable is what the validator checks: a pointer to the value when one was given
// (so that omitempty skips only absent members, never a given "" or false), else nil.
func (f Field[T]) Validatable() any {
	if !f.Set || f.Null {
		return nil
	}
	return &f.Value
}

// SpeakerInput creates a speaker.
type SpeakerInput struct {
	Name        string     `json:"name" validate:"required,notblank,max=200" example:"Keith Kellogg"`
	Aliases     []string   `json:"aliases,omitempty" binding:"optional" validate:"max=50,dive,required,notblank,max=200" example:"Gen. Kellogg"`
	WikidataQID *string    `json:"wikidata_qid,omitempty" validate:"omitempty,wikidata_qid" example:"Q6385264"`
	Description string     `json:"description,omitempty" validate:"max=2000" example:"US Special Envoy for Ukraine and Russia"`
	Anonymous   bool       `json:"anonymous,omitempty" example:"false"`
	Positions   []Position `json:"positions,omitempty" binding:"optional" validate:"max=50,dive"`
} //@name SpeakerCreate

// SpeakerPatch changes the given fields of a speaker; aliases, when given, replace all.
type SpeakerPatch struct {
	Name        Field[string]     `json:"name,omitempty" swaggertype:"string" validate:"omitempty,notblank,max=200" example:"Keith Kellogg"`
	Aliases     Field[[]string]   `json:"aliases,omitempty" swaggertype:"array,string" binding:"optional" validate:"omitempty,max=50,dive,required,notblank,max=200"`
	WikidataQID Field[string]     `json:"wikidata_qid,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,wikidata_qid" example:"Q6385264"`
	Description Field[string]     `json:"description,omitempty" swaggertype:"string" validate:"omitempty,max=2000"`
	Anonymous   Field[bool]       `json:"anonymous,omitempty" swaggertype:"boolean"`
	Positions   Field[[]Position] `json:"positions,omitempty" swaggertype:"array,object" binding:"optional" validate:"omitempty,max=50,dive"`
} //@name SpeakerPatch

// OutletInput creates an outlet.
type OutletInput struct {
	Name    string   `json:"name" validate:"required,notblank,max=200" example:"Fox News"`
	Aliases []string `json:"aliases,omitempty" binding:"optional" validate:"max=50,dive,required,notblank,max=200" example:"Fox News Channel"`
	URL     *string  `json:"url,omitempty" format:"uri" validate:"omitempty,web_url,max=2048" example:"https://www.foxnews.com"`
	Country *string  `json:"country,omitempty" validate:"omitempty,country" example:"US"`
} //@name OutletCreate

// OutletPatch changes the given fields of an outlet; aliases, when given, replace all.
type OutletPatch struct {
	Name    Field[string]   `json:"name,omitempty" swaggertype:"string" validate:"omitempty,notblank,max=200" example:"Fox News"`
	Aliases Field[[]string] `json:"aliases,omitempty" swaggertype:"array,string" binding:"optional" validate:"omitempty,max=50,dive,required,notblank,max=200"`
	URL     Field[string]   `json:"url,omitempty" swaggertype:"string" extensions:"x-nullable" format:"uri" validate:"omitempty,web_url,max=2048"`
	Country Field[string]   `json:"country,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,country" example:"GB"`
} //@name OutletPatch

// QuoteInput creates a quote. The speaker is named by speaker_id or speaker_name (found
// through names and aliases, or created); the outlet likewise, and is optional.
type QuoteInput struct {
	Text        string  `json:"text" validate:"required,notblank,max=20000" example:"NATO isn’t on the table"`
	SpeakerID   *string `json:"speaker_id,omitempty" validate:"required_without=SpeakerName,excluded_with=SpeakerName,omitempty,max=64"`
	SpeakerName *string `json:"speaker_name,omitempty" validate:"omitempty,notblank,max=200" example:"Keith Kellogg"`
	// SpeakerQID, beside speaker_name, tells apart two people of one name by Wikidata
	// QID: the speaker is the one holding it, or else the one of that name holding no
	// QID, or else a new speaker of that name holding it.
	SpeakerQID *string `json:"speaker_qid,omitempty" validate:"excluded_with=SpeakerID,omitempty,wikidata_qid" example:"Q6385264"`
	// SpeakerAnonymous marks a speaker named here for the first time as an anonymous
	// source ("a senior State Department official"); a known speaker is left as it is.
	SpeakerAnonymous bool     `json:"speaker_anonymous,omitempty" example:"false"`
	SpeakerRole      *string  `json:"speaker_role,omitempty" validate:"omitempty,max=300" example:"US Special Envoy to Ukraine"`
	SaidOn           *string  `json:"said_on,omitempty" format:"date" example:"2025-04-20"`
	DatePrecision    *string  `json:"date_precision,omitempty" validate:"omitempty,date_precision" enums:"day,month,year" example:"day"`
	OutletID         *string  `json:"outlet_id,omitempty" validate:"excluded_with=OutletName,omitempty,max=64"`
	OutletName       *string  `json:"outlet_name,omitempty" validate:"omitempty,notblank,max=200" example:"Fox News"`
	Context          *string  `json:"context,omitempty" validate:"omitempty,max=2000" example:"interview with Fox News"`
	Setting          *string  `json:"setting,omitempty" validate:"omitempty,setting" enums:"interview,speech,press_conference,statement,social_post,document,other" example:"interview"`
	Lang             *string  `json:"lang,omitempty" validate:"omitempty,lang" example:"en"`
	SourceURL        *string  `json:"source_url,omitempty" format:"uri" validate:"omitempty,web_url,max=2048" example:"https://example.com/witkoff-london-talks"`
	Tags             []string `json:"tags,omitempty" binding:"optional" validate:"max=50,dive,required,notblank,max=64" example:"ukraine,nato"`
	// Separate records the words as a quote of their own even when the archive holds them
	// already: no link is made (see link in the answer).
	Separate bool `json:"separate,omitempty" example:"false"`

	// suggestOnly links the words by a suggestion at most (linkMatch.onlySuggest).
	suggestOnly bool
} //@name QuoteCreate

// QuotePatch changes the given fields of a quote. Nullable fields are cleared with null;
// speaker and outlet may be named by ID or by name, as on create.
type QuotePatch struct {
	Text          Field[string]   `json:"text,omitempty" swaggertype:"string" validate:"omitempty,notblank,max=20000"`
	SpeakerID     Field[string]   `json:"speaker_id,omitempty" swaggertype:"string" validate:"omitempty,max=64"`
	SpeakerName   Field[string]   `json:"speaker_name,omitempty" swaggertype:"string" validate:"omitempty,notblank,max=200"`
	SpeakerRole   Field[string]   `json:"speaker_role,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,max=300"`
	SaidOn        Field[string]   `json:"said_on,omitempty" swaggertype:"string" format:"date" extensions:"x-nullable"`
	DatePrecision Field[string]   `json:"date_precision,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,date_precision" enums:"day,month,year"`
	OutletID      Field[string]   `json:"outlet_id,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,max=64"`
	OutletName    Field[string]   `json:"outlet_name,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,notblank,max=200"`
	Context       Field[string]   `json:"context,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,max=2000"`
	Setting       Field[string]   `json:"setting,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,setting" enums:"interview,speech,press_conference,statement,social_post,document,other"`
	Lang          Field[string]   `json:"lang,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,lang"`
	SourceURL     Field[string]   `json:"source_url,omitempty" swaggertype:"string" extensions:"x-nullable" format:"uri" validate:"omitempty,web_url,max=2048"`
	Tags          Field[[]string] `json:"tags,omitempty" swaggertype:"array,string" binding:"optional" validate:"omitempty,max=50,dive,required,notblank,max=64"`
} //@name QuotePatch

// CitationInput adds a citation to a quote.
type CitationInput struct {
	URL         string  `json:"url" format:"uri" validate:"required,web_url,max=2048" example:"https://www.foxnews.com/video/kellogg-interview"`
	Title       *string `json:"title,omitempty" validate:"omitempty,max=500"`
	Publisher   *string `json:"publisher,omitempty" validate:"omitempty,max=200" example:"Fox News"`
	PublishedAt *string `json:"published_at,omitempty" format:"date" example:"2025-04-20"`
	AccessedAt  *string `json:"accessed_at,omitempty" format:"date" example:"2025-04-22"`
	ArchiveURL  *string `json:"archive_url,omitempty" format:"uri" validate:"omitempty,web_url,max=2048"`
	Excerpt     *string `json:"excerpt,omitempty" validate:"omitempty,max=20000" example:"\"NATO isn't on the table,\" Kellogg said."`
	Relation    string  `json:"relation" validate:"required,relation" enums:"primary,report,supports,refutes,context" example:"primary"`
	// Fetch asks the server to retrieve the page and say whether the quote's words stand
	// in it (the citation's source); it is fetched in the background.
	Fetch bool `json:"fetch,omitempty" example:"true"`
} //@name CitationCreate

// CitationPatch changes the given fields of a citation; null clears a nullable field. The
// url and relation of a citation a verdict rests on cannot change.
type CitationPatch struct {
	URL         Field[string] `json:"url,omitempty" swaggertype:"string" format:"uri" validate:"omitempty,web_url,max=2048"`
	Title       Field[string] `json:"title,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,max=500"`
	Publisher   Field[string] `json:"publisher,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,max=200"`
	PublishedAt Field[string] `json:"published_at,omitempty" swaggertype:"string" format:"date" extensions:"x-nullable"`
	AccessedAt  Field[string] `json:"accessed_at,omitempty" swaggertype:"string" format:"date" extensions:"x-nullable"`
	ArchiveURL  Field[string] `json:"archive_url,omitempty" swaggertype:"string" extensions:"x-nullable" format:"uri" validate:"omitempty,web_url,max=2048"`
	Excerpt     Field[string] `json:"excerpt,omitempty" swaggertype:"string" extensions:"x-nullable" validate:"omitempty,max=20000"`
	Relation    Field[string] `json:"relation,omitempty" swaggertype:"string" validate:"omitempty,relation" enums:"primary,report,supports,refutes,context"`
} //@name CitationPatch

// VerdictInput appends a verdict to a quote. A verified attribution must rest on at
// least one primary citation of the quote. The reviewer is the API key's name.
type VerdictInput struct {
	Attribution string   `json:"attribution" validate:"required,attribution" enums:"unverified,verified,paraphrased,out_of_context,disputed,misattributed" example:"verified"`
	Rating      *string  `json:"rating,omitempty" validate:"omitempty,rating" enums:"true,mostly_true,half_true,mostly_false,false,unproven,not_checkable" example:"not_checkable"`
	Summary     string   `json:"summary" validate:"required,notblank,max=10000" example:"Kellogg said this on Fox News on 20 April 2025; it states a policy position, not a checkable fact."`
	CitationIDs []string `json:"citation_ids,omitempty" binding:"optional" validate:"max=50,dive,required,max=64"`
} //@name VerdictCreate

// NormalizeDate checks a date said, given as YYYY, YYYY-MM or YYYY-MM-DD, against its
// precision (inferred from the form when not given) and returns it as YYYY-MM-DD with
// the parts finer than the precision set to 01.
func NormalizeDate(value string, precision *string) (date, prec string, err error) {
	if !dateRE.MatchString(value) {
		return "", "", fmt.Errorf("%q is not a date: use YYYY-MM-DD, YYYY-MM or YYYY", value)
	}
	layouts := []struct{ layout, prec string }{{"2006-01-02", "day"}, {"2006-01", "month"}, {"2006", "year"}}
	for _, l := range layouts {
		t, perr := time.Parse(l.layout, value)
		if perr != nil || t.Format(l.layout) != value {
			continue
		}
		if t.Year() < 1 {
			break
		}
		prec = l.prec
		if precision != nil {
			if rank(*precision) > rank(l.prec) {
				return "", "", fmt.Errorf("%q is not precise to the %s", value, *precision)
			}
			prec = *precision
		}
		switch prec {
		case "month":
			t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		case "year":
			t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return t.Format("2006-01-02"), prec, nil
	}
	return "", "", fmt.Errorf("%q is not a date: use YYYY-MM-DD, YYYY-MM or YYYY", value)
}

func rank(precision string) int {
	return map[string]int{"year": 1, "month": 2, "day": 3}[precision]
}

// normalizeTags lowercases, trims and de-duplicates tags, keeping their order.
func normalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
