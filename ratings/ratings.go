// Package ratings maps the verdict labels fact-checkers publish — PolitiFact's Truth-O-Meter,
// Snopes', AFP's and many more — onto Verbatim's two axes: attribution (did the speaker say
// it?) and rating (is it true?). A label it does not know is reported, never guessed.
package ratings

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/verbatimhq/verbatim/fold"
)

// Verdict is where a label lands. Either axis may be empty: "Misattributed" says nothing
// of truth, "Mostly False" nothing of attribution.
type Verdict struct {
	Attribution string // one of db.Attributions, or ""
	Rating      string // one of db.Ratings, or ""
}

// Known is every label the table knows, by its normalised form, with where it lands.
func Known() map[string]Verdict {
	out := make(map[string]Verdict, len(labels))
	for k, v := range labels {
		out[k] = v
	}
	return out
}

// ErrUnknown is wrapped by the error for a label that is not in the table.
var ErrUnknown = errors.New("unknown rating label")

// labels is the table, keyed by normalised label (see key). Each line says whose label it
// is where one publisher made it its own.
var labels = map[string]Verdict{
	// PolitiFact's Truth-O-Meter.
	"true": {Rating: "true"}, "mostly true": {Rating: "mostly_true"}, "half true": {Rating: "half_true"},
	"mostly false": {Rating: "mostly_false"}, "false": {Rating: "false"}, "pants on fire": {Rating: "false"},
	"pants fire": {Rating: "false"}, "barely true": {Rating: "mostly_false"}, // the LIAR data set's spellings
	// PolitiFact's Flip-O-Meter rates consistency, not truth.
	"full flop": {Rating: "not_checkable"}, "half flip": {Rating: "not_checkable"}, "no flip": {Rating: "not_checkable"},

	// Snopes.
	"mixture": {Rating: "half_true"}, "unproven": {Rating: "unproven"}, "unfounded": {Rating: "unproven"},
	"research in progress": {Rating: "unproven"}, "legend": {Rating: "unproven"}, "lost legend": {Rating: "unproven"},
	"miscaptioned": {Attribution: "out_of_context"}, "misattributed": {Attribution: "misattributed"},
	"correct attribution": {Attribution: "verified"}, "scam": {Rating: "false"},
	"labeled satire": {Rating: "not_checkable"}, "originated as satire": {Rating: "not_checkable"},
	"satire": {Rating: "not_checkable"},

	// AFP and other IFCN signatories.
	"misleading": {Rating: "mostly_false"}, "missing context": {Rating: "half_true"}, "lacks context": {Rating: "half_true"},
	"partly false": {Rating: "half_true"}, "partially false": {Rating: "half_true"}, "partly true": {Rating: "half_true"},
	"partially true": {Rating: "half_true"}, "half false": {Rating: "half_true"},
	"altered": {Rating: "false"}, "altered image": {Rating: "false"}, "altered photo": {Rating: "false"},
	"altered video": {Rating: "false"}, "altered photo video": {Rating: "false"}, "manipulated": {Rating: "false"},
	"manipulated media": {Rating: "false"}, "fabricated": {Rating: "false"}, "fake": {Rating: "false"},
	"hoax": {Rating: "false"}, "decontextualized": {Attribution: "out_of_context"},
	"decontextualised": {Attribution: "out_of_context"}, "out of context": {Attribution: "out_of_context"},
	"misplaced context": {Attribution: "out_of_context"}, "misplaced": {Attribution: "out_of_context"},
	"imposter": {Attribution: "misattributed"}, "impostor": {Attribution: "misattributed"},
	"fake quote": {Attribution: "misattributed"}, "false attribution": {Attribution: "misattributed"},
	"wrongly attributed": {Attribution: "misattributed"},

	// Verbatim's own ClaimReview names (claimreview.attributionNames), so that its
	// reviews import back as they were given.
	"verified quote": {Attribution: "verified"}, "disputed attribution": {Attribution: "disputed"},
	"paraphrased": {Attribution: "paraphrased"},

	// Spelling and wording that many publishers share.
	"correct": {Rating: "true"}, "accurate": {Rating: "true"}, "verified": {Attribution: "verified"},
	"incorrect": {Rating: "false"}, "inaccurate": {Rating: "mostly_false"}, "not true": {Rating: "false"},
	"untrue": {Rating: "false"}, "wrong": {Rating: "false"}, "very false": {Rating: "false"}, "total lie": {Rating: "false"},
	"lie": {Rating: "false"}, "almost true": {Rating: "mostly_true"}, "largely true": {Rating: "mostly_true"},
	"mostly correct": {Rating: "mostly_true"}, "true but": {Rating: "mostly_true"}, "somewhat true": {Rating: "half_true"},
	"mixed": {Rating: "half_true"}, "mix": {Rating: "half_true"}, "not quite": {Rating: "half_true"},
	"exaggerated": {Rating: "mostly_false"}, "exaggeration": {Rating: "mostly_false"}, "distorted": {Rating: "mostly_false"},
	"deceptive": {Rating: "mostly_false"}, "somewhat false": {Rating: "mostly_false"}, "almost false": {Rating: "mostly_false"},
	"almost untrue": {Rating: "mostly_false"}, "largely false": {Rating: "mostly_false"},
	"unverified": {Rating: "unproven"}, "unsubstantiated": {Rating: "unproven"}, "unsupported": {Rating: "unproven"},
	"no evidence": {Rating: "unproven"}, "not proven": {Rating: "unproven"}, "unproved": {Rating: "unproven"},
	"too early to say": {Rating: "unproven"}, "difficult to prove": {Rating: "unproven"},
	"not checkable": {Rating: "not_checkable"}, "uncheckable": {Rating: "not_checkable"},
	"unverifiable": {Rating: "not_checkable"}, "cannot be checked": {Rating: "not_checkable"},
	"opinion": {Rating: "not_checkable"}, "sarcasm": {Rating: "not_checkable"},
}

// media are trailing words that name what was checked rather than the verdict:
// "Misleading image", "False claim", "Fabricated content".
var media = map[string]bool{"claim": true, "claims": true, "content": true, "news": true, "post": true, "posts": true,
	"image": true, "images": true, "photo": true, "photos": true, "video": true, "videos": true, "audio": true,
	"text": true, "information": true, "headline": true, "statement": true, "advertisement": true, "quote": true}

// Normalize maps a published label onto the two axes. Case, spacing, punctuation and
// run-together words ("Partlyfalse") do not matter; a label naming the medium ("False
// claim") reads as its verdict; labels joined by "/" must agree. Anything else is an error
// wrapping ErrUnknown that quotes the label.
func Normalize(label string) (Verdict, error) {
	k := key(label)
	if v, ok := lookup(k); ok {
		return v, nil
	}
	if v, ok := lookup(strings.ReplaceAll(k, "/", " ")); ok { // "Altered Photo/Video"
		return v, nil
	}
	// "False/Fabricated", "Misleading / partially false": every part must be known and
	// land in one place.
	if parts := strings.Split(k, "/"); len(parts) > 1 {
		var found *Verdict
		for _, p := range parts {
			v, ok := lookup(strings.TrimSpace(p))
			if !ok || (found != nil && *found != v) {
				found = nil
				break
			}
			found = &v
		}
		if found != nil {
			return *found, nil
		}
	}
	return Verdict{}, fmt.Errorf("%w: %q", ErrUnknown, label)
}

func lookup(k string) (Verdict, bool) {
	if v, ok := labels[k]; ok {
		return v, true
	}
	if v, ok := squashed[strings.ReplaceAll(k, " ", "")]; ok {
		return v, true
	}
	words := strings.Fields(k)
	if len(words) > 1 && media[words[len(words)-1]] {
		return lookup(strings.Join(words[:len(words)-1], " "))
	}
	return Verdict{}, false
}

// squashed indexes the table without spaces, for labels typed run together.
var squashed = func() map[string]Verdict {
	m := make(map[string]Verdict, len(labels))
	for k, v := range labels {
		m[strings.ReplaceAll(k, " ", "")] = v
	}
	return m
}()

// key folds a label: case and accents, punctuation other than "/" to spaces, spaces
// collapsed.
func key(label string) string {
	f := fold.String(label)
	var b strings.Builder
	for _, r := range f {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/':
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
