package similar

import (
	"reflect"
	"testing"
)

func TestDrift(t *testing.T) {
	const quote = "NATO isn't on the table, and we have been clear about that from the start."
	for _, c := range []struct {
		name, words, class string
		changed            int
		ops                []Op
	}{
		{"identical", quote, Identical, 0, []Op{{"equal", quote}}},
		{"typographic", "Nato isn’t on the table — and we have been clear about that from the start", Typographic, 0, nil},
		{"fragment", "we have been clear about that", Fragment, 0,
			[]Op{{"delete", "NATO isn't on the table, and"}, {"equal", "we have been clear about that"}, {"delete", "from the start."}}},
		{"minor", "NATO is not on the table, and we have been clear about that from the start.", Minor, 2,
			[]Op{{"equal", "NATO"}, {"delete", "isn't"}, {"insert", "is not"}, {"equal", "on the table, and we have been clear about that from the start."}}},
		{"altered", "NATO is very much on the table for Ukraine, we were told.", Altered, 0, nil},
		{"two runs are no fragment", "NATO isn't on the table, we have been clear about that from the start.", Minor, 1, nil},
		{"many words dropped", "NATO isn't on the table from the start.", Altered, 7, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			class, ops, changed := Drift(quote, c.words)
			if class != c.class {
				t.Errorf("class %q, want %q (ops %+v)", class, c.class, ops)
			}
			if c.ops != nil && !reflect.DeepEqual(ops, c.ops) {
				t.Errorf("ops %+v, want %+v", ops, c.ops)
			}
			if c.changed != 0 && changed != c.changed {
				t.Errorf("changed %d, want %d", changed, c.changed)
			}
		})
	}
}

func TestDriftHugeTextsStayBounded(t *testing.T) {
	a, b := "", ""
	for i := range 5000 {
		a += " alpha" + string(rune('a'+i%26))
		b += " beta" + string(rune('a'+i%26))
	}
	if class, _, changed := Drift(a, b); class != Altered || changed != 5000 {
		t.Errorf("class %q changed %d", class, changed)
	}
}

func TestSubstantive(t *testing.T) {
	for _, c := range []struct{ quote, words, want string }{
		{"We will send 20,000 troops to the border", "We will send 30,000 troops to the border", "a number changed"},
		{"NATO is not on the table for Ukraine now", "NATO is on the table for Ukraine now", "a negation was added or dropped"},
		{"NATO isn't on the table for Ukraine now", "NATO is not on the table for Ukraine now", ""},
		{"NATO isn't on the table for Ukraine now", "NATO isn't on the table for Kyiv now", ""},
	} {
		_, ops, _ := Drift(c.quote, c.words)
		if got := Substantive(ops); got != c.want {
			t.Errorf("%q → %q: %q, want %q", c.quote, c.words, got, c.want)
		}
	}
}
