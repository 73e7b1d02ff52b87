package claimreview

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func ptr(s string) *string { return &s }

// kellogg is the seed quote, reviewed with the given verdict, with a primary recording
// and two reports of it.
func kellogg(attribution string, rating *string, summary string) *db.Review {
	return &db.Review{
		Quote: &db.Quote{
			ID: "q_01JS8X2W5Q7K3M9N4P6R8T0V2Z", Text: "NATO isn’t on the table",
			Speaker:     db.SpeakerRef{ID: "spk_1", Name: "Keith Kellogg"},
			SpeakerRole: ptr("US Special Envoy to Ukraine"), SpeakerPosition: ptr("US Special Envoy to Ukraine"),
			SaidOn: ptr("2025-04-20"), DatePrecision: ptr("day"), Lang: ptr("en"), Attribution: attribution, Rating: rating,
			CurrentVerdict: &db.Verdict{ID: "v_1", Attribution: attribution, Rating: rating, Summary: summary,
				ReviewedBy: "factcheck-desk", CreatedAt: time.Date(2025, 4, 22, 9, 30, 0, 0, time.UTC)},
		},
		Speaker: &db.Speaker{ID: "spk_1", Name: "Keith Kellogg", WikidataQID: ptr("Q6385264")},
		Citations: []*db.Citation{
			{URL: "https://www.wsj.example/articles/witkoff-russia", Relation: "report", Title: ptr("Witkoff May Head to Russia"),
				Publisher: ptr("The Wall Street Journal"), PublishedAt: ptr("2025-04-20")},
			{URL: "https://www.foxnews.example/video/kellogg", Relation: "primary", Title: ptr("Kellogg on Fox News"),
				Publisher: ptr("Fox News"), PublishedAt: ptr("2025-04-20")},
			{URL: "https://www.kyivindependent.example/witkoff", Relation: "report", PublishedAt: ptr("2025-04-21")},
			{URL: "https://www.nato.example/ukraine-relations", Relation: "context", Title: ptr("Relations with Ukraine")},
		},
	}
}

var publisher = Publisher{Name: "Verbatim Fact Check", URL: "https://factcheck.example.org",
	QuoteURL: "https://factcheck.example.org/quotes/{id}"}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		review *db.Review
	}{
		{"five_point_mostly_false", kellogg("verified", ptr("mostly_false"),
			"The words are Kellogg's; the claim leaves out that membership was never formally offered.")},
		{"not_checkable", kellogg("verified", ptr("not_checkable"),
			"Kellogg said this on Fox News on 20 April 2025; it states a policy position, not a checkable fact.")},
		{"misattributed", func() *db.Review {
			r := kellogg("misattributed", ptr("false"), "The line was Witkoff's, not Kellogg's.")
			r.Quote.DatePrecision, r.Quote.SaidOn = ptr("month"), ptr("2025-04-01")
			r.Speaker.WikidataQID = nil
			return r
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(Build(tt.review, publisher), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ClaimReview differs from %s:\n%s", path, got)
			}
		})
	}
}

func TestRatingScale(t *testing.T) {
	tests := []struct {
		attribution string
		rating      *string
		value       int
		name        string
	}{
		{"verified", ptr("true"), 5, "True"},
		{"verified", ptr("mostly_true"), 4, "Mostly true"},
		{"paraphrased", ptr("half_true"), 3, "Half true"},
		{"verified", ptr("mostly_false"), 2, "Mostly false"},
		{"unverified", ptr("false"), 1, "False"},
		{"verified", ptr("unproven"), 0, "Unproven"},
		{"verified", nil, 0, "Verified quote"},
		{"unverified", nil, 0, "Unverified"},
		{"out_of_context", ptr("true"), 0, "Out of context"},
		{"disputed", nil, 0, "Disputed attribution"},
	}
	for _, tt := range tests {
		r := rating(&db.Verdict{Attribution: tt.attribution, Rating: tt.rating})
		if r.RatingValue != tt.value || r.AlternateName != tt.name {
			t.Errorf("%s/%v: got %d %q, want %d %q", tt.attribution, tt.rating, r.RatingValue, r.AlternateName, tt.value, tt.name)
		}
		if (r.RatingValue != 0) != (r.BestRating == 5 && r.WorstRating == 1) {
			t.Errorf("%s/%v: a value needs bestRating 5 and worstRating 1: %+v", tt.attribution, tt.rating, r)
		}
	}
}

// Every outcome of the core's two axes, alone and together, has its ClaimReview rating:
// an outcome added to the core without one here fails.
func TestEveryOutcomeHasARating(t *testing.T) {
	for _, a := range db.Attributions {
		for _, r := range append([]string{""}, db.Ratings...) {
			v := &db.Verdict{Attribution: a}
			if r != "" {
				v.Rating = &r
			}
			if got := rating(v); got.AlternateName == "" {
				t.Errorf("%s/%s has no ClaimReview rating: %+v", a, r, got)
			}
		}
	}
}
