package extract

import (
	"math"
	"reflect"
	"testing"
)

// Fit learns what separates right readings from wrong ones, and the same examples give the
// same weights, bit for bit.
func TestFitLearnsAndIsReproducible(t *testing.T) {
	t.Parallel()
	var ex []Example
	for i := range 400 {
		// "cue=said" is always right, "cue=urged" one time in five; "len" is noise.
		said := i%2 == 0
		f := []string{"len=" + []string{"short", "long"}[i%3%2]}
		if said {
			f = append(f, "cue=said")
		} else {
			f = append(f, "cue=urged")
		}
		ex = append(ex, Example{Features: f, Right: said || i%10 == 1})
	}
	a, b := Fit(ex, 1), Fit(ex, 1)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two fits differ:\n%+v\n%+v", a, b)
	}
	if a.Weights["cue=said"] <= a.Weights["cue=urged"] {
		t.Errorf("weights %v", a.Weights)
	}
	// Fitted by log loss, the probabilities match the rates they were fitted on.
	for cue, rate := range map[string]float64{"cue=said": 1.0, "cue=urged": 0.2} {
		right, n := 0.0, 0.0
		for _, e := range ex {
			if e.Features[1] == cue {
				n++
				if e.Right {
					right++
				}
			}
		}
		p := a.Prob([]string{cue, "len=short"})
		if math.Abs(right/n-rate) > 0.01 || math.Abs(p-right/n) > 0.15 {
			t.Errorf("%s: right %.2f of the time, model says %.2f", cue, right/n, p)
		}
	}
}

// The shipped model is a trained one, with its operating point.
func TestShippedModel(t *testing.T) {
	t.Parallel()
	if Default.Version == "" || len(Default.Weights) < 50 || Default.Threshold < 0.3 || Default.Threshold > 0.95 {
		t.Fatalf("model %s: %d weights, threshold %.2f", Default.Version, len(Default.Weights), Default.Threshold)
	}
	if Threshold != Default.Threshold || Version != Default.Version {
		t.Error("the package's operating point is not the model's")
	}
}

// Best prefers the likelier reading, and the rules' order on a tie.
func TestBestChoosesTheLikelierReading(t *testing.T) {
	t.Parallel()
	m := &Model{Weights: map[string]float64{"how=after": 2, "how=before": -1}}
	p := Proposal{Options: []Option{{Candidate: Candidate{SpeakerName: "B"}, Features: []string{"how=before"}},
		{Candidate: Candidate{SpeakerName: "A"}, Features: []string{"how=after"}}}}
	if o, conf := m.Best(p); o.SpeakerName != "A" || conf != 0.88 {
		t.Errorf("best %q at %.2f", o.SpeakerName, conf)
	}
	p.Options[1].Features = []string{"how=other"}
	p.Options[0].Features = []string{"how=other"}
	if o, _ := m.Best(p); o.SpeakerName != "B" {
		t.Errorf("a tie went to %q, not the rules' first", o.SpeakerName)
	}
}
