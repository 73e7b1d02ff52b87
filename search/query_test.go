package search

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, fts string
	}{
		{`nato`, `"nato"`},
		{`NATO table`, `"nato" AND "table"`},
		{`isn't`, `"isn t"`},
		{`isn’t`, `"isn t"`},
		{`"on the table"`, `"on the table"`},
		{`“on the table”`, `"on the table"`},
		{`nat*`, `"nat"*`},
		{`"durable pea"*`, `"durable pea"*`},
		{`nato -russia`, `"nato" NOT "russia"`},
		{`nato -"peace plan"`, `"nato" NOT "peace plan"`},
		{`nato OR ukraine table`, `("nato" OR "ukraine") AND "table"`},
		{`nato OR ukraine OR crimea`, `("nato" OR "ukraine" OR "crimea")`},
		{`OR nato`, `"nato"`},
		{`nato OR`, `"nato"`},
		{`nato or ukraine`, `"nato" AND "or" AND "ukraine"`},
		{`AND NOT NEAR(nato, 5)`, `"and" AND "not" AND "near nato" AND "5"`},
		{`text:nato`, `"text nato"`},
		{`"unclosed phrase`, `"unclosed phrase"`},
		{`a "b" c`, `"a" AND "b" AND "c"`},
		{`nato - russia`, `"nato" AND "russia"`},
		{`señor`, `"senor"`},
		{`***nato***`, `"nato"*`},
		{`nato 🤷`, `"nato"`},
		{`e.g. U.S.`, `"e g" AND "u s"`},
		{`Zelenskyy's`, `"zelenskyy s"`},
		{`"" nato`, `"nato"`},
		{`{nato} [x] (y)`, `"nato" AND "x" AND "y"`},
		{`x^2 + y`, `"x 2" AND "y"`},
		{`東京 2025`, `"東 京" AND "2025"`},
		{`日本*`, `"日 本"`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := q.FTS(); got != tt.fts {
			t.Errorf("Parse(%q).FTS() = %s, want %s", tt.in, got, tt.fts)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, says string }{
		{``, "no words"},
		{`   `, "no words"},
		{`"`, "no words"},
		{`* * *`, "no words"},
		{`🤷 ¯\_(ツ)_/¯`, "no words"[:2]}, // ツ is a letter: see below
		{`-nato`, "only excludes"},
		{`-nato -russia`, "only excludes"},
		{`--nato`, "only excludes"},
		{`a*`, "prefix"},
		{`nato "x"*`, "prefix"},
		{strings.Repeat("word ", 40), "more than 32 terms"},
		{strings.Repeat("x", 1001), "over 1000 bytes"},
		{`OR OR OR`, "no words"},
		{`-- - -`, "no words"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if tt.in == `🤷 ¯\_(ツ)_/¯` {
			if err != nil || q.FTS() != `"ツ"` {
				t.Errorf("Parse(%q) = %v, %v", tt.in, q, err)
			}
			continue
		}
		if !errors.Is(err, ErrQuery) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Parse(%.40q) = %v, %v; want an error saying %q", tt.in, q, err, tt.says)
		}
	}
}

// FuzzParse: whatever is typed, Parse either refuses it with ErrQuery or yields an FTS5
// expression whose every user token sits inside a balanced quoted string.
func TestLoose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, loose string
	}{
		{`nato table`, `"nato" AND "table"`},
		{`"on the table"`, `("on" AND "the" AND "table")`},
		{`isn't`, `("isn" AND "t")`},
		{`"durable pea"*`, `("durable" AND "pea"*)`},
		{`nat*`, `"nat"*`},
		{`"peace plan" OR nato table`, `(("peace" AND "plan") OR "nato") AND "table"`},
		{`nato -russia`, `"nato" NOT "russia"`},
		{`nato -"peace plan" -russia`, `"nato" NOT "russia"`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := q.Loose(); got != tt.loose {
			t.Errorf("Parse(%q).Loose() = %s, want %s", tt.in, got, tt.loose)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`nato`, `"on the table"`, `nat*`, `-x y`, `a OR b`, `NEAR("a" "b")`, `"`, `isn’t`, "\xff\xfe", `x:"y`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrQuery) {
				t.Fatalf("Parse(%q): %v does not wrap ErrQuery", s, err)
			}
			return
		}
		if !utf8.ValidString(s) {
			return // invalid input bytes become U+FFFD separators
		}
		for _, fts := range []string{q.FTS(), q.Loose()} {
			// Outside quoted strings only operators, parentheses, * and spaces may appear.
			outside := strings.Builder{}
			in := false
			for i := 0; i < len(fts); i++ {
				c := fts[i]
				if c == '"' {
					if in && i+1 < len(fts) && fts[i+1] == '"' {
						i++
						continue
					}
					in = !in
					continue
				}
				if !in {
					outside.WriteByte(c)
				}
			}
			if in {
				t.Fatalf("unbalanced quotes in %s", fts)
			}
			for _, w := range strings.Fields(strings.NewReplacer("(", " ", ")", " ", "*", " ").Replace(outside.String())) {
				if w != "AND" && w != "OR" && w != "NOT" {
					t.Fatalf("%q outside a string in %s (from %q)", w, fts, s)
				}
			}
		}
	})
}

func TestTSQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, ts, loose string }{
		{`nato`, `('nato')`, `('nato')`},
		{`NATO Table`, `('nato') & ('table')`, `('nato') & ('table')`},
		{`isn’t`, `('isn' <-> 't')`, `('isn' & 't')`},
		{`"on the table"`, `('on' <-> 'the' <-> 'table')`, `('on' & 'the' & 'table')`},
		{`nat*`, `('nat':*)`, `('nat':*)`},
		{`"durable pea"*`, `('durable' <-> 'pea':*)`, `('durable' & 'pea':*)`},
		{`nato -russia`, `('nato') & !('russia')`, `('nato') & !('russia')`},
		{`nato -"peace plan"`, `('nato') & !('peace' <-> 'plan')`, `('nato')`},
		{`nato OR ukraine table`, `('nato' | 'ukraine') & ('table')`, `('nato' | 'ukraine') & ('table')`},
		{`"a b" OR c`, `('a' <-> 'b' | 'c')`, `('a' & 'b' | 'c')`},
		{`Président`, `('president')`, `('president')`},
		{`Straße`, `('strasse')`, `('strasse')`},
		{`東京`, `('東' <-> '京')`, `('東' & '京')`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := q.TSQuery(); got != tt.ts {
			t.Errorf("Parse(%q).TSQuery() = %s, want %s", tt.in, got, tt.ts)
		}
		if got := q.LooseTSQuery(); got != tt.loose {
			t.Errorf("Parse(%q).LooseTSQuery() = %s, want %s", tt.in, got, tt.loose)
		}
	}
	if got := IndexTokens("NATO isn’t on the Table — Président, e\u0301te\u0301"); strings.Join(got, " ") != "nato isn t on the table president ete" {
		t.Errorf("IndexTokens: %q", got)
	}
}

// ASCII text splits and folds on the fast path exactly as on the Unicode one.
func TestASCIITokensMatchUnicodeTokens(t *testing.T) {
	t.Parallel()
	alphabet := []byte("aZ09 '\"-*.\t\n\x00\x7f_~`")
	rng := rand.New(rand.NewPCG(3, 9))
	for range 20000 {
		b := make([]byte, rng.IntN(16))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		if got, want := Tokens(s), unicodeTokens(s); strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("Tokens(%q) = %q, want %q", s, got, want)
		}
		var want []string
		for _, tok := range unicodeTokens(s) {
			want = append(want, foldToken(tok))
		}
		if got := IndexTokens(s); strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("IndexTokens(%q) = %q, want %q", s, got, want)
		}
	}
}
