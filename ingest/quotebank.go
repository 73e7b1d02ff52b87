package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/verbatimhq/verbatim/db"
)

// Quotebank (Vaucher et al., WSDM 2021; Zenodo record 4277311) ships JSON lines of two
// shapes, told apart here line by line:
//
//   - quotation-centric (quotes-YYYY): one quotation, its likeliest speaker ("None" when
//     the model thought nobody named in the article said it) with the QIDs of everyone
//     of that name, the candidate speakers with their probabilities, the earliest date
//     it was printed, and the URLs that printed it, first first;
//   - article-centric (quotebank-YYYY): one article — URL, date, title — and the
//     quotations in it, each with its quoteID, the words as that article printed them,
//     where they stand, and the speakers as above.
//
// Each quotation is a quote under its quoteID (a re-import changes nothing) and each URL
// an appearance of it; a quotation read again, in another file or shape, adds only the
// appearances its quote lacks (db.ImportRecord.Reappears).

// quotebankLine is either shape: the quotation-centric members, and the article-centric
// ones.
type quotebankLine struct {
	QuoteID        *string         `json:"quoteID"`
	Quotation      *string         `json:"quotation"`
	Speaker        *string         `json:"speaker"`
	QIDs           []string        `json:"qids"`
	Date           *string         `json:"date"`
	NumOccurrences *int            `json:"numOccurrences"`
	Probas         json.RawMessage `json:"probas"`
	URLs           []string        `json:"urls"`
	Phase          *string         `json:"phase"`

	ArticleID     *string              `json:"articleID"`
	ArticleLength *int                 `json:"articleLength"`
	Title         *string              `json:"title"`
	URL           *string              `json:"url"`
	Names         json.RawMessage      `json:"names"`
	Quotations    []quotebankQuotation `json:"quotations"`
}

// quotebankQuotation is a quotation of an article-centric line.
type quotebankQuotation struct {
	QuoteID          *string         `json:"quoteID"`
	Quotation        *string         `json:"quotation"`
	QuotationOffset  *int            `json:"quotationOffset"`
	NumOccurrences   *int            `json:"numOccurrences"`
	LeftContext      *string         `json:"leftContext"`
	RightContext     *string         `json:"rightContext"`
	ContextStart     *int            `json:"contextStart"`
	ContextEnd       *int            `json:"contextEnd"`
	GlobalTopSpeaker *string         `json:"globalTopSpeaker"`
	GlobalProbas     json.RawMessage `json:"globalProbas"`
	LocalTopSpeaker  *string         `json:"localTopSpeaker"`
	LocalProbas      json.RawMessage `json:"localProbas"`
}

// candidateSpeaker is one of the speakers Quotebank's model weighed.
type candidateSpeaker struct {
	name  string
	proba string
	qids  []string
}

// unknownSpeaker is who says a quotation Quotebank attributes to "None": nobody the
// article names, which is not a person called None.
const unknownSpeaker = "an unidentified speaker"

func (r *Reader) quotebank(in io.Reader) func() (*Record, error) {
	next := lines(in)
	var queue []*Record // an article's quotations after its first
	return func() (*Record, error) {
		if len(queue) == 0 {
			n, b, err := next()
			if err != nil {
				return nil, err
			}
			queue = quotebankRecords(n, b)
		}
		rec := queue[0]
		queue = queue[1:]
		return rec, nil
	}
}

// quotebankRecords reads one line: a record per quotation, or the line's error.
func quotebankRecords(n int, b []byte) []*Record {
	if bad := unreadable(b); bad != nil {
		return []*Record{bad(n)}
	}
	// Members this reader does not know (the year and month of Quotebank's partitioned
	// copies, say) are let through: they carry nothing a quote keeps.
	var l quotebankLine
	if err := json.Unmarshal(b, &l); err != nil {
		return []*Record{lineError(n, "", "not a Quotebank line: "+strings.TrimPrefix(err.Error(), "json: "))}
	}
	switch {
	case l.QuoteID != nil && l.ArticleID == nil:
		return []*Record{quotationRecord(n, l)}
	case l.ArticleID != nil && l.QuoteID == nil:
		return articleRecords(n, l)
	}
	return []*Record{lineError(n, "", "neither a quotation (quoteID) nor an article (articleID) of Quotebank")}
}

// quotationRecord maps a quotation-centric line: every URL an appearance, the first
// dated with the quotation's earliest date.
func quotationRecord(n int, l quotebankLine) *Record {
	if l.Quotation == nil {
		return lineError(n, "quotation", "missing")
	}
	day, bad := quotebankDay(l.Date)
	if bad != "" {
		return lineError(n, "date", bad)
	}
	cands, err := candidateSpeakers(l.Probas)
	if err != nil {
		return lineError(n, "probas", err.Error())
	}
	rec := quotebankRecord(n, *l.QuoteID, *l.Quotation, l.Speaker, l.QIDs, cands, day)
	rec.Quote.Context = quotebankContext(*l.QuoteID, l.Phase, l.NumOccurrences, cands)
	seen := map[string]bool{}
	for i, u := range l.URLs {
		if seen[u] {
			continue // Quotebank lists a site once; a repeat adds nothing
		}
		seen[u] = true
		a := db.AppearanceInput{Words: *l.Quotation, URL: &u, OutletName: outletOf(u)}
		if i == 0 {
			a.PublishedOn = day
		}
		rec.Appearances = append(rec.Appearances, a)
	}
	return &Record{ImportRecord: rec}
}

// articleRecords maps an article-centric line: each quotation an appearance at the
// article's URL, in the article's own words.
func articleRecords(n int, l quotebankLine) []*Record {
	if l.URL == nil {
		return []*Record{lineError(n, "url", "missing")}
	}
	day, bad := quotebankDay(l.Date)
	if bad != "" {
		return []*Record{lineError(n, "date", bad)}
	}
	if len(l.Quotations) == 0 {
		return []*Record{lineError(n, "quotations", "the article has no quotations")}
	}
	var out []*Record
	for i, q := range l.Quotations {
		field := fmt.Sprintf("quotations[%d]", i)
		if q.QuoteID == nil || q.Quotation == nil {
			out = append(out, lineError(n, field, "a quotation needs its quoteID and its words"))
			continue
		}
		cands, err := candidateSpeakers(q.GlobalProbas)
		if err != nil {
			out = append(out, lineError(n, field+".globalProbas", err.Error()))
			continue
		}
		var qids []string
		for _, c := range cands {
			if q.GlobalTopSpeaker != nil && c.name == *q.GlobalTopSpeaker {
				qids = c.qids
				break
			}
		}
		rec := quotebankRecord(n, *q.QuoteID, *q.Quotation, q.GlobalTopSpeaker, qids, cands, day)
		rec.Quote.Context = quotebankContext(*q.QuoteID, l.Phase, q.NumOccurrences, cands)
		// Not the offsets: Quotebank does not say in what unit quotationOffset counts.
		rec.Appearances = []db.AppearanceInput{{Words: *q.Quotation, URL: l.URL, OutletName: outletOf(*l.URL), PublishedOn: day}}
		rec.Printed = true
		out = append(out, &Record{ImportRecord: rec})
	}
	return out
}

// quotebankRecord is the record of one quotation: its quoteID the key, its speaker by QID
// when exactly one is known, by name otherwise, an unidentified anonymous source for
// "None".
func quotebankRecord(n int, quoteID, words string, speaker *string, qids []string, cands []candidateSpeaker, day *string) db.ImportRecord {
	in := db.QuoteInput{Text: words, SaidOn: day}
	if day != nil {
		precision := "day"
		in.DatePrecision = &precision
	}
	switch {
	case speaker == nil || strings.TrimSpace(*speaker) == "" || *speaker == "None":
		name := unknownSpeaker
		in.SpeakerName, in.SpeakerAnonymous = &name, true
	default:
		name := *speaker
		in.SpeakerName = &name
		if len(qids) == 1 {
			qid := qids[0]
			in.SpeakerQID = &qid
		}
	}
	lang := "en" // Quotebank's articles are English news
	in.Lang = &lang
	return db.ImportRecord{Line: n, ExternalID: "quotebank:" + quoteID, Quote: in, Via: "import", Reappears: true}
}

// quotebankContext keeps what the archive has no field for, where a researcher reads it:
// the quoteID, the extraction phase, how often Quotebank saw the words, and the speakers
// its model weighed with their probabilities and QIDs.
func quotebankContext(quoteID string, phase *string, occurrences *int, cands []candidateSpeaker) *string {
	var b strings.Builder
	b.WriteString("Quotebank " + quoteID)
	if phase != nil {
		b.WriteString(", phase " + *phase)
	}
	if occurrences != nil {
		fmt.Fprintf(&b, ", %d occurrences", *occurrences)
	}
	if len(cands) > 0 {
		b.WriteString("; speakers weighed: ")
		for i, c := range cands {
			part := c.name + " " + c.proba
			if len(c.qids) > 0 {
				part += " (" + strings.Join(c.qids, " ") + ")"
			}
			if b.Len()+len(part)+2 > maxContext {
				b.WriteString(", …")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(part)
		}
	}
	s := b.String()
	return &s
}

// maxContext is the context's limit (QuoteInput.Context), which the candidates are cut to.
const maxContext = 2000

// candidateSpeakers reads Quotebank's probabilities in either of its forms: pairs
// [["Bill Clinton", "0.5898"], …] (quotation-centric) or objects [{"speaker": …,
// "proba": 0.59, "qids": […]}, …] (article-centric).
func candidateSpeakers(raw json.RawMessage) ([]candidateSpeaker, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("not a list of candidate speakers")
	}
	var out []candidateSpeaker
	for _, it := range items {
		var pair []json.RawMessage
		if err := json.Unmarshal(it, &pair); err == nil {
			if len(pair) != 2 {
				return nil, errors.New("a candidate speaker is a name and a probability")
			}
			var c candidateSpeaker
			if err := json.Unmarshal(pair[0], &c.name); err != nil {
				return nil, errors.New("a candidate speaker's name is not a string")
			}
			p, err := probability(pair[1])
			if err != nil {
				return nil, err
			}
			c.proba = p
			out = append(out, c)
			continue
		}
		var obj struct {
			Speaker string          `json:"speaker"`
			Proba   json.RawMessage `json:"proba"`
			QIDs    []string        `json:"qids"`
		}
		if err := json.Unmarshal(it, &obj); err != nil {
			return nil, errors.New("a candidate speaker is a [name, probability] pair or an object")
		}
		p, err := probability(obj.Proba)
		if err != nil {
			return nil, err
		}
		out = append(out, candidateSpeaker{name: obj.Speaker, proba: p, qids: obj.QIDs})
	}
	return out, nil
}

// probability is a probability as Quotebank writes it, a string or a number, kept as
// written.
func probability(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			return "", errors.New("a candidate speaker's probability is not a number")
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "", fmt.Errorf("a candidate speaker's probability %q is not a number", s)
	}
	return s, nil
}

// quotebankDay is the day of Quotebank's "YYYY-MM-DD HH:MM:SS" (or a bare day), nil
// when there is none.
func quotebankDay(date *string) (*string, string) {
	if date == nil || *date == "" {
		return nil, ""
	}
	day, _, _ := strings.Cut(*date, " ")
	if len(day) != 10 || day[4] != '-' || day[7] != '-' {
		return nil, fmt.Sprintf("%q is not a Quotebank date (YYYY-MM-DD HH:MM:SS)", *date)
	}
	return &day, ""
}

// outletOf names the outlet that printed a URL by its host, without "www.".
func outletOf(raw string) *string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	return &host
}
