package console

import (
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// Every value of the core's two axes is named and explained beside the verdict form.
func TestEveryOutcomeIsExplained(t *testing.T) {
	for _, a := range db.Attributions {
		if attributionLabels[a] == "" || attributionMeanings[a] == "" {
			t.Errorf("attribution %q has no label or meaning", a)
		}
	}
	for _, r := range db.Ratings {
		if ratingLabels[r] == "" || ratingMeanings[r] == "" {
			t.Errorf("rating %q has no label or meaning", r)
		}
	}
	for _, r := range db.Relations {
		if relationLabels[r] == "" {
			t.Errorf("relation %q has no label", r)
		}
	}
	if len(attributionLabels) != len(db.Attributions) || len(ratingLabels) != len(db.Ratings) {
		t.Errorf("labels for outcomes the core does not have")
	}
}

// A redirect after sign-in stays inside the console.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/console/quotes/q_1": "/console/quotes/q_1", "/console/search?q=a": "/console/search?q=a",
		"": "/console/queue", "https://evil.example/": "/console/queue", "//evil.example/console/": "/console/queue",
		"/console/\\evil": "/console/queue", "/v1/keys": "/console/queue",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
