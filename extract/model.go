package extract

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// Model scores the rules' readings of a quote: a logistic regression over named
// features, fitted on PolNeAR's training articles by scripts/extracttrain. Logistic
// regression because its outputs are probabilities fitted by log loss — a confidence that
// means what it says without a second calibration step — and because its weights are a
// short, readable file a reviewer can diff; the features are few and mostly independent,
// where trees would buy little.
type Model struct {
	Version   string             `json:"version"`
	TrainedOn string             `json:"trained_on"`
	L2        float64            `json:"l2"`        // the ridge penalty the dev split chose
	Threshold float64            `json:"threshold"` // the operating point the dev split chose
	Bias      float64            `json:"bias"`
	Weights   map[string]float64 `json:"weights"`
}

//go:embed model.json
var modelJSON []byte

// Default is the model the binary ships: extract/model.json.
var Default = mustModel(modelJSON)

var (
	// Version names the model; stored quotes record which one found them.
	Version = Default.Version
	// Threshold is the operating point: candidates at least this confident are what the
	// measured precision and recall describe and what a save stores; those below it are
	// returned for a person to review.
	Threshold = Default.Threshold
)

// ReviewFloor is the confidence below which a reading is not returned at all: a title,
// scare quotes, a name taken for a speaker by a stray cue.
const ReviewFloor = 0.3

func mustModel(b []byte) *Model {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("extract: model.json: %v", err))
	}
	return &m
}

// Prob is the probability the model gives a reading with these features of being right:
// the words are a quote and the speaker is the one who said them.
func (m *Model) Prob(features []string) float64 {
	z := m.Bias
	for _, f := range features {
		z += m.Weights[f]
	}
	return 1 / (1 + math.Exp(-z))
}

// Best is the proposal's likeliest reading and its confidence, to two places; on a tie
// the rules' own preference (the earlier option) wins.
func (m *Model) Best(p Proposal) (Option, float64) {
	best, bp := -1, -1.0
	for i, o := range p.Options {
		if pr := m.Prob(o.Features); pr > bp {
			best, bp = i, pr
		}
	}
	if best < 0 {
		return Option{}, 0
	}
	return p.Options[best], math.Round(bp*100) / 100
}

// Example is one reading the trainer knows the answer for.
type Example struct {
	Features []string
	Right    bool
}

// Fit fits a model to examples by Newton's method on the L2-penalised log loss (the bias
// unpenalised). Features are indexed in sorted order and the examples summed in the order
// given, so the same examples give the same weights, bit for bit.
func Fit(examples []Example, l2 float64) *Model {
	seen := map[string]bool{}
	for _, e := range examples {
		for _, f := range e.Features {
			seen[f] = true
		}
	}
	names := make([]string, 0, len(seen))
	for f := range seen {
		names = append(names, f)
	}
	slices.Sort(names)
	index := make(map[string]int, len(names))
	for i, f := range names {
		index[f] = i + 1 // 0 is the bias
	}
	rows := make([][]int, len(examples))
	for i, e := range examples {
		row := []int{0}
		for _, f := range e.Features {
			row = append(row, index[f])
		}
		rows[i] = row
	}
	n := len(names) + 1
	w := make([]float64, n)
	for range 100 {
		g := make([]float64, n)
		h := make([]float64, n*n)
		for i := 1; i < n; i++ {
			g[i] = l2 * w[i]
			h[i*n+i] = l2
		}
		h[0] += 1e-9 // keeps the system positive definite with no examples at all
		for i, row := range rows {
			z := 0.0
			for _, j := range row {
				z += w[j]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if examples[i].Right {
				y = 1
			}
			s := float64(p * (1 - p))
			for _, j := range row {
				g[j] += p - y
				for _, k := range row {
					h[j*n+k] += s
				}
			}
		}
		step := solve(h, g, n)
		most := 0.0
		for i := range w {
			w[i] -= step[i]
			most = max(most, math.Abs(step[i]))
		}
		if most < 1e-9 {
			break
		}
	}
	m := &Model{L2: l2, Bias: round(w[0]), Weights: make(map[string]float64, len(names))}
	for i, f := range names {
		if v := round(w[i+1]); v != 0 {
			m.Weights[f] = v
		}
	}
	return m
}

// round keeps six places: the weights file stays readable, and the last bits of a sum
// never show in it.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// solve solves h·x = g for a symmetric positive definite h (n×n, row-major) by Cholesky.
func solve(h, g []float64, n int) []float64 {
	l := make([]float64, n*n)
	for i := range n {
		for j := 0; j <= i; j++ {
			s := h[i*n+j]
			for k := range j {
				s -= float64(l[i*n+k] * l[j*n+k])
			}
			if i == j {
				l[i*n+i] = math.Sqrt(max(s, 1e-12))
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
	}
	y := make([]float64, n)
	for i := range n {
		s := g[i]
		for k := range i {
			s -= float64(l[i*n+k] * y[k])
		}
		y[i] = s / l[i*n+i]
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < n; k++ {
			s -= float64(l[k*n+i] * x[k])
		}
		x[i] = s / l[i*n+i]
	}
	return x
}
