package console

// The two axes of a verdict, as the console names and explains them beside the form
// (DESIGN.md's definitions). The values themselves are the core's (db.Attributions,
// db.Ratings); a test checks that every one has its words here.
var (
	attributionLabels = map[string]string{"unverified": "Unverified", "verified": "Verified",
		"paraphrased": "Paraphrased", "out_of_context": "Out of context", "disputed": "Disputed",
		"misattributed": "Misattributed"}
	attributionMeanings = map[string]string{
		"unverified":     "Not yet checked against a source.",
		"verified":       "Matches a primary source: a recording, a transcript, the speaker's own post. Needs a primary citation.",
		"paraphrased":    "The gist is right; the words are not the speaker's.",
		"out_of_context": "The words are real; the framing changes their meaning.",
		"disputed":       "Sources conflict about whether it was said.",
		"misattributed":  "This speaker did not say it.",
	}
	ratingLabels = map[string]string{"true": "True", "mostly_true": "Mostly true", "half_true": "Half true",
		"mostly_false": "Mostly false", "false": "False", "unproven": "Unproven", "not_checkable": "Not checkable"}
	ratingMeanings = map[string]string{
		"true":          "Accurate; nothing significant is missing.",
		"mostly_true":   "Accurate, but needs clarification or more information.",
		"half_true":     "Partly accurate; leaves out important details or takes things out of context.",
		"mostly_false":  "Contains an element of truth but ignores facts that would give a different impression.",
		"false":         "Not accurate.",
		"unproven":      "The evidence available does not settle it.",
		"not_checkable": "An opinion, a promise or a policy position: nothing to check.",
	}
	relationLabels = map[string]string{"primary": "Primary source (recording, transcript, own post)",
		"report": "Report of it", "supports": "Supports the verdict", "refutes": "Refutes the quote",
		"context": "Context"}
)

// flashes are the messages a redirect after a form may ask a page to say.
var flashes = map[string]string{
	"verdict":        "Verdict saved.",
	"citation":       "Citation added.",
	"claimed":        "You are working on this quote; others see it claimed.",
	"released":       "Claim released.",
	"saved":          "Changes saved.",
	"extracted":      "The confirmed quotes are saved and wait in the queue.",
	"revoked":        "Key revoked: its sessions have ended.",
	"merged":         "Merged: the other record's quotes and names are this one's now, and its address leads here.",
	"unmerged":       "Merge undone: this record, its quotes and its names are back.",
	"dismissed":      "Noted: the pair is not suggested again.",
	"link-confirmed": "Confirmed: the words are this quote's, and a quote recorded with them was folded into it.",
	"link-rejected":  "Rejected: the words stay apart from this quote.",
	"pinned":         "The first appearance is set.",
}

// reasonLabels say why a pair is suggested as one, in the desk's words.
var reasonLabels = map[string]string{"same_name": "a name in common", "initials": "the same surname, given names that agree",
	"same_host": "the same web address"}

// option is a choice in a select: its value, label and meaning.
type option struct{ Value, Label, Meaning string }

func options(values []string, labels, meanings map[string]string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{v, labels[v], meanings[v]}
	}
	return out
}
