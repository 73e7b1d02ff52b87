package db

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// An import is held to the same rules as the API, record by record: the same input rules
// for every field, the same role for each kind of write, and for an exported record —
// which brings the fields the server otherwise owns (IDs, authors, reviewers, versions,
// times) — the admin role and every rule the server keeps when it sets them itself.

// maxExternalID caps a record's external key.
const maxExternalID = 500

// needs is the permission importing the record takes: restoring an exported record is an
// admin's, giving verdicts (a rating label counts) a factchecker's, the rest an editor's.
func (r *ImportRecord) needs() (Permission, string) {
	switch {
	case r.Exported != nil:
		return PermAdmin, "id"
	case len(r.Verdicts) > 0:
		return PermVerdict, "verdicts"
	case r.FirstAppearanceURL != nil:
		return PermMerge, "first_appearance"
	}
	return PermEdit, ""
}

// check is the part of the rules that needs no database.
func (r *ImportRecord) check() *Error {
	if r.Exported != nil {
		return checkExported(r.Exported, time.Now())
	}
	var fe []FieldError
	if len(r.ExternalID) > maxExternalID {
		fe = append(fe, FieldError{Field: "external_id", Message: fmt.Sprintf("must be at most %d characters", maxExternalID)})
	}
	fe = append(fe, textErrors(reflect.ValueOf(r.ExternalID), "external_id")...)
	fe = append(fe, FieldErrors(&r.Quote)...)
	urls := map[string]bool{}
	for i := range r.Citations {
		fe = append(fe, prefixed(fmt.Sprintf("citations[%d].", i), FieldErrors(&r.Citations[i]))...)
		urls[r.Citations[i].URL] = true
	}
	for i := range r.Appearances {
		fe = append(fe, prefixed(fmt.Sprintf("appearances[%d].", i), FieldErrors(&r.Appearances[i]))...)
	}
	for i, v := range r.Verdicts {
		in := VerdictInput{Attribution: v.Attribution, Rating: v.Rating, Summary: v.Summary}
		fe = append(fe, prefixed(fmt.Sprintf("verdicts[%d].", i), FieldErrors(&in))...)
		for j, u := range v.CitationURLs {
			if !urls[u] {
				fe = append(fe, FieldError{Field: fmt.Sprintf("verdicts[%d].citation_urls[%d]", i, j),
					Message: "is not the URL of one of this record's citations"})
			}
		}
	}
	return invalid(fe)
}

// checkExported holds an exported record to the rules of the API and to those the server
// keeps when it owns a field: IDs of its own form, positive versions, authors that are
// key names, times in order and not in the future, verdicts that supersede one another
// in turn and rest on the record's own citations, and a quote whose attribution and
// rating are its newest verdict's.
func checkExported(r *Record, now time.Time) *Error {
	if r.Quote == nil || r.SpeakerDetail == nil {
		return errorf(Invalid, "speaker_detail", "an exported record needs its quote and speaker_detail")
	}
	q, sp := r.Quote, r.SpeakerDetail
	fe := textErrors(reflect.ValueOf(r), "")
	fe = append(fe, serverOwned("", "q_", q.ID, q.Version, q.CreatedAt, q.UpdatedAt, now)...)
	fe = append(fe, author("created_by", q.CreatedBy)...)
	in := inputOf[QuoteInput](q)
	in.SpeakerID = &sp.ID
	fe = append(fe, FieldErrors(&in)...)
	if q.Speaker.ID != "" && q.Speaker.ID != sp.ID {
		fe = append(fe, FieldError{Field: "speaker.id", Message: "must be speaker_detail's id"})
	}
	spIn := inputOf[SpeakerInput](sp)
	fe = append(fe, prefixed("speaker_detail.", FieldErrors(&spIn))...)
	fe = append(fe, serverOwned("speaker_detail.", "spk_", sp.ID, sp.Version, sp.CreatedAt, sp.UpdatedAt, now)...)
	if o := r.OutletDetail; o != nil {
		oIn := inputOf[OutletInput](o)
		fe = append(fe, prefixed("outlet_detail.", FieldErrors(&oIn))...)
		fe = append(fe, serverOwned("outlet_detail.", "out_", o.ID, o.Version, o.CreatedAt, o.UpdatedAt, now)...)
	}
	if !slices.Contains(Attributions, q.Attribution) {
		fe = append(fe, FieldError{Field: "attribution", Message: "must be one of: " + strings.Join(Attributions, ", ")})
	}
	if q.Rating != nil && !slices.Contains(Ratings, *q.Rating) {
		fe = append(fe, FieldError{Field: "rating", Message: "must be one of: " + strings.Join(Ratings, ", ")})
	}
	relation := map[string]string{}
	for i, c := range r.Citations {
		p := fmt.Sprintf("citations[%d].", i)
		if c == nil {
			fe = append(fe, FieldError{Field: strings.TrimSuffix(p, "."), Message: "must be a citation"})
			continue
		}
		cIn := CitationInput{URL: c.URL, Title: c.Title, Publisher: c.Publisher, PublishedAt: c.PublishedAt,
			AccessedAt: c.AccessedAt, ArchiveURL: c.ArchiveURL, Excerpt: c.Excerpt, Relation: c.Relation}
		fe = append(fe, prefixed(p, FieldErrors(&cIn))...)
		fe = append(fe, serverOwned(p, "cit_", c.ID, c.Version, c.CreatedAt, c.UpdatedAt, now)...)
		fe = append(fe, author(p+"created_by", c.CreatedBy)...)
		if c.QuoteID != "" && c.QuoteID != q.ID {
			fe = append(fe, FieldError{Field: p + "quote_id", Message: "must be the record's id"})
		}
		if s := c.Source; s != nil {
			fe = append(fe, sourceRules(p+"source.", s, c.CreatedAt, now)...)
		}
		relation[c.ID] = c.Relation
	}
	// Verdicts come in chains, each naming the one it supersedes: one chain, or more
	// where a confirmed link folded a checked quote into another (its history kept whole).
	var prev *Verdict
	earlier := map[string]bool{}
	for i, v := range r.Verdicts {
		p := fmt.Sprintf("verdicts[%d].", i)
		if v == nil {
			fe = append(fe, FieldError{Field: strings.TrimSuffix(p, "."), Message: "must be a verdict"})
			continue
		}
		vIn := VerdictInput{Attribution: v.Attribution, Rating: v.Rating, Summary: v.Summary, CitationIDs: v.CitationIDs}
		fe = append(fe, prefixed(p, FieldErrors(&vIn))...)
		fe = append(fe, serverOwned(p, "v_", v.ID, 1, v.CreatedAt, v.CreatedAt, now)...)
		fe = append(fe, author(p+"reviewed_by", v.ReviewedBy)...)
		if v.QuoteID != "" && v.QuoteID != q.ID {
			fe = append(fe, FieldError{Field: p + "quote_id", Message: "must be the record's id"})
		}
		primary := false
		for j, cid := range v.CitationIDs {
			rel, ok := relation[cid]
			if !ok {
				fe = append(fe, FieldError{Field: fmt.Sprintf("%scitation_ids[%d]", p, j), Message: "not a citation of this record"})
			}
			primary = primary || rel == "primary"
		}
		if v.Attribution == "verified" && !primary {
			fe = append(fe, FieldError{Field: p + "citation_ids", Message: "a verified attribution must rest on at least one primary citation"})
		}
		switch {
		case prev == nil && v.Supersedes != nil:
			fe = append(fe, FieldError{Field: p + "supersedes", Message: "the first verdict supersedes none"})
		case prev != nil && v.Supersedes != nil && !earlier[*v.Supersedes]:
			fe = append(fe, FieldError{Field: p + "supersedes", Message: "must name an earlier verdict of the record, once"})
		case prev != nil && v.CreatedAt.Before(prev.CreatedAt):
			fe = append(fe, FieldError{Field: p + "created_at", Message: "must not be before the verdict it supersedes"})
		}
		if v.Supersedes != nil {
			delete(earlier, *v.Supersedes) // superseded once
		}
		earlier[v.ID] = true
		prev = v
	}
	fe = append(fe, appearanceRules(r, now)...)
	wantAttr, wantRating := "unverified", (*string)(nil)
	if prev != nil {
		wantAttr, wantRating = prev.Attribution, prev.Rating
	}
	if q.Attribution != wantAttr || !equalPtr(q.Rating, wantRating) {
		fe = append(fe, FieldError{Field: "attribution", Message: "attribution and rating must be those of the newest verdict (unverified and null without one)"})
	}
	return invalid(fe)
}

// serverOwned checks the fields the server sets on every resource.
func serverOwned(prefix, idPrefix, id string, version int64, created, updated, now time.Time) []FieldError {
	var fe []FieldError
	if !validID(idPrefix, id) {
		fe = append(fe, FieldError{Field: prefix + "id", Message: "must be an ID of the form " + idPrefix + " followed by 26 base32 characters"})
	}
	if version < 1 {
		fe = append(fe, FieldError{Field: prefix + "version", Message: "must be 1 or more"})
	}
	switch {
	case created.IsZero() || created.Year() < 2000:
		fe = append(fe, FieldError{Field: prefix + "created_at", Message: "must be a time since 2000"})
	case created.After(now.Add(time.Minute)):
		fe = append(fe, FieldError{Field: prefix + "created_at", Message: "must not be in the future"})
	case updated.Before(created):
		fe = append(fe, FieldError{Field: prefix + "updated_at", Message: "must not be before created_at"})
	case updated.After(now.Add(time.Minute)):
		fe = append(fe, FieldError{Field: prefix + "updated_at", Message: "must not be in the future"})
	}
	return fe
}

// author checks a created_by or reviewed_by: what a key's name may be.
func author(field, name string) []FieldError {
	in := KeyInput{Name: name, Role: "reader"}
	return renamed(FieldErrors(&in), "name", field)
}

// validID reports whether id is prefix and 26 characters of Crockford's base32, as newID makes.
func validID(prefix, id string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != 26 {
		return false
	}
	for i := range len(rest) {
		if !strings.ContainsRune(crockford, rune(rest[i])) {
			return false
		}
	}
	return true
}

func prefixed(prefix string, fe []FieldError) []FieldError {
	for i := range fe {
		fe[i].Field = prefix + fe[i].Field
	}
	return fe
}

func renamed(fe []FieldError, from, to string) []FieldError {
	for i := range fe {
		if fe[i].Field == from {
			fe[i].Field = to
		}
	}
	return fe
}

// invalid is the Invalid error listing fe; nil when fe is empty.
func invalid(fe []FieldError) *Error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Field: fe[0].Field, Message: fe[0].Message, Fields: fe}
}

// inputOf is a stored record read as the input that would have made it, member for member
// by JSON name: a restored record is held to the rules of every field its input has,
// those added later included, with no list of fields to keep up to date.
func inputOf[T any](record any) T {
	var in T
	b, err := json.Marshal(record)
	if err == nil {
		_ = json.Unmarshal(b, &in) // members the input lacks are the server's, checked apart
	}
	return in
}

// sourceRules hold an exported source check to what the fetcher records: a state of the
// vocabulary, times in order, a fetched or failed check with when it was, a pending one
// with nothing found yet, numbers that can be.
func sourceRules(p string, s *SourceCheck, cited, now time.Time) []FieldError {
	var fe []FieldError
	if !slices.Contains(SourceStates, s.State) {
		fe = append(fe, FieldError{Field: p + "state", Message: "must be one of: " + strings.Join(SourceStates, ", ")})
	}
	switch {
	case s.RequestedAt.Before(cited.Add(-time.Second)) || s.RequestedAt.After(now.Add(time.Minute)):
		fe = append(fe, FieldError{Field: p + "requested_at", Message: "must be between the citation's creation and now"})
	case s.State == "pending" && s.FetchedAt != nil:
		fe = append(fe, FieldError{Field: p + "fetched_at", Message: "a pending check has not been fetched"})
	case s.State != "pending" && (s.FetchedAt == nil || s.FetchedAt.Before(s.RequestedAt) || s.FetchedAt.After(now.Add(time.Minute))):
		fe = append(fe, FieldError{Field: p + "fetched_at", Message: "must be between requested_at and now"})
	}
	if s.Status != nil && (*s.Status < 100 || *s.Status > 599) {
		fe = append(fe, FieldError{Field: p + "status", Message: "must be an HTTP status"})
	}
	if s.Bytes != nil && *s.Bytes < 0 || s.FoundAt != nil && *s.FoundAt < 0 {
		fe = append(fe, FieldError{Field: p + "bytes", Message: "must not be negative"})
	}
	if s.SHA256 != nil && !sha256Hex.MatchString(*s.SHA256) {
		fe = append(fe, FieldError{Field: p + "sha256", Message: "must be 64 hexadecimal digits"})
	}
	return fe
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// appearanceRules hold an exported record's appearances to the API's rules and to what
// the server keeps when it records them: IDs, authors and times of their form, states,
// ways and matches of the vocabularies, a score from 0 to 1, a span in order, reviewers
// only where someone reviewed — and a pinned first appearance that is one of them,
// confirmed.
func appearanceRules(r *Record, now time.Time) []FieldError {
	var fe []FieldError
	confirmed := map[string]bool{}
	for i, a := range r.Appearances {
		p := fmt.Sprintf("appearances[%d].", i)
		if a == nil {
			fe = append(fe, FieldError{Field: strings.TrimSuffix(p, "."), Message: "must be an appearance"})
			continue
		}
		in := inputOf[AppearanceInput](a)
		in.State = nil // an input takes fewer states than a stored appearance has
		fe = append(fe, prefixed(p, FieldErrors(&in))...)
		fe = append(fe, serverOwned(p, "app_", a.ID, a.Version, a.CreatedAt, a.UpdatedAt, now)...)
		fe = append(fe, author(p+"created_by", a.CreatedBy)...)
		if a.QuoteID != "" && a.QuoteID != r.ID {
			fe = append(fe, FieldError{Field: p + "quote_id", Message: "must be the record's id"})
		}
		for _, v := range []struct {
			field, value string
			vocab        []string
		}{{"state", a.State, AppearanceStates}, {"via", a.Via, AppearanceVias}, {"match", a.Match, AppearanceMatches}} {
			if !slices.Contains(v.vocab, v.value) {
				fe = append(fe, FieldError{Field: p + v.field, Message: "must be one of: " + strings.Join(v.vocab, ", ")})
			}
		}
		if a.Score != nil && (*a.Score < 0 || *a.Score > 1) {
			fe = append(fe, FieldError{Field: p + "score", Message: "must be from 0 to 1"})
		}
		if a.Start != nil && a.End != nil && *a.End < *a.Start {
			fe = append(fe, FieldError{Field: p + "end", Message: "must not come before start"})
		}
		if a.LinkedQuoteID != nil && !validID("q_", *a.LinkedQuoteID) {
			fe = append(fe, FieldError{Field: p + "linked_quote_id", Message: "must be an ID of the form q_ followed by 26 base32 characters"})
		}
		switch {
		case (a.ReviewedBy == nil) != (a.ReviewedAt == nil):
			fe = append(fe, FieldError{Field: p + "reviewed_by", Message: "reviewed_by and reviewed_at go together"})
		case a.ReviewedBy != nil && a.State == "suggested":
			fe = append(fe, FieldError{Field: p + "reviewed_by", Message: "a suggested appearance is not reviewed yet"})
		case a.ReviewedBy != nil:
			fe = append(fe, author(p+"reviewed_by", *a.ReviewedBy)...)
		}
		if a.State == "confirmed" {
			confirmed[a.ID] = true
		}
	}
	if pin := r.FirstAppearancePin; pin != nil {
		in := PinInput{AppearanceID: pin.AppearanceID, Reason: pin.Reason}
		fe = append(fe, prefixed("first_appearance_pin.", FieldErrors(&in))...)
		fe = append(fe, author("first_appearance_pin.pinned_by", pin.PinnedBy)...)
		if !confirmed[pin.AppearanceID] {
			fe = append(fe, FieldError{Field: "first_appearance_pin.appearance_id", Message: "must be one of the record's confirmed appearances"})
		}
	}
	return fe
}
