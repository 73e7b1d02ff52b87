package similar

import (
	"fmt"
	"hash/fnv"
	"testing"
)

func TestVariantsAreSimilar(t *testing.T) {
	t.Parallel()
	base := Features("NATO isn’t on the table")
	tests := []struct {
		text     string
		min, max float64
	}{
		{"NATO isn't on the table", 1, 1},
		{"NATO is not on the table", 1, 1},
		{"“Nato isn’t on the table.”", 1, 1},
		{"Nato isn't on the table for Ukraine", 0.7, 0.8},
		{"NATO membership isn't on the table", 0.6, 0.8},
		{"We discussed the table of contents", 0, 0.2},
		{"Ukraine will never surrender", 0, 0},
	}
	for _, tt := range tests {
		s := Jaccard(base, Features(tt.text))
		if s < tt.min || s > tt.max {
			t.Errorf("%q: similarity %.2f, want %.2f..%.2f", tt.text, s, tt.min, tt.max)
		}
	}
}

func TestBandKeys(t *testing.T) {
	t.Parallel()
	a := BandKeys(Features("NATO isn’t on the table"))
	if len(a) != Bands {
		t.Fatalf("%d keys, want %d", len(a), Bands)
	}
	if fmt.Sprint(a) != fmt.Sprint(BandKeys(Features("NATO is not on the table"))) {
		t.Error("identical word sets must share every band")
	}
	if BandKeys(Features("…")) != nil {
		t.Error("no words, no bands")
	}
	// Near-duplicates share a band far more often than unrelated quotes do.
	shared := func(x, y string) bool {
		kx, ky := BandKeys(Features(x)), BandKeys(Features(y))
		for i := range kx {
			if kx[i] == ky[i] {
				return true
			}
		}
		return false
	}
	near, far := 0, 0
	for i := range 200 {
		s := fmt.Sprintf("the envoy said on day %d that NATO membership for Ukraine is not on the table", i)
		if shared(s, fmt.Sprintf("the envoy said on day %d that NATO membership for Ukraine is not on the table now", i)) {
			near++
		}
		if shared(s, fmt.Sprintf("markets closed higher on day %d after a quiet session of trading", i)) {
			far++
		}
	}
	if near < 180 || far > 10 {
		t.Errorf("near-duplicates shared a band %d/200 times, unrelated quotes %d/200", near, far)
	}
}

// The hashes behind stored band keys never change: hash and hashPair are FNV-1a of the
// word and of the words joined by a space, as hash/fnv computes them.
func TestHashIsFNV1a(t *testing.T) {
	t.Parallel()
	for _, w := range [][2]string{{"nato", "isn"}, {"", ""}, {"é", "東京"}, {"a b", "c"}} {
		h := fnv.New64a()
		h.Write([]byte(w[0]))
		if got := hash(w[0]); got != h.Sum64() {
			t.Errorf("hash(%q) = %x, want %x", w[0], got, h.Sum64())
		}
		h = fnv.New64a()
		h.Write([]byte(w[0] + " " + w[1]))
		if got := hashPair(w[0], w[1]); got != h.Sum64() {
			t.Errorf("hashPair(%q, %q) = %x, want %x", w[0], w[1], got, h.Sum64())
		}
	}
}
