// Package querylist writes the search benchmarks' query lists for a generated corpus, so
// that each generator's corpus is searched the way the other's is: rare words, queries
// drawn like the corpus, and a researcher's two words by frequency.
package querylist

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Vocabulary is a generator's words: Word(i) is the i-th commonest of Size, and Draw
// returns the index of a word drawn by the corpus' own frequencies.
type Vocabulary struct {
	Word func(i int) string
	Size int
	Draw func() int
}

// Write writes into dir 500 rare-word queries (a word outside the commonest 20,000, a
// third of them with a word of middling frequency), 500 drawn like the corpus (single
// words, pairs, phrases, prefixes, ORs), and 500 as a researcher types them: two words
// each, both drawn by the corpus' own word frequencies, the commonest words included.
func Write(dir string, r *rand.Rand, v Vocabulary) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	drawn := func() string { return v.Word(v.Draw()) }
	var rare, corpus, researcher []string
	for range 500 {
		researcher = append(researcher, drawn()+" "+drawn())
		w := v.Word(20000 + r.IntN(v.Size-20000))
		if r.IntN(3) == 0 {
			w += " " + v.Word(5000+r.IntN(15000))
		}
		rare = append(rare, w)
		var q string
		switch k := r.IntN(20); {
		case k < 8:
			q = drawn()
		case k < 14:
			q = drawn() + " " + drawn()
		case k < 17:
			q = `"` + drawn() + " " + drawn() + `"`
		case k < 19:
			w := drawn()
			for len(w) < 3 {
				w = drawn()
			}
			q = w[:3] + "*"
		default:
			q = drawn() + " OR " + drawn()
		}
		corpus = append(corpus, q)
	}
	for name, list := range map[string][]string{"rare.txt": rare, "corpus.txt": corpus, "researcher.txt": researcher} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}
