package extract

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// language is what the rules read differently from one language to the next: the marks
// that open and close speech, whether a dash opens it, the verbs that attribute it, the
// words that introduce a source ("according to", "laut", "selon"), the pronouns that
// stand for the last person named. Everything else — names, distances, the model — is
// shared.
type language struct {
	code        string
	open, close string
	dash        bool   // speech opened by a dash at a paragraph's start
	cjk         bool   // no spaces between words: cues found without word boundaries, names taken as written
	nameEnds    string // in Chinese and Japanese, what ends a speaker's name: a topic marker, a preposition
	cueWords    []string
	according   map[string]bool
	pronouns    map[string]bool
	cues        *cueFinder
}

func (lg *language) isOpen(r rune) bool  { return strings.ContainsRune(lg.open, r) }
func (lg *language) isClose(r rune) bool { return strings.ContainsRune(lg.close, r) }

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
		r, n := utf8.DecodeRuneInString(w)
		m[string(unicode.ToUpper(r))+w[n:]] = true // "He said" opens a sentence
	}
	return m
}

// languages are those whose speech the rules read; und (made in init) is the fallback
// for any other.
var languages = map[string]*language{
	"en": {code: "en", open: "\"“«„", close: "\"”»“", according: set("according to"), pronouns: set("he", "she", "they"),
		cueWords: []string{"said", "says", "told", "tells", "added", "asked", "asks", "stated", "wrote", "writes", "tweeted",
			"explained", "noted", "argued", "insisted", "declared", "warned", "claimed", "continued", "replied", "recalled",
			"acknowledged", "announced", "remarked", "suggested", "urged", "joked", "conceded", "countered", "cautioned",
			"predicted", "stressed", "clarified", "confirmed", "responded", "sang", "chanted", "shouted", "yelled",
			"wondered", "quipped", "mused", "testified", "posted", "tweets", "emailed", "texted", "sings", "asking", "saying",
			"adding", "telling", "reports", "reported", "boasted", "asserting", "tweeting", "writing", "likened", "lamented",
			"complained", "insists", "notes", "argues", "explains", "demanded", "scolded", "pressed", "charged", "retorted",
			"snapped", "admitted", "observed", "concluded", "vowed", "promised", "adds", "concludes", "continues", "warns",
			"claims", "recalls", "responds", "replies", "answered", "answers", "agreed", "agrees", "gloated", "exclaimed",
			"proclaimed", "thundered", "offered", "shot back", "went on", "pointed out", "explaining", "noting", "arguing",
			"warning", "declaring", "calling", "described", "called", "wrote in", "according to"}},
	// German: „…“ and »…«, and the Swiss «…»; „…“, sagte Scholz / so Scholz / laut Scholz.
	"de": {code: "de", open: "„»\"“«", close: "“«\"”»", according: set("laut"), pronouns: set("er", "sie"),
		cueWords: []string{"sagte", "sagt", "sagten", "erklärte", "erklärt", "betonte", "betont", "meinte", "meint", "fragte",
			"fragt", "antwortete", "antwortet", "schrieb", "schreibt", "rief", "warnte", "warnt", "forderte", "fordert",
			"kritisierte", "ergänzte", "fügte hinzu", "teilte mit", "berichtete", "versicherte", "unterstrich", "stellte klar",
			"räumte ein", "erwiderte", "entgegnete", "bekräftigte", "kündigte an", "twitterte", "so", "laut", "zufolge", "hieß es",
			"heißt es", "führt aus", "führte aus", "bemerkt", "bemerkte", "spricht", "sprach", "fuhr fort", "entgegnet",
			"erwidert", "äußerte", "äußert", "ruft", "meldet", "meldete", "berichtet", "versichert", "schließt", "schloss",
			"schloß", "fügt hinzu", "setzt auseinander", "sagen", "erzählte", "erzählt", "antworten"}},
	// French: « … » with its spaces, and dialogue after a dash; « … », a-t-il déclaré.
	"fr": {code: "fr", open: "«\"“‹", close: "»\"”›", dash: true, according: set("selon"), pronouns: set("il", "elle"),
		cueWords: []string{"a déclaré", "a dit", "a affirmé", "a ajouté", "a expliqué", "a estimé", "a souligné", "a assuré",
			"a indiqué", "a répondu", "a lancé", "a averti", "a martelé", "a insisté", "a précisé", "a écrit", "déclare", "dit",
			"affirme", "ajoute", "explique", "estime", "souligne", "assure", "indique", "répond", "lance", "écrit", "selon",
			"a-t-il dit", "a-t-elle dit", "a-t-il déclaré", "a-t-elle déclaré", "a-t-il ajouté", "a-t-elle ajouté",
			"a-t-il affirmé", "a-t-elle affirmé", "a-t-il expliqué", "a-t-elle expliqué", "a-t-il souligné", "a-t-elle souligné",
			"dit-il", "dit-elle", "ajoute-t-il", "ajoute-t-elle", "explique-t-il", "explique-t-elle", "estime-t-il",
			"estime-t-elle", "souligne-t-il", "souligne-t-elle", "affirme-t-il", "affirme-t-elle", "déclare-t-il", "déclare-t-elle"}},
	"es": {code: "es", open: "«\"“", close: "»\"”", dash: true, according: set("según"), pronouns: set("él", "ella"),
		cueWords: []string{"dijo", "afirmó", "declaró", "aseguró", "señaló", "explicó", "añadió", "agregó", "indicó", "manifestó",
			"sostuvo", "advirtió", "subrayó", "respondió", "preguntó", "escribió", "insistió", "destacó", "apuntó", "según",
			"dice", "afirma", "asegura", "señala", "explica", "añade", "agrega", "indica", "sostiene", "advierte"}},
	"pt": {code: "pt", open: "«\"“", close: "»\"”", dash: true, according: set("segundo", "conforme"), pronouns: set("ele", "ela"),
		cueWords: []string{"disse", "afirmou", "declarou", "garantiu", "explicou", "acrescentou", "sublinhou", "defendeu",
			"adiantou", "respondeu", "escreveu", "referiu", "salientou", "frisou", "segundo", "conforme", "diz", "afirma",
			"garante", "explica", "acrescenta", "defende"}},
	"it": {code: "it", open: "«\"“", close: "»\"”", dash: true, according: set("secondo"), pronouns: set("lui", "lei"),
		cueWords: []string{"ha detto", "ha dichiarato", "ha affermato", "ha spiegato", "ha aggiunto", "ha sottolineato",
			"ha scritto", "ha risposto", "ha commentato", "ha ribadito", "ha assicurato", "ha annunciato", "dice", "afferma",
			"spiega", "aggiunge", "sottolinea", "scrive", "risponde", "commenta", "ribadisce", "secondo"}},
	// Japanese: 「…」 and 『…』; the speaker before, marked by は or が, the cue after: と述べた.
	"ja": {code: "ja", open: "「『“", close: "」』”", cjk: true, nameEnds: "はが", according: set("によると"), pronouns: set("彼", "彼女"),
		cueWords: []string{"述べた", "語った", "話した", "強調した", "説明した", "明らかにした", "指摘した", "訴えた", "答えた",
			"発言した", "表明した", "述べ", "語り", "によると"}},
	// Chinese: “…” and 「…」; 王毅表示：“…” and “…”，王毅说。
	"zh": {code: "zh", open: "“「『\"", close: "”」』\"", cjk: true, nameEnds: "在对向于", according: set("据"), pronouns: set("他", "她"),
		cueWords: []string{"表示", "说", "称", "指出", "强调", "认为", "介绍", "回答", "宣布", "写道", "据"}},
}

func init() {
	// A language not told apart (too short a text, another script) is read with every
	// language's marks and cues: „…“, sagte Scholz needs no detection to be read.
	und := &language{code: "und", open: "\"“«„»", close: "\"”»“«", according: map[string]bool{}, pronouns: map[string]bool{}}
	for _, code := range []string{"en", "de", "fr", "es", "pt", "it"} {
		lg := languages[code]
		und.cueWords = append(und.cueWords, lg.cueWords...)
		maps.Copy(und.according, lg.according)
		maps.Copy(und.pronouns, lg.pronouns)
	}
	languages["und"] = und
	for _, lg := range languages {
		lg.cues = newCueFinder(lg.cueWords, lg.cjk)
		for _, w := range lg.cueWords {
			if !strings.Contains(w, " ") {
				notName[w] = true // "Sagte Scholz": a cue opening a sentence is not a name
			}
		}
	}
}

// languageOf is the language the rules read for a code (BCP 47; the primary subtag
// counts), und for one they do not know.
func languageOf(code string) *language {
	primary, _, _ := strings.Cut(strings.ToLower(code), "-")
	if lg, ok := languages[primary]; ok {
		return lg
	}
	return languages["und"]
}

// Languages are the codes extraction reads speech in, beyond the fallback.
func Languages() []string {
	var out []string
	for code := range languages {
		if code != "und" {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// cueFinder finds a language's cues: case-insensitively, whole words only in scripts with
// spaces ("so" is not a cue inside "also"), anywhere in Chinese and Japanese. A look-up by
// the first word rather than a regular expression: an alternation of a hundred words, case
// folded, was two thirds of the time an article took.
type cueFinder struct {
	byFirst  map[string][]string // lower-case first word → the cues it opens, longest first
	all      []string            // every cue, longest first, for scripts without spaces
	anywhere bool
}

func newCueFinder(words []string, anywhere bool) *cueFinder {
	f := &cueFinder{byFirst: map[string][]string{}, all: slices.Clone(words), anywhere: anywhere}
	// Longest first: "a-t-il déclaré" before "a-t-il dit", "wrote in" before "wrote".
	slices.SortStableFunc(f.all, func(a, b string) int { return len(b) - len(a) })
	for _, w := range f.all {
		first, _, _ := strings.Cut(w, " ")
		f.byFirst[first] = append(f.byFirst[first], w)
	}
	return f
}

// FindAllStringIndex is every cue in s, leftmost first, at most n (all when n < 0), as
// regexp's.
func (f *cueFinder) FindAllStringIndex(s string, n int) [][]int {
	var out [][]int
	if f.anywhere {
		for i := 0; i < len(s) && (n < 0 || len(out) < n); {
			found := false
			for _, w := range f.all {
				if strings.HasPrefix(s[i:], w) {
					out = append(out, []int{i, i + len(w)})
					i += len(w)
					found = true
					break
				}
			}
			if !found {
				_, size := utf8.DecodeRuneInString(s[i:])
				i += size
			}
		}
		return out
	}
	for i := 0; i < len(s) && (n < 0 || len(out) < n); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !cueRune(r) {
			i += size
			continue
		}
		j := i // the word starting at i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !cueRune(r) {
				break
			}
			j += size
		}
		for _, w := range f.byFirst[strings.ToLower(s[i:j])] {
			if end := i + len(w); end <= len(s) && strings.EqualFold(s[i:end], w) && wordAt(s, []int{i, end}) {
				out = append(out, []int{i, end})
				j = end
				break
			}
		}
		i = j
	}
	return out
}

// cueRune is what a cue's words are made of: letters, and the hyphens of "a-t-il".
func cueRune(r rune) bool { return unicode.IsLetter(r) || r == '-' }

// FindStringIndex is the first cue in s, or nil.
func (f *cueFinder) FindStringIndex(s string) []int {
	if locs := f.FindAllStringIndex(s, 1); len(locs) > 0 {
		return locs[0]
	}
	return nil
}

func (f *cueFinder) MatchString(s string) bool { return f.FindStringIndex(s) != nil }

// wordAt says whether s[loc[0]:loc[1]] stands as whole words: no letter or digit either side.
func wordAt(s string, loc []int) bool {
	if r, _ := utf8.DecodeLastRuneInString(s[:loc[0]]); loc[0] > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s[loc[1]:]); loc[1] < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return false
	}
	return true
}

// words are a quote's words; in Chinese and Japanese, which write none apart, every two
// characters count as one — about a word's length in either.
func (lg *language) words(text string) []string {
	fields := strings.Fields(text)
	if !lg.cjk {
		return fields
	}
	var out []string
	for _, f := range fields {
		rs := []rune(f)
		for i := 0; i < len(rs); i += 2 {
			out = append(out, string(rs[i:min(i+2, len(rs))]))
		}
	}
	return out
}
