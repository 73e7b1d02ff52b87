package fold

import (
	"math/rand/v2"
	"testing"
)

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"NATO isn’t on the table", "nato isn't on the table"},
		{"NATO isn't on the table", "nato isn't on the table"},
		{"“durable peace”", "\"durable peace\""},
		{"seized—but not all", "seized-but not all"},
		{"Señor  Zelenskyy’s\u00a0words", "senor zelenskyy's words"},
		{"  Gen.\tKellogg \n", "gen. kellogg"},
		{"Straße", "strasse"},
		{"Łódź", "lodz"},
		{"ﬁnal", "final"}, // NFKD splits the ligature
		{"", ""},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The ASCII fast path folds exactly as the Unicode path does, for every kind of ASCII
// character: spaces of all kinds, controls, capitals, the backquote.
func TestASCIIPathMatchesUnicodePath(t *testing.T) {
	t.Parallel()
	alphabet := []byte("aZ `'\t\n\v\f\r\x00\x1f\x7f-.,Q9 ")
	rng := rand.New(rand.NewPCG(7, 7))
	for range 20000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		if got, want := String(s), unicodeString(s); got != want {
			t.Fatalf("String(%q) = %q, the Unicode path gives %q", s, got, want)
		}
	}
	for i := range 128 {
		s := "x" + string(rune(i)) + "Y  z"
		if got, want := String(s), unicodeString(s); got != want {
			t.Fatalf("String(%q) = %q, the Unicode path gives %q", s, got, want)
		}
	}
}

// Map must fold exactly as String does: the source check finds quotes with it, the
// excerpt check with String, and the two must agree.
func TestMapFoldsAsStringDoes(t *testing.T) {
	cases := []string{"", "  ", "NATO isn't on the table", "\u201cNATO isn\u2019t on the table,\u201d Kellogg said.",
		"Caf\u00e9 cre\u0300me \u2014 \u00bd price", "a\u00a0\u00a0b\u2003c\u200bd", "\tLeading and trailing \n",
		"Stra\u00dfe \u0152uvre \u2026 done", "back`tick", "ctrl\x01chars\x7f", "\ufeffBOM first", "e\u0301 combining",
		"\u00bc and \ufb01 ligature", "\u212b Angstrom", "mixed ASCII then \u00c9COLE"}
	for _, s := range cases {
		got, offsets := Map(s)
		if want := String(s); got != want {
			t.Errorf("Map(%q) = %q, String gives %q", s, got, want)
		}
		if len(offsets) != len(got) {
			t.Fatalf("Map(%q): %d offsets for %d bytes", s, len(offsets), len(got))
		}
		for i := 1; i < len(offsets); i++ {
			if offsets[i] < offsets[i-1] || offsets[i] >= len(s) {
				t.Fatalf("Map(%q): offsets %v not increasing within the text", s, offsets)
			}
		}
	}
}

func FuzzMapFoldsAsStringDoes(f *testing.F) {
	f.Add("\u201cNATO isn\u2019t on the table\u201d")
	f.Fuzz(func(t *testing.T, s string) {
		if got, _ := Map(s); got != String(s) {
			t.Errorf("Map(%q) = %q, String gives %q", s, got, String(s))
		}
	})
}
