package db

import "github.com/verbatimhq/verbatim/similar"

// The vocabularies: every enumerated value Verbatim knows, declared once, here. The rules
// that check input take them from here (the validator tags named in Vocabularies), and
// tests hold everything that cannot take them — the OpenAPI document's enums, the
// engines' CHECK constraints, the console's labels, the ClaimReview mapping, the label
// normaliser — to exactly these lists.

// Attributions are the outcomes of "did this speaker say these words?".
var Attributions = []string{"unverified", "verified", "paraphrased", "out_of_context", "disputed", "misattributed"}

// Ratings are the outcomes of "is the claim true?": a five-point scale, true to false,
// and two that are no point on it.
var Ratings = []string{"true", "mostly_true", "half_true", "mostly_false", "false", "unproven", "not_checkable"}

// Settings a quote can have been said in.
var Settings = []string{"interview", "speech", "press_conference", "statement", "social_post", "document", "other"}

// DatePrecisions are how precisely said_on is known.
var DatePrecisions = []string{"day", "month", "year"}

// Relations a citation can have to its quote.
var Relations = []string{"primary", "report", "supports", "refutes", "context"}

// Roles a key can have, from least to most trusted.
var Roles = []string{"reader", "editor", "factchecker", "admin"}

// EventTypes are the changes an endpoint can be told of.
var EventTypes = []string{"quote.created", "quote.updated", "quote.deleted", "quote.merged", "quote.unmerged",
	"quote.reappeared", "appearance.created", "appearance.updated", "verdict.created",
	"citation.created", "citation.updated", "citation.deleted", "speaker.created", "speaker.updated", "speaker.deleted",
	"speaker.merged", "speaker.unmerged", "outlet.created", "outlet.updated", "outlet.deleted", "outlet.merged", "outlet.unmerged"}

// EventResources are what an event can be about: the resources of EventTypes, and the
// webhook itself for a ping.
var EventResources = []string{"quote", "verdict", "citation", "appearance", "speaker", "outlet", "webhook"}

// QuoteSorts are the orders a quote list can take. relevance needs a query.
var QuoteSorts = []string{"relevance", "-said_on", "said_on", "-created_at", "created_at", "-first_seen", "first_seen"}

// Facets are the dimensions a result can be counted by.
var Facets = []string{"speaker", "outlet", "year", "attribution", "rating", "tag", "appeared_in", "appeared_year"}

// DeliveryStates are where a webhook delivery stands.
var DeliveryStates = []string{"pending", "succeeded", "failed"}

// SourceStates are where a citation's page fetch stands.
var SourceStates = []string{"pending", "fetched", "failed"}

// AuditActions are what an audit entry records being done.
var AuditActions = []string{"create", "update", "delete", "verdict", "revoke", "rotate", "redeliver", "recover",
	"merge", "unmerge", "dismiss", "load"}

// AuditResources are what an audit entry records it was done to.
var AuditResources = []string{"quote", "speaker", "outlet", "citation", "appearance", "verdict", "key", "webhook", "load"}

// MergeKinds are what can be merged into another of its kind.
var MergeKinds = []string{"speaker", "outlet", "quote"}

// DuplicateKinds are what the duplicates queue suggests merging.
var DuplicateKinds = []string{"speaker", "outlet"}

// AppearanceStates are where an appearance stands: a link suggested for a fact-checker,
// confirmed, or rejected (the words are not the quote's).
var AppearanceStates = []string{"suggested", "confirmed", "rejected"}

// AppearanceVias are what recorded an appearance (Appearance.Via).
var AppearanceVias = []string{"appearance", "record", "extraction", "import", "claimreview", "merge"}

// AppearanceMatches are how an appearance's words were matched to its quote's.
var AppearanceMatches = []string{"exact", "folded", "near", "hand"}

// AppearanceInputStates are the states an appearance may be recorded in.
var AppearanceInputStates = []string{"suggested", "confirmed"}

// LinkOutcomes are what recording words the archive held did (Link.Outcome).
var LinkOutcomes = []string{"appearance", "suggested"}

// DiffOps are the steps of a word-level diff (similar.Op).
var DiffOps = []string{"equal", "insert", "delete"}

// KeepVerdicts say, when a confirmed link folds a quote with verdicts into another with
// verdicts, whose current verdict the survivor keeps.
var KeepVerdicts = []string{"quote", "linked"}

// DuplicateReasons are why two speakers or outlets are suggested as one: a name of one
// that is a name or alias of the other (folded), the same surname with given names or
// initials that agree ("K. Kellogg", "Keith Kellogg", "Gen. Kellogg"), the same web host
// (outlets). A shared Wikidata QID is no reason here: two speakers cannot hold one.
var DuplicateReasons = []string{"same_name", "initials", "same_host"}

// QIDActions are what a Wikidata redirect did to a speaker: merged it into the speaker
// holding the new QID, or gave it the new QID in place of the old.
var QIDActions = []string{"merged", "repointed"}

// LoadStates are where a bulk load stands: running (or killed part way, for --resume),
// done, failed.
var LoadStates = []string{"running", "done", "failed"}

// Vocabularies are the vocabularies by the name the validator's tags and the tests know
// each by: `validate:"omitempty,setting"` checks a value is among Settings.
var Vocabularies = map[string][]string{
	"attribution": Attributions, "rating": Ratings, "setting": Settings, "date_precision": DatePrecisions,
	"relation": Relations, "role": Roles, "event_type": EventTypes, "event_resource": EventResources,
	"sort": QuoteSorts, "facet": Facets,
	"delivery_state": DeliveryStates, "source_state": SourceStates, "audit_action": AuditActions,
	"audit_resource": AuditResources, "merge_kind": MergeKinds, "duplicate_reason": DuplicateReasons,
	"qid_action": QIDActions, "appearance_state": AppearanceStates, "appearance_input_state": AppearanceInputStates,
	"appearance_via": AppearanceVias, "appearance_match": AppearanceMatches,
	"keep_verdict": KeepVerdicts, "link_outcome": LinkOutcomes, "duplicate_kind": DuplicateKinds, "diff_op": DiffOps, "drift_class": similar.DriftClasses,
	"load_state": LoadStates,
}
