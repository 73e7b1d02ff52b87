package db

import (
	"slices"
	"testing"

	"github.com/verbatimhq/verbatim/ratings"
)

// The vocabularies hold everywhere they are used: each value passes the validator tag of
// its name and nothing else does, and the label normaliser lands only on the two axes.
// (The document's enums are held to them by api.TestDocumentEnumsAreTheCoresVocabularies,
// the engines' CHECK constraints by the conformance suite's VocabulariesStored, the
// console's labels by console.TestEveryOutcomeIsExplained.)
func TestVocabulariesHoldEverywhere(t *testing.T) {
	v := theValidator()
	for name, vocab := range Vocabularies {
		if len(vocab) == 0 || len(slices.Compact(slices.Sorted(slices.Values(vocab)))) != len(vocab) {
			t.Errorf("%s: empty or with a value twice: %v", name, vocab)
		}
		for _, value := range vocab {
			if err := v.Var(value, name); err != nil {
				t.Errorf("%s refuses its own %q: %v", name, value, err)
			}
		}
		if err := v.Var(vocab[0]+"x", name); err == nil {
			t.Errorf("%s takes a value it does not have", name)
		}
	}
	for label, verdict := range ratings.Known() {
		if verdict.Attribution != "" && !slices.Contains(Attributions, verdict.Attribution) ||
			verdict.Rating != "" && !slices.Contains(Ratings, verdict.Rating) {
			t.Errorf("the label %q lands off the axes: %+v", label, verdict)
		}
	}
}
