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
