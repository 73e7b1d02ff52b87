package search

import (
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q, text string
		words   int
		want    string
	}{
		{`nato`, `NATO isn’t on the table`, 40, `<mark>NATO</mark> isn’t on the table`},
		{`isn't`, `NATO isn’t on the table`, 40, `NATO <mark>isn’t</mark> on the table`},
		{`"on the table"`, `"on the table", said <Kellogg> & co`, 40, `&#34;<mark>on the table</mark>&#34;, said &lt;Kellogg&gt; &amp; co`},
		{`nato table`, `NATO table`, 40, `<mark>NATO</mark> <mark>table</mark>`},
		{`senor`, `Señor Zelenskyy`, 40, `<mark>Señor</mark> Zelenskyy`},
		{`tab*`, `the table is tabled`, 40, `the <mark>table</mark> is <mark>tabled</mark>`},
		{`nato -table`, `NATO table`, 40, `<mark>NATO</mark> table`},
		{`kellogg`, `no match in the words, only in the speaker`, 4, `no match in the…`},
		// Centred on the hit, cut with ellipses on both sides.
		{`five`, `one two three four five six seven eight nine`, 3, `…four <mark>five</mark> six…`},
		// Near the end: the window ends with the text, and keeps what follows the last word.
		{`nine`, `one two three four five six seven eight nine!`, 3, `…seven eight <mark>nine</mark>!`},
		// The start of the sentence shows the hit as well as centring would, and wins.
		{`six`, `one two three. Four five six seven eight nine`, 4, `…Four five <mark>six</mark> seven…`},
		// Two distinct words in one window beat one word twice.
		{`alpha beta`, `alpha x x x x x x alpha beta x x x`, 3, `…<mark>alpha</mark> <mark>beta</mark> x…`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Snippet(tt.text, tt.words); got != tt.want {
			t.Errorf("Snippet(%s, %q, %d)\n got %s\nwant %s", tt.q, tt.text, tt.words, got, tt.want)
		}
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add(`nato`, `NATO isn’t on the table`, 3)
	f.Add(`"on the" OR ta*`, `on the table. On the: table`, 2)
	f.Fuzz(func(t *testing.T, query, text string, words int) {
		q, err := Parse(query)
		if err != nil || words < 1 || words > 64 {
			return
		}
		got := q.Snippet(text, words)
		if strings.Count(got, "<mark>") != strings.Count(got, "</mark>") {
			t.Fatalf("unbalanced marks in %q", got)
		}
		if strings.ContainsAny(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got), "<>") {
			t.Fatalf("unescaped markup in %q", got)
		}
	})
}

// repetitive is the hostile quote: the longest text the API takes, one word repeated.
var repetitive = strings.Repeat("a ", 10000)

// TestSnippetRepetitiveIsLinear pins the bound on a snippet's work by counting, not timing:
// a text of one repeated word is 10,000 occurrences, and choosing the window must score
// each against the hits of its own window only.
func TestSnippetRepetitiveIsLinear(t *testing.T) {
	q, err := Parse("a")
	if err != nil {
		t.Fatal(err)
	}
	got := q.Snippet(repetitive, 40)
	if !strings.HasPrefix(got, "<mark>a</mark> <mark>a</mark>") || !strings.HasSuffix(got, "…") || strings.Count(got, "<mark>") != 40 {
		t.Fatalf("snippet %q", got)
	}
	allocs := testing.AllocsPerRun(3, func() { q.Snippet(repetitive, 40) })
	if allocs > 100 {
		t.Errorf("%.0f allocations for one snippet: the window search allocates per hit", allocs)
	}
}

func BenchmarkSnippetRepetitive(b *testing.B) {
	q, err := Parse("a")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		q.Snippet(repetitive, 40)
	}
}
