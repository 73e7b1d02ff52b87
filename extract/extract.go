// Package extract finds quotes in news text and attributes them: who said the words (the
// fullest name the article gives), the role it gives them, the cue ("said", "told",
// "according to"), and where the article says so the outlet, the date (resolved against
// the publication date) and the setting.
//
// Rules propose: every quoted stretch, in the article's language (given or detected), with
// every attribution they can read for it — the words after it, before it, the line that
// introduces it, the quote it carries on. A model chooses: a logistic regression fitted
// on PolNeAR's annotated news (model.json, made by scripts/extracttrain) weighs each
// reading and gives the likeliest its probability as the confidence. Pure Go, no network:
// the same article always gives the same candidates.
package extract

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Options are what the caller knows of the article.
type Options struct {
	PublishedOn time.Time // the publication date, for "on April 20" and "on Sunday"; zero when unknown
	Lang        string    // the article's language (BCP 47, the primary subtag counts); empty to detect it
}

// Result is what extraction read in an article: the language it read it in, whether that
// was detected or given and how sure the detection was, and the candidates.
type Result struct {
	Lang           string
	LangDetected   bool
	LangConfidence float64 // of the detection; 1 when the language was given
	Candidates     []Candidate
}

// Candidate is one quote found in the text. Start and End are offsets in characters
// (Unicode code points) of Text within the given article.
type Candidate struct {
	Text          string  `json:"text" example:"NATO isn’t on the table"`
	Start         int     `json:"start" example:"1618"`
	End           int     `json:"end" example:"1641"`
	SpeakerName   string  `json:"speaker_name,omitempty" example:"Keith Kellogg"`
	SpeakerRole   string  `json:"speaker_role,omitempty" example:"US Special Envoy to Ukraine"`
	Anonymous     bool    `json:"anonymous" example:"false"`
	Cue           string  `json:"cue,omitempty" example:"said"`
	OutletName    string  `json:"outlet_name,omitempty" example:"Fox News"`
	SaidOn        string  `json:"said_on,omitempty" example:"2025-04-20"`
	DatePrecision string  `json:"date_precision,omitempty" enums:"day,month,year" example:"day"`
	Setting       string  `json:"setting,omitempty" enums:"interview,speech,press_conference,statement,social_post,document,other" example:"interview"`
	Context       string  `json:"context,omitempty" example:"in an interview with Fox News on April 20"`
	Confidence    float64 `json:"confidence" example:"0.9"`
} //@name ExtractCandidate

// span is a quoted stretch of the article, in rune offsets, marks excluded; before and
// after are where the text around it starts, past its marks. runsOn marks a quote left
// open at the end of its paragraph: the next paragraph carries it on.
type span struct {
	start, end, before, after int
	runsOn                    bool
}

// Proposal is one quoted stretch of an article and every attribution the rules can read
// for it: the words after it, the words before it, the line that introduces it, the
// quote it carries on. The model chooses among them.
type Proposal struct {
	Start, End int // rune offsets of the words, as in Candidate
	Options    []Option
}

// Option is one reading of a proposal: the candidate it would be, and what the model
// weighs — named features such as how the speaker was found, the cue, the distance
// between quote and cue, the kind of name.
type Option struct {
	Candidate
	Features []string
}

// Extract returns the quotes of an article, in the order they appear, each with the
// model's confidence; those below ReviewFloor (titles, scare quotes) are left out, and
// quoted phrases with no speaker in sight have no candidate at all.
func Extract(text string, opt Options) []Candidate { return Default.Read(text, opt).Candidates }

// Read is Extract, saying which language it read the article in.
func Read(text string, opt Options) Result { return Default.Read(text, opt) }

// Read is the package's Read with this model's weights.
func (m *Model) Read(text string, opt Options) Result {
	res := Result{Lang: opt.Lang, LangConfidence: 1}
	if res.Lang == "" {
		res.Lang, res.LangConfidence = Detect(text)
		res.LangDetected = true
	}
	lg := languageOf(res.Lang)
	for _, p := range lg.proposals(text, opt) {
		if o, conf := m.Best(p); conf >= ReviewFloor {
			c := o.Candidate
			c.Confidence = conf
			res.Candidates = append(res.Candidates, c)
		}
	}
	return res
}

// Proposals reads an article's quoted stretches and the attributions the rules find for
// each, in the order they appear, in the language given or detected. The same text
// always gives the same proposals: the trainer learns from them and Extract scores them.
func Proposals(text string, opt Options) []Proposal {
	if opt.Lang == "" {
		opt.Lang, _ = Detect(text)
	}
	return languageOf(opt.Lang).proposals(text, opt)
}

func (lg *language) proposals(text string, opt Options) []Proposal {
	orig := []rune(text)
	// Rules read a copy with every kind of space made plain: articles are full of
	// non-breaking spaces. One rune for one, so offsets hold for the original.
	rs := make([]rune, len(orig))
	for i, r := range orig {
		if r != '\n' && (unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)) {
			r = ' '
		}
		rs[i] = r
	}
	var out []Proposal
	var lastPerson string
	antecedent := ""  // where lastPerson comes from: the last speaker, or a name since
	var prev *reading // the rules' reading of the last quote they kept
	var pending []span
	people := names(rs)
	article := string(rs)
	prevEnd := 0
	for _, sp := range lg.quoteSpans(rs) {
		// Track the most recent named person before this quote, for "he said".
		if p := lastName(rs[prevEnd:sp.start]); p != "" {
			lastPerson, antecedent = p, "named"
			if len(findNames(string(rs[prevEnd:sp.start]), 2)) > 1 {
				antecedent = "named-several" // "he" may be any of them
			}
		}
		prevEnd = sp.end
		for sp.start < sp.end && rs[sp.start] == ' ' {
			sp.start++ // « Nous … »: the space inside French marks is the typesetter's
		}
		words := lg.words(string(orig[sp.start:sp.end]))
		if len(words) == 0 {
			continue
		}
		rds := lg.attribute(rs, sp, people, lastPerson, opt)
		for i := range rds {
			if rds[i].kind == "pronoun" {
				rds[i].antecedent = antecedent
			}
		}
		if prev != nil && continues(rs, prev.end, sp) {
			// A quote that carries on from the last one — the next sentence, or the next
			// paragraph opened by a quote mark — may be the same speaker's.
			c := prev.c
			c.Confidence = 0.7
			rds = append(rds, reading{c: c, how: "continues", kind: "continued", dist: sp.before - prev.end})
		}
		if len(pending) > 0 && !adjacent(rs, pending[len(pending)-1], sp) {
			pending = nil // only a quote carried straight on into the next paragraph counts
		}
		if len(rds) == 0 && !sp.runsOn && lastPerson != "" {
			// No cue in sight: the person the article last named, which the model trusts as
			// far as the training articles say such quotes were theirs.
			rds = []reading{{c: Candidate{SpeakerName: lastPerson, Confidence: 0.4}, how: "nearby", kind: "nearby", antecedent: antecedent}}
		}
		if len(rds) == 0 {
			if sp.runsOn {
				pending = append(pending, sp) // its speaker may be named where it ends
			} else {
				pending = nil
			}
			continue
		}
		// Paragraphs of one quote, left open until this part named the speaker, are theirs.
		for _, p := range pending {
			pr := rds[0]
			pr.how, pr.c.Confidence = "pending", min(pr.c.Confidence, 0.65)
			text := strings.TrimRightFunc(string(orig[p.start:p.end]), unicode.IsSpace)
			out = append(out, lg.proposal(rs, article, p, p.start, p.start+len([]rune(text)), text, []reading{pr}))
		}
		pending = nil
		// The comma a quote ends on before its attribution is the writer's, not the speaker's.
		text := strings.TrimRight(strings.TrimRightFunc(string(orig[sp.start:sp.end]), unicode.IsSpace), ",")
		out = append(out, lg.proposal(rs, article, sp, sp.start, sp.start+len([]rune(text)), text, rds))
		if shape(words, rds[0].c.Confidence) != "" {
			continue // a title or a short phrase: the rules keep no speaker from it
		}
		r := rds[0]
		r.end = sp.start + len([]rune(text))
		prev = &r
		if r.c.SpeakerName != "" && !r.c.Anonymous {
			lastPerson, antecedent = r.c.SpeakerName, "speaker"
		}
	}
	return out
}

// shape names what the rules took for not speech: one word without punctuation ("Cia": a
// name or a term; "Yes," is speech), a short phrase without a close cue, a title.
func shape(words []string, conf float64) string {
	switch {
	case len(words) == 1 && !strings.ContainsAny(words[0], ".!?,。！？、，"):
		return "single"
	case len(words) < 3 && conf < 0.8:
		return "short"
	case titleCase(words):
		return "title"
	}
	return ""
}

// proposal is the quote at sp, its words text at [start, end), with its readings.
func (lg *language) proposal(rs []rune, article string, sp span, start, end int, text string, rds []reading) Proposal {
	p := Proposal{Start: start, End: end, Options: make([]Option, len(rds))}
	for i, r := range rds {
		c := r.c
		c.Text, c.Start, c.End = text, start, end
		p.Options[i] = Option{Candidate: c, Features: lg.features(rs, article, sp, text, r)}
	}
	return p
}

// titleCase says whether quoted words look like a title ("Collapse: How Societies Choose
// to Fail or Succeed", "Morning Joe"): most words capitalised, no closing punctuation.
func titleCase(words []string) bool {
	if len(words) < 2 || len(words) > 12 {
		return false
	}
	last := words[len(words)-1]
	if strings.ContainsAny(last[len(last)-1:], "!?") {
		return false
	}
	// A short title may carry the writer's comma or full stop ("Face the Nation,"); a
	// longer run of words ending so is a title only if every word is capitalised.
	strict := strings.ContainsAny(last[len(last)-1:], ".,") && len(words) > 5
	caps, counted := 0, 0
	for _, w := range words {
		if smallWord[strings.ToLower(w)] {
			continue // titles keep "the", "and", "of" small
		}
		counted++
		if isCap(w) {
			caps++
		}
	}
	if strict {
		return counted > 0 && caps == counted
	}
	return counted > 0 && caps*4 >= counted*3
}

var smallWord = map[string]bool{"the": true, "and": true, "of": true, "to": true, "a": true, "an": true, "in": true,
	"on": true, "for": true, "or": true, "at": true, "by": true, "with": true}

// adjacent says whether quote b opens the paragraph right after quote a's.
func adjacent(rs []rune, a, b span) bool {
	return b.before+1 >= a.end && strings.TrimSpace(string(rs[a.end:b.before+1])) == ""
}

// continues says whether the quote sp follows straight on from a quote that ended at
// prevEnd: only white space, attribution-free punctuation or one paragraph break between,
// and the quote opening its sentence.
func continues(rs []rune, prevEnd int, sp span) bool {
	if sp.before < prevEnd {
		return false
	}
	gap := string(rs[prevEnd:max(prevEnd, sp.before+1)])
	if strings.Count(gap, "\n") > 2 || len([]rune(gap)) > 120 {
		return false
	}
	// The writer's words between the two must be only the previous attribution's tail.
	line := strings.TrimSpace(gap[strings.LastIndexAny(gap, ".!?\n")+1:])
	line = strings.Trim(line, "\"“”'` ")
	return line == ""
}

// quoteSpans finds quoted stretches: the language's marks, straight, curly and
// mismatched, the ” and “ of wire copy, never across a paragraph break; and where the
// language writes speech after a dash, a paragraph opened by one ("—No cederemos —dijo
// Sánchez"), up to the dash that closes it or the paragraph's end.
func (lg *language) quoteSpans(rs []rune) []span {
	var out []span
	open, openAt, dashed := -1, 0, false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		two := i+1 < len(rs) && ((r == '`' && rs[i+1] == '`') || (r == '\'' && rs[i+1] == '\''))
		if r == '\n' && open >= 0 {
			if i-open > 1 {
				out = append(out, span{open, i, openAt - 1, i, !dashed}) // a quote running on to the next paragraph
			}
			open = -1
			continue
		}
		if open < 0 && lg.dash && isDash(r) && opensParagraph(rs, i-1) {
			openAt, open, dashed = i, i+1, true
			continue
		}
		if open < 0 && (lg.isOpen(r) || (two && r == '`') || (two && r == '\'' && (i == 0 || !unicode.IsLetter(rs[i-1])))) {
			openAt, dashed = i, false
			if two {
				i++
			}
			open = i + 1
			continue
		}
		if open >= 0 && dashed {
			if isDash(r) && i > open && rs[i-1] == ' ' {
				if end := i - 1; end > open {
					out = append(out, span{open, end, openAt - 1, i + 1, false})
				}
				open = -1
			}
			continue // marks inside a dashed quote are the speaker's
		}
		if open >= 0 && (lg.isClose(r) || (two && r == '\'')) {
			end := i
			if two {
				i++
			}
			if end > open {
				out = append(out, span{open, end, openAt - 1, i + 1, false})
			}
			open = -1
		}
	}
	return out
}

func isDash(r rune) bool { return r == '—' || r == '–' || r == '―' }

// reading is one attribution of a quote: the candidate, how the rules found its speaker
// (after: ", said X"; before: "X said: "; line: the paragraph before ends "X continued:";
// dash: "— X"; apposition: "X, the …, said"; continues; pending), and how many characters
// stand between the quote and the cue.
type reading struct {
	c    Candidate
	how  string
	kind string // of speaker, as fill names it
	// antecedent says where a pronoun's person came from: the last quote's speaker, one
	// name since, or several names since.
	antecedent string
	dist       int
	partial    bool
	end        int // where the quote's words end, once kept
}

// attribute finds who may have said a quote: in the words right after it (", said X" /
// ", X said"), right before it ("X said: "), and — for a quote that opens its paragraph —
// in the line that introduces it. The rules' preference comes first: before the quote
// when a colon introduces it ("McCaskill scolded him: “…”"), after it otherwise.
func (lg *language) attribute(rs []rune, sp span, people map[string]string, lastPerson string, opt Options) []reading {
	after := lg.clause(rs, sp.after, 1)
	before := lg.clause(rs, sp.before, -1)
	var out []reading
	a, aok := lg.fromAfter(after, people, lastPerson, opt)
	if lg.cjk && strings.ContainsRune("。！？", lastRune(strings.TrimSpace(string(rs[sp.start:sp.end])))) {
		aok = false // “…。”她还说: the quote ended its sentence; what follows is another
	}
	b, bok := lg.fromBefore(before, people, lastPerson, opt)
	if strings.HasSuffix(strings.TrimSpace(before), ":") {
		a, b, aok, bok = b, a, bok, aok
	}
	if aok {
		out = append(out, a)
	}
	if bok {
		out = append(out, b)
	}
	out = append(out, lg.others(after, before, people, lastPerson, opt)...)
	if lg.cjk && !aok && !bok {
		// 岸田首相は記者団に「…」と述べた: the cue after the quote, the speaker before it.
		a := strings.TrimLeft(after, " ,，、と")
		if loc := lg.cues.FindStringIndex(a); loc != nil && loc[0] <= 9 {
			c := Candidate{Cue: a[loc[0]:loc[1]], Confidence: 0.8}
			if kind := lg.fill(&c, strings.TrimSpace(before), people, lastPerson); kind != "" {
				out = append(out, reading{c: c, how: "topic", kind: kind, dist: loc[0]})
			}
		}
	}
	if len(out) == 0 && strings.TrimSpace(before) == "" {
		// "Caddell continued:" closing the paragraph before a quote that opens its own.
		if prev := lg.lastSentence(rs, sp.before); strings.HasSuffix(prev, ":") {
			if r, ok := lg.fromBefore(prev, people, lastPerson, opt); ok {
				r.how = "line"
				out = append(out, r)
			}
		}
	}
	if partial(rs, sp, before) {
		// Words quoted inside the writer's own sentence ('urged supporters to "go and
		// vote"'): real speech, but the frame is the writer's.
		for i := range out {
			out[i].c.Confidence = min(out[i].c.Confidence, 0.5)
			out[i].partial = true
		}
	}
	return out
}

// others are the readings the rules do not prefer but the model may: the sentence's
// subject when a cue comes late in it ("Warren appeared with Maddow and endorsed
// Clinton, saying, “…”"), the name after the last comma before a cue after the quote
// (“…” of the proposals, Mr. Holtz-Eakin said), and a name that labels the quote with a
// colon and no cue ("Meghan McCain, Twitter: “…”", "Mr. Christie gloated: “…”").
func (lg *language) others(after, before string, people map[string]string, lastPerson string, opt Options) []reading {
	var out []reading
	add := func(how, phrase, cue string, conf float64, dist int, rest string) {
		c := Candidate{Cue: cue, Confidence: conf}
		if kind := lg.fill(&c, phrase, people, lastPerson); kind != "" {
			details(&c, rest, opt)
			out = append(out, reading{c: c, how: how, kind: kind, dist: dist})
		}
	}
	b := strings.TrimRight(before, " ,\u00a0—–-")
	if locs := lg.cues.FindAllStringIndex(b, -1); len(locs) > 0 {
		loc := locs[len(locs)-1]
		if name := leadName(b[:loc[0]]); name != "" && loc[0] > len(name)+2 {
			add("subject", name, strings.ToLower(b[loc[0]:loc[1]]), 0.6, len(b)-loc[1], b[loc[1]:])
		}
	} else if strings.HasSuffix(b, ":") && len(b) < 80 {
		if name := leadName(strings.TrimSuffix(b, ":")); name != "" {
			add("label", name, ":", 0.6, 0, "")
		}
	}
	a := strings.TrimLeft(after, " ,\u00a0—–-")
	if loc := lg.cues.FindStringIndex(a); loc != nil && loc[0] > 0 && loc[0] <= 80 {
		if pre := strings.TrimSpace(a[:loc[0]]); strings.Contains(pre, ",") {
			if i := strings.LastIndex(pre, ","); i < len(pre)-1 {
				add("after-comma", pre[i+1:], strings.ToLower(a[loc[0]:loc[1]]), 0.6, loc[0], a[loc[1]:])
			}
		}
	}
	return out
}

// leadName is the name a clause opens with, past its conjunctions and opening words
// ("And Mr. Christie gloated" → "Mr. Christie"), or "".
func leadName(clause string) string {
	if i := strings.LastIndexAny(clause, ".!?;"); i >= 0 && !abbrev([]rune(clause[:i+1]), len([]rune(clause[:i+1]))-1) {
		clause = clause[i+1:]
	}
	words := strings.Fields(clause)
	for len(words) > 0 && (conjunction[strings.ToLower(words[0])] || notName[strings.ToLower(words[0])]) {
		words = words[1:]
	}
	if len(words) == 0 || determiner[strings.ToLower(words[0])] {
		return "" // "A senior official …": a description, read where descriptions are
	}
	j := 0
	for j < len(words) && isCap(words[j]) && j < 5 {
		j++
		if strings.HasSuffix(words[j-1], ",") {
			break // "Meghan McCain, Twitter"
		}
	}
	if j == 0 {
		return ""
	}
	return strings.Trim(strings.Join(words[:j], " "), ",")
}

// clitic is the pronoun a French cue carries ("a-t-il déclaré", "dit-elle"), or "".
func clitic(cue string) string {
	for _, p := range []string{"elle", "il"} {
		if strings.HasSuffix(cue, "-"+p) || strings.Contains(cue, "-"+p+" ") {
			return p
		}
	}
	return ""
}

// lastSentence is the end of the paragraph before position i, when i opens a paragraph.
func (lg *language) lastSentence(rs []rune, i int) string {
	j := i
	for j >= 0 && (rs[j] == ' ' || rs[j] == '\n') {
		if rs[j] == '\n' {
			for j >= 0 && (rs[j] == ' ' || rs[j] == '\n') {
				j--
			}
			return strings.TrimSpace(lg.clause(rs, j, -1))
		}
		j--
	}
	return ""
}

// partial says whether a quote stands inside a sentence of the writer's: text before it
// in the sentence that does not introduce it (no colon or comma), and a lower-case start.
func partial(rs []rune, sp span, before string) bool {
	b := strings.TrimSpace(before)
	if b == "" || strings.HasSuffix(b, ":") || strings.HasSuffix(b, ",") {
		return false
	}
	first := []rune(strings.TrimSpace(string(rs[sp.start:sp.end])))
	return len(first) > 0 && unicode.IsLower(first[0]) // scripts without case never look partial
}

// clause is the text from i to the end of the sentence (dir 1) or back to its start
// (dir -1), at most 200 characters, never past another quote mark.
func (lg *language) clause(rs []rune, i, dir int) string {
	var b []rune
	for n := 0; n < 200 && i >= 0 && i < len(rs); n, i = n+1, i+dir {
		r := rs[i]
		if r == '\n' || (lg.isOpen(r) || lg.isClose(r)) && n > 0 {
			break
		}
		if r == '。' || r == '！' || r == '？' {
			if dir > 0 && n > 0 || dir < 0 {
				break
			}
		}
		if dir > 0 && (r == '.' || r == '!' || r == '?') && n > 2 && (i+1 >= len(rs) || unicode.IsSpace(rs[i+1])) && !abbrev(rs, i) {
			break
		}
		if dir < 0 && (r == '.' || r == '!' || r == '?') && n > 0 && !abbrev(rs, i) {
			break
		}
		b = append(b, r)
	}
	if dir < 0 {
		for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
			b[l], b[r] = b[r], b[l]
		}
	}
	return string(b)
}

// abbrev says whether the full stop at i ends an abbreviation (Gen., U.S., Mr.).
func abbrev(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && unicode.IsLetter(rs[j]) {
		j--
	}
	w := string(rs[j+1 : i])
	return len([]rune(w)) <= 3 && w != "" && unicode.IsUpper([]rune(w)[0]) || w == "" && i > 0 && unicode.IsUpper(rs[i-1])
}

var anonRE = regexp.MustCompile(`(?i)^(an?|the|one|two|three|several)\s+([\w\-’' ]+?\s)?(official|officials|spokesman|spokeswoman|spokesperson|source|sources|aide|aides|diplomat|adviser|advisor|person|people|insider|lawmaker|analyst|member|staffer|officer)\b([\w\-’' ]*)`)

// fromAfter reads ", said US Special Envoy to Ukraine Keith Kellogg in an interview…" and
// ", Kellogg said".
func (lg *language) fromAfter(after string, people map[string]string, lastPerson string, opt Options) (reading, bool) {
	if d := strings.TrimLeft(after, " "); isDash(firstRune(d)) {
		// "“…” — Esther Tapia, Phoenix": a dash and a name sign the quote.
		phrase := strings.TrimSpace(strings.TrimLeft(d, "—―– "))
		if !lg.cues.MatchString(phrase) {
			c := Candidate{Cue: "—", Confidence: 0.8}
			if kind := lg.fill(&c, phrase, people, lastPerson); kind != "" {
				return reading{c: c, how: "dash", kind: kind}, true
			}
		}
	}
	s := strings.TrimLeft(after, " ,，、:：\u00a0—–-")
	loc := lg.cues.FindStringIndex(s)
	if loc != nil && loc[0] > 80 {
		// "…,” Scott Pruitt, the Republican attorney general of Oklahoma, one of the states
		// suing the EPA, said": a name, then an apposition before the cue.
		name, _, ok := strings.Cut(s, ",")
		if n, _ := splitName(name); !ok || n == "" || len(name) > 60 {
			return reading{}, false
		}
		c := Candidate{Cue: strings.ToLower(s[loc[0]:loc[1]]), Confidence: 0.75}
		kind := lg.fill(&c, name, people, lastPerson)
		if kind == "" {
			return reading{}, false
		}
		details(&c, strings.TrimSpace(s[loc[1]:]), opt)
		return reading{c: c, how: "apposition", kind: kind, dist: loc[0]}, true
	}
	if loc == nil {
		return reading{}, false
	}
	cue := strings.ToLower(s[loc[0]:loc[1]])
	pre := strings.TrimSpace(strings.Trim(s[:loc[0]], " ,，"))
	if lg.code == "ja" {
		pre = strings.TrimPrefix(pre, "と") // 「…」と述べた: the particle that quotes
	}
	post := strings.TrimSpace(s[loc[1]:])
	c := Candidate{Cue: cue, Confidence: 0.9}
	if loc[0] > 40 {
		c.Confidence = 0.7
	}
	who, rest := pre, post              // ", X said …"
	if pre == "" || lg.according[cue] { // ", said X …", "according to X"
		who, rest = subject(post)
		if p := clitic(cue); p != "" {
			who, rest = p, post // « … », a-t-il déclaré: the cue carries its pronoun
		}
	}
	kind := lg.fill(&c, who, people, lastPerson)
	if kind == "" {
		return reading{}, false
	}
	details(&c, rest, opt)
	return reading{c: c, how: "after", kind: kind, dist: loc[0]}, true
}

// fromBefore reads "Kellogg said: " and "He told Fox News, ".
func (lg *language) fromBefore(before string, people map[string]string, lastPerson string, opt Options) (reading, bool) {
	s := strings.TrimRight(before, " :,，：\u00a0—–-")
	locs := lg.cues.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return reading{}, false
	}
	loc := locs[len(locs)-1]
	if len(s)-loc[1] > 140 {
		return reading{}, false
	}
	cue := strings.ToLower(s[loc[0]:loc[1]])
	pre := strings.TrimSpace(s[:loc[0]])
	c := Candidate{Cue: cue, Confidence: 0.8}
	if len(s)-loc[1] > 40 {
		c.Confidence = 0.6 // a partial quote at the end of reported speech
	}
	who := pre
	if lg.according[cue] || pre == "" { // "according to X:", "Said Ellis:"
		who, _ = subject(strings.TrimSpace(s[loc[1]:]))
	} else if i := strings.LastIndexAny(pre, ",;，、。"); i >= 0 && i < len(pre)-1 {
		_, n := utf8.DecodeRuneInString(pre[i:])
		who = strings.TrimSpace(pre[i+n:])
	}
	if l := lg.cues.FindStringIndex(who); l != nil && l[0] > 0 {
		// "Trump said, adding later, “…”", "Blige sings to Clinton before asking her, “…”":
		// the speaker stands before the first cue.
		who = strings.TrimSpace(who[:l[0]])
	}
	kind := lg.fill(&c, who, people, lastPerson)
	if kind == "" {
		return reading{}, false
	}
	details(&c, s[loc[1]:], opt)
	return reading{c: c, how: "before", kind: kind, dist: len(s) - loc[1]}, true
}

// stop are the words that end a speaker's name and begin the rest of the sentence, in
// the languages read ("in an interview", "am Montag", "lors d'un", "durante", "nel").
var stop = regexp.MustCompile(`(?i)\s(in|on|at|during|while|after|before|to|from|for|of|last|this|when|as|who|that|which|about|` +
	`am|im|bei|vor|nach|auf|gegenüber|der|die|das|lors|dans|devant|après|avant|pendant|à|aux|durante|ante|tras|en|a|al|nel|nella|` +
	`dopo|prima|davanti|ai|agli|alla|alle|no|na|em|ao|aos|após)\s`)

// subject takes the speaker phrase at the start of s: up to a preposition or comma.
func subject(s string) (string, string) {
	end := len(s)
	if i := strings.IndexAny(s, ",;，—–"); i >= 0 {
		end = i
	}
	// "US Special Envoy to Ukraine Keith Kellogg in an interview": a preposition inside a
	// title ("Envoy to Ukraine") is kept when capitalised words follow it.
	for _, m := range stop.FindAllStringIndex(s[:end], -1) {
		next := strings.Fields(s[m[1]:end])
		prep := strings.ToLower(strings.TrimSpace(s[m[0]:m[1]]))
		prev := strings.Fields(s[:m[0]])
		if len(next) > 0 && isCap(next[0]) && inTitle[prep] && len(prev) > 0 &&
			titleWord[strings.ToLower(strings.Trim(prev[len(prev)-1], ".,"))] {
			continue // "Envoy to Ukraine", "Secretary of State", "Representative for Ukraine"
		}
		end = m[0]
		break
	}
	return strings.TrimSpace(s[:end]), s[end:]
}

func isCap(w string) bool {
	r := []rune(w)
	return len(r) > 0 && unicode.IsUpper(r[0])
}

// fill sets the speaker from a noun phrase: a name (completed from the article), a
// pronoun (the last person named), or an anonymous description. It says which kind of
// speaker it found — pronoun, anonymous, description, surname (one word), name — or ""
// when the phrase names nobody.
func (lg *language) fill(c *Candidate, phrase string, people map[string]string, lastPerson string) string {
	phrase = strings.TrimSpace(strings.Trim(phrase, " ,.:\u00a0"))
	if phrase == "" || len(phrase) > 120 {
		return ""
	}
	if lg.pronouns[phrase] {
		if lastPerson == "" {
			return ""
		}
		c.SpeakerName = lastPerson
		c.Confidence -= 0.15
		return "pronoun"
	}
	if lg.cjk {
		// No capitals to find a name by: the phrase before the cue or the topic marker is
		// the speaker as the article writes it (外交部发言人毛宁, 岸田文雄首相).
		// 王毅在记者会上说: the name ends where its preposition begins; 岸田首相は記者団に:
		// where the topic marker does.
		if i := strings.IndexAny(phrase, lg.nameEnds); i > 0 {
			phrase = phrase[:i]
		}
		if i := strings.LastIndexAny(phrase, "、，"); i >= 0 {
			_, n := utf8.DecodeRuneInString(phrase[i:])
			phrase = phrase[i+n:] // 15日、岸田首相: the clause's last part
		}
		if n := utf8.RuneCountInString(phrase); n < 2 || n > 20 || strings.ContainsAny(phrase, "。！？「」“”") {
			return ""
		}
		c.SpeakerName = phrase
		return "name"
	}
	if m := anonRE.FindString(phrase); m != "" && !hasName(phrase) || unnamed[strings.ToLower(phrase)] {
		// "said another", "someone said": a speaker the article does not name, never the
		// last one it did.
		c.SpeakerName, c.Anonymous = phrase, true
		return "anonymous"
	}
	name, role := splitName(phrase)
	if name == "" {
		// "the mayor", "the ruling", "the union": a description the article uses as the
		// speaker; kept as written, with less confidence than a name.
		words := strings.Fields(phrase)
		if len(words) >= 2 && len(words) <= 6 && determiner[strings.ToLower(words[0])] && !strings.ContainsAny(phrase, ".;:") {
			c.SpeakerName = phrase
			c.Confidence -= 0.1
			return "description"
		}
		return ""
	}
	kind := "name"
	if full, ok := people[lastWord(name)]; ok && len(full) > len(name) && strings.HasSuffix(full, name) {
		name, kind = full, "completed"
	} else if !strings.Contains(name, " ") {
		kind = "surname"
	}
	c.SpeakerName, c.SpeakerRole = name, role
	return kind
}

// unnamed are the words that stand for a speaker the article leaves unnamed.
var unnamed = map[string]bool{"another": true, "one": true, "someone": true, "somebody": true, "others": true,
	"another one": true, "a third": true, "a second": true}

// determiner opens a description the article uses as a speaker ("the mayor", "a Carrier
// executive", "another source familiar with his thinking").
var determiner = map[string]bool{"the": true, "a": true, "an": true, "another": true, "one": true, "his": true, "her": true,
	"their": true, "its": true, "this": true, "some": true, "several": true, "many": true, "federal": true, "two": true,
	"der": true, "die": true, "das": true, "ein": true, "eine": true, "le": true, "la": true, "les": true, "un": true,
	"une": true, "el": true, "los": true, "las": true, "una": true, "o": true, "os": true, "um": true, "uma": true, "il": true,
	"lo": true, "gli": true, "uno": true}

func hasName(phrase string) bool {
	n, _ := splitName(phrase)
	return n != "" && len(strings.Fields(n)) >= 2
}

// splitName splits "US Special Envoy to Ukraine Keith Kellogg" into the name (the run of
// capitalised words at the end that is not a title) and the role before it; "Kellogg, the
// envoy" is name first.
func splitName(phrase string) (name, role string) {
	phrase = parenthetical.ReplaceAllString(phrase, " ") // "Rep. Gwen Moore (D-Wis.)"
	if i := strings.Index(phrase, ","); i > 0 {
		phrase = phrase[:i]
	}
	words := strings.Fields(phrase)
	for len(words) > 0 && (conjunction[strings.ToLower(words[0])] || notName[strings.ToLower(words[0])]) {
		words = words[1:] // "But Megan Hester said", "When Clinton said"
	}
	j := len(words)
	for j > 0 && isCap(words[j-1]) && !titleWord[strings.ToLower(strings.Trim(words[j-1], ".,"))] {
		if j >= 2 && inTitle[words[j-2]] {
			break // "Envoy to Ukraine": the place belongs to the title
		}
		j--
		if j >= 2 && particle[words[j-1]] && isCap(words[j-2]) {
			j-- // "Lula da Silva", "Ursula von der Leyen"
			if j >= 2 && particle[words[j-1]] && isCap(words[j-2]) {
				j--
			}
		}
	}
	if j == len(words) {
		return "", ""
	}
	name = strings.Join(words[j:], " ")
	role = strings.Join(words[:j], " ")
	if honorific[strings.ToLower(role)] {
		role = "" // "Ms. Figueroa": a form of address, not a role
	}
	return strings.Trim(name, ".,;:"), role
}

var parenthetical = regexp.MustCompile(`\([^)]*\)`)

// particle are the small words inside names: da Silva, von der Leyen, de Gaulle.
var particle = map[string]bool{"da": true, "de": true, "do": true, "dos": true, "das": true, "di": true, "del": true,
	"della": true, "van": true, "von": true, "der": true, "den": true, "ter": true, "du": true, "la": true, "le": true, "y": true}

// notName are capitalised words that start sentences, not names; every language's
// one-word cues join them (lang.go).
var notName = map[string]bool{"the": true, "but": true, "and": true, "said": true, "says": true, "according": true, "asked": true,
	"told": true, "when": true, "while": true, "if": true, "in": true, "on": true, "at": true, "as": true, "after": true,
	"before": true, "since": true, "because": true, "though": true, "although": true}

var conjunction = map[string]bool{"but": true, "and": true, "so": true, "yet": true, "then": true, "also": true, "still": true}

var honorific = map[string]bool{"the": true, "a": true, "an": true, "mr.": true, "ms.": true, "mrs.": true, "dr.": true,
	"mr": true, "ms": true, "mrs": true, "dr": true, "miss": true}

// inTitle are the small words of titles ("Secretary of State", "Envoy to Ukraine").
var inTitle = map[string]bool{"to": true, "of": true, "for": true, "at": true, "on": true, "in": true}

var titleWord = map[string]bool{"president": true, "sen": true, "senator": true, "rep": true, "representative": true,
	"gov": true, "governor": true, "secretary": true, "minister": true, "envoy": true, "chief": true, "director": true,
	"mayor": true, "gen": true, "general": true, "judge": true, "justice": true, "dr": true, "mr": true, "mrs": true, "ms": true,
	"prime": true, "special": true, "state": true, "us": true, "u.s.": true, "former": true, "spokesman": true,
	"spokeswoman": true, "speaker": true, "leader": true, "chairman": true, "chairwoman": true, "ambassador": true,
	"democratic": true, "republican": true, "candidate": true, "nominee": true, "officer": true, "police": true,
	"attorney": true, "sheriff": true, "commissioner": true, "ceo": true, "vice": true, "house": true, "white": true,
	"democrat": true, "gop": true, "rep.": true, "del": true, "delegate": true, "sen.": true, "gov.": true, "dr.": true, "gen.": true, "lt.": true, "col.": true,
	// The titles of the other languages read: German capitalises them as it does every noun.
	"bundeskanzler": true, "bundeskanzlerin": true, "kanzler": true, "kanzlerin": true, "ministerin": true,
	"bundesminister": true, "bundesministerin": true, "präsident": true, "präsidentin": true, "bundespräsident": true,
	"sprecher": true, "sprecherin": true, "regierungssprecher": true, "bürgermeister": true, "bürgermeisterin": true,
	"abgeordnete": true, "abgeordneter": true, "herr": true, "frau": true, "président": true, "présidente": true,
	"ministre": true, "premier": true, "porte-parole": true, "maire": true, "député": true, "députée": true, "m.": true,
	"mme": true, "presidente": true, "ministro": true, "ministra": true, "portavoz": true, "porta-voz": true, "alcalde": true,
	"sindaco": true, "premiê": true, "senador": true, "senadora": true, "deputado": true, "deputada": true, "prefeito": true}

func lastWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

var nameRE = regexp.MustCompile(`\p{Lu}[\p{Ll}’'\-]+(?:\s+\p{Lu}\.)?(?:\s+\p{Lu}[\p{Ll}’'\-]+)+`)

// findNames are the runs of capitalised words in s, two or more, that stand as whole
// words (Go's \b knows only ASCII letters: "Élisabeth Borne" would never start one).
func findNames(s string, n int) [][]int {
	var out [][]int
	for _, loc := range nameRE.FindAllStringIndex(s, -1) {
		if !wordAt(s, loc) {
			continue // "McCain" read from its "Cain"
		}
		if out = append(out, loc); len(out) == n {
			break
		}
	}
	return out
}

// names maps each surname to the fullest name the article gives for it.
func names(rs []rune) map[string]string {
	out := map[string]string{}
	text := string(rs)
	for _, loc := range findNames(text, -1) {
		words := strings.Fields(text[loc[0]:loc[1]])
		if prev := strings.Fields(text[max(0, loc[0]-12):loc[0]]); len(prev) > 0 && inTitle[prev[len(prev)-1]] {
			words = words[1:] // "Envoy to Ukraine Keith Kellogg": Ukraine ends the title
		}
		for len(words) > 0 && (titleWord[strings.ToLower(strings.Trim(words[0], "."))] || notName[strings.ToLower(words[0])]) {
			words = words[1:] // titles, and sentence-initial words: "Said Ellis", "But Megan Hester"
		}
		if len(words) < 2 {
			continue
		}
		full := strings.Join(words, " ")
		last := words[len(words)-1]
		if len(full) > len(out[last]) && len(words) <= 4 {
			out[last] = full
		}
	}
	return out
}

// lastName is the last two-word capitalised name in s, for pronouns.
func lastName(s []rune) string {
	text := string(s)
	var ms []string
	for _, loc := range findNames(text, -1) {
		ms = append(ms, text[loc[0]:loc[1]])
	}
next:
	for i := len(ms) - 1; i >= 0; i-- {
		words := strings.Fields(ms[i])
		for len(words) > 0 && (titleWord[strings.ToLower(strings.Trim(words[0], "."))] || notName[strings.ToLower(words[0])]) {
			words = words[1:] // "Gen.", and a sentence's opening word: "In June"
		}
		for _, w := range words {
			if notOutlets[w] || strings.HasSuffix(w, "’s") || strings.HasSuffix(w, "'s") {
				continue next // a date ("Saturday", "June"), or a possessive: "Donald Trump's campaign"
			}
		}
		if len(words) >= 2 && len(words) <= 4 {
			return strings.Join(words, " ")
		}
	}
	return ""
}

var (
	outletRE  = regexp.MustCompile(`\b(?:interview with|speaking (?:to|with)|appearance on|told)\s+((?:the\s+)?(?:[A-Z][\w’'.&-]*\s?){1,4})`)
	monthRE   = regexp.MustCompile(`\b(?:on\s+)?(January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.)\s+(\d{1,2})\b`)
	weekdayRE = regexp.MustCompile(`\b(?:on\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b`)
)

var months = map[string]time.Month{"January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6, "July": 7,
	"August": 8, "September": 9, "October": 10, "November": 11, "December": 12, "Jan.": 1, "Feb.": 2, "Aug.": 8, "Sept.": 9,
	"Oct.": 10, "Nov.": 11, "Dec.": 12}

var notOutlets = map[string]bool{"Monday": true, "Tuesday": true, "Wednesday": true, "Thursday": true, "Friday": true,
	"Saturday": true, "Sunday": true, "Twitter": true, "Facebook": true, "January": true, "February": true, "March": true,
	"April": true, "May": true, "June": true, "July": true, "August": true, "September": true, "October": true,
	"November": true, "December": true, "Reporters": true}

// details reads where, when and in what setting from the words around the cue.
func details(c *Candidate, s string, opt Options) {
	s = strings.TrimSpace(s)
	if s != "" {
		c.Context = strings.TrimRight(s, " .,;")
	}
	low := strings.ToLower(s)
	switch {
	case strings.Contains(low, "interview"):
		c.Setting = "interview"
	case strings.Contains(low, "press conference") || strings.Contains(low, "news conference") || strings.Contains(low, "told reporters") || strings.Contains(low, "briefing"):
		c.Setting = "press_conference"
	case strings.Contains(low, "speech") || strings.Contains(low, "rally") || strings.Contains(low, "address"):
		c.Setting = "speech"
	case strings.Contains(low, "statement"):
		c.Setting = "statement"
	case strings.Contains(low, "twitter") || strings.Contains(low, "tweet") || strings.Contains(low, "facebook") || c.Cue == "tweeted":
		c.Setting = "social_post"
	}
	if c.Cue == "told" {
		s = "told " + s // the cue was "told": who was told comes first
	}
	if m := outletRE.FindStringSubmatch(s); m != nil {
		o := strings.TrimSpace(strings.TrimPrefix(m[1], "the "))
		o = strings.TrimSuffix(o, " on")
		if f := strings.Fields(o); len(f) > 0 && !notOutlets[f[0]] && !monthRE.MatchString(o) {
			c.OutletName = strings.Trim(o, " .,")
		}
	}
	if m := monthRE.FindStringSubmatch(s); m != nil && !opt.PublishedOn.IsZero() {
		var day int
		for _, r := range m[2] {
			day = day*10 + int(r-'0')
		}
		year := opt.PublishedOn.Year()
		d := time.Date(year, months[m[1]], day, 0, 0, 0, 0, time.UTC)
		if d.After(opt.PublishedOn.AddDate(0, 0, 1)) {
			d = d.AddDate(-1, 0, 0) // "on December 30" in a January article
		}
		c.SaidOn, c.DatePrecision = d.Format("2006-01-02"), "day"
	} else if m := weekdayRE.FindStringSubmatch(s); m != nil && !opt.PublishedOn.IsZero() {
		d := opt.PublishedOn
		for i := 0; i < 7 && d.Weekday().String() != m[1]; i++ {
			d = d.AddDate(0, 0, -1)
		}
		c.SaidOn, c.DatePrecision = d.Format("2006-01-02"), "day"
	}
}
