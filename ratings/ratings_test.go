package ratings

import (
	"bufio"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		label       string
		attribution string
		rating      string
	}{
		// PolitiFact's six, as published and as scraped.
		{"True", "", "true"}, {"Mostly True", "", "mostly_true"}, {"Half True", "", "half_true"},
		{"half-true", "", "half_true"}, {"Mostly False", "", "mostly_false"}, {"False", "", "false"},
		{"Pants on Fire!", "", "false"}, {"pants-on-fire", "", "false"},
		// Snopes.
		{"Mixture", "", "half_true"}, {"Unproven", "", "unproven"}, {"Miscaptioned", "out_of_context", ""},
		{"Misattributed", "misattributed", ""}, {"Correct Attribution", "verified", ""},
		{"Disputed attribution", "disputed", ""}, {"Verified quote", "verified", ""}, {"Paraphrased", "paraphrased", ""}, {"Legend", "", "unproven"},
		{"Labeled Satire", "", "not_checkable"}, {"Originated as Satire", "", "not_checkable"}, {"Scam", "", "false"},
		// AFP.
		{"Misleading", "", "mostly_false"}, {"Missing context", "", "half_true"}, {"Missing Context", "", "half_true"},
		{"Altered image", "", "false"}, {"Altered Photo/Video", "", "false"}, {"Partly false", "", "half_true"},
		{"Decontextualized", "out_of_context", ""},
		// Case, spacing and spelling variants.
		{"FALSE", "", "false"}, {"  false ", "", "false"}, {"Partlyfalse", "", "half_true"}, {"MOSTLYTRUE", "", "mostly_true"},
		{"Not True", "", "false"}, {"Incorrect", "", "false"}, {"Fake", "", "false"}, {"Somewhat True", "", "half_true"},
		{"Somewhat False", "", "mostly_false"}, {"Mixed", "", "half_true"}, {"Correct", "", "true"},
		// The medium named after the verdict, and agreeing compounds.
		{"False claim", "", "false"}, {"Misleading image and text", "", ""}, {"Misleading video", "", "mostly_false"},
		{"False/Fabricated", "", "false"}, {"false / fabricated", "", "false"},
	}
	for _, tt := range tests {
		v, err := Normalize(tt.label)
		if tt.attribution == "" && tt.rating == "" {
			if !errors.Is(err, ErrUnknown) {
				t.Errorf("Normalize(%q) = %+v, %v; want it reported as unknown", tt.label, v, err)
			}
			continue
		}
		if err != nil || v.Attribution != tt.attribution || v.Rating != tt.rating {
			t.Errorf("Normalize(%q) = %+v, %v; want {%s %s}", tt.label, v, err, tt.attribution, tt.rating)
		}
	}
}

func TestUnknownLabelsAreReported(t *testing.T) {
	t.Parallel()
	for _, label := range []string{"", "Other", "Unknown", "Outdated", "Explainer", "four pinocchios", "False/True", "42", "🤷"} {
		v, err := Normalize(label)
		if !errors.Is(err, ErrUnknown) {
			t.Errorf("Normalize(%q) = %+v, %v; want ErrUnknown", label, v, err)
		} else if !strings.Contains(err.Error(), "\""+label+"\"") {
			t.Errorf("error %q does not quote the label", err)
		}
	}
}

// The table's keys are normalised (that its values are on the core's two axes is the
// core's to check: db.TestVocabulariesHoldEverywhere).
func TestTableKeys(t *testing.T) {
	t.Parallel()
	for k, v := range labels {
		if v == (Verdict{}) || key(k) != k {
			t.Errorf("table entry %q = %+v", k, v)
		}
	}
}

// sharedData is the evaluation material beside the repository; these tests skip without it.
func sharedData(t *testing.T, parts ...string) string {
	t.Helper()
	path := filepath.Join(append([]string{"..", "..", "shared", "data"}, parts...)...)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("evaluation data not found: %v", err)
	}
	return path
}

// On X-FACT's 648 labels from 36 fact-checkers (their English renderings): every label
// the table knows must land where X-FACT's seven classes put it; the rest are reported.
func TestXFactLabels(t *testing.T) {
	t.Parallel()
	f, err := os.Open(sharedData(t, "xfact-label-maps", "site_label_pairs.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	agree := map[string]map[string]bool{
		"true":                           {"true": true},
		"mostly true":                    {"mostly_true": true},
		"partly true/misleading":         {"half_true": true, "mostly_false": true, "false": true, "out_of_context": true, "misattributed": true},
		"mostly false":                   {"mostly_false": true},
		"false":                          {"false": true},
		"complicated/hard to categorise": {"unproven": true, "not_checkable": true},
		"other":                          {"not_checkable": true, "misattributed": true, "unproven": true},
	}
	var known, unknown int
	unknownLabels := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 {
			continue
		}
		label, class := cols[2], cols[3]
		v, err := Normalize(label)
		if err != nil {
			unknown++
			unknownLabels[label]++
			continue
		}
		known++
		if got := v.Rating + v.Attribution; !agree[class][v.Rating] && !agree[class][v.Attribution] {
			t.Errorf("%s (%q → %s): X-FACT says %q", cols[0], cols[1], got, class)
		}
	}
	t.Logf("X-FACT: %d labels mapped, %d reported unknown: %v", known, unknown, sortedKeys(unknownLabels))
	if known < 500 {
		t.Errorf("only %d of %d X-FACT labels mapped", known, known+unknown)
	}
}

// On ClaimsKG's 510 real ClaimReview ratings from 10 fact-checkers.
func TestClaimsKGLabels(t *testing.T) {
	t.Parallel()
	f, err := os.Open(sharedData(t, "claimskg", "claimreview_flat.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, name := range records[0] {
		if name == "rating_alternateName" {
			col = i
		}
	}
	var known int
	unknown := map[string]int{}
	for _, r := range records[1:] {
		if _, err := Normalize(r[col]); err != nil {
			unknown[r[col]]++
			continue
		}
		known++
	}
	t.Logf("ClaimsKG: %d of %d ratings mapped; unknown: %v", known, len(records)-1, sortedKeys(unknown))
	for label := range unknown {
		if label != "Other" && label != "Unknown" && label != "" {
			t.Errorf("a published label is not in the table: %q", label)
		}
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
