// Package similar finds the many wordings one quote is reported in ("NATO isn't on the
// table" / "NATO is not on the table" / "Nato isn't on the table for Ukraine"). Quotes are
// compared as sets of normalised words and word pairs; MinHash signatures cut into LSH
// bands let a store find candidates by exact lookups, never a scan, so the cost of a
// search does not grow with the archive.
package similar

import (
	"math/bits"
	"slices"
	"strings"

	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/search"
)

// Bands and rows per band: quotes whose word sets have Jaccard similarity s share at least
// one band with probability 1-(1-s^Rows)^Bands — 0.98 at s=0.7, 0.65 at s=0.5, 0.12 at
// s=0.25.
const (
	Bands = 8
	Rows  = 3
)

// contractions are expanded so that "isn't" and "is not" are the same words.
var contractions = strings.NewReplacer(
	"can't", "can not", "won't", "will not", "shan't", "shall not", "n't", " not",
	"'re", " are", "'ll", " will", "'ve", " have", "'m", " am", "'d", " would", "'s", "",
)

// Set is a quote's features: hashes, sorted, each once. Sorted rather than a map, the
// likeness of two sets is a merge of two short arrays — linking judges dozens of
// candidates per recorded quote, and map probes were most of that.
type Set []uint64

// expand spells out the contractions of folded text. Most texts have none (folding made
// every apostrophe a plain one), and the replacer's scan cost as much as finding the words.
func expand(folded string) string {
	if strings.IndexByte(folded, '\'') < 0 {
		return folded
	}
	return contractions.Replace(folded)
}

// Features returns the normalised words of text and its adjacent word pairs, hashed.
func Features(text string) Set {
	words := search.Tokens(expand(fold.String(text)))
	set := make(Set, 0, 2*len(words))
	for i, w := range words {
		set = append(set, hash(w))
		if i > 0 {
			set = append(set, hashPair(words[i-1], w))
		}
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// intersection is |a∩b|.
func intersection(a, b Set) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// FNV-1a, 64 bits: the hash stored band keys were made with (hash/fnv's New64a), written
// out so that hashing a word allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hash(s string) uint64 { return fnvAdd(fnvOffset, s) }

// hashPair is hash(a + " " + b) without building the string.
func hashPair(a, b string) uint64 {
	return fnvAdd((fnvAdd(fnvOffset, a)^' ')*fnvPrime, b)
}

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// Jaccard is |a∩b| / |a∪b|, the similarity reported to clients.
func Jaccard(a, b Set) float64 {
	j, _ := Likeness(a, b)
	return j
}

// seeds are the parameters of the Bands*Rows hash functions, fixed forever: stored band
// keys depend on them.
var seeds = func() [Bands * Rows][2]uint64 {
	var s [Bands * Rows][2]uint64
	x := uint64(0x9E3779B97F4A7C15)
	next := func() uint64 { // splitmix64
		x += 0x9E3779B97F4A7C15
		z := x
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		return z ^ (z >> 31)
	}
	for i := range s {
		s[i] = [2]uint64{next() | 1, next()}
	}
	return s
}()

// BandKeys returns the LSH band keys of a feature set: quotes with a key in common are
// candidates. An empty set has none.
func BandKeys(features Set) []int64 {
	if len(features) == 0 {
		return nil
	}
	var sig [Bands * Rows]uint64
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for _, f := range features {
		for i, s := range seeds {
			if h := bits.RotateLeft64(f*s[0]+s[1], 31) * s[0]; h < sig[i] {
				sig[i] = h
			}
		}
	}
	keys := make([]int64, Bands)
	for b := range Bands {
		h := uint64(b+1) * 0x9E3779B97F4A7C15
		for r := range Rows {
			h = (h ^ sig[b*Rows+r]) * 0x100000001B3
			h ^= h >> 29
		}
		keys[b] = int64(h)
	}
	return keys
}
