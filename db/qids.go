package db

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// QIDRedirect is one line of a list of Wikidata redirects: the item From was merged
// into To.
type QIDRedirect struct {
	Line     int
	From, To string
}

// QIDChange is what one redirect did to the archive.
type QIDChange struct {
	Line    int    `json:"line" example:"3"`
	From    string `json:"from_qid" example:"Q110661519"`
	To      string `json:"to_qid" example:"Q6385264"`
	Action  string `json:"action" enums:"merged,repointed" example:"merged"`
	Speaker string `json:"speaker_id" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V3A"`
	// Into is, for a merge, the speaker holding To, which the one holding From was merged
	// into.
	Into *string `json:"into_id" extensions:"x-nullable" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
} //@name QIDChange

// QIDReport is what applying a list of Wikidata redirects did, line by line.
type QIDReport struct {
	// Lines is how many lines held a redirect, or something else (blank lines and
	// comments aside).
	Lines int `json:"lines" example:"4"`
	// Merged counts speakers folded into the speaker holding the new QID; Repointed
	// speakers given the new QID in place of the old; Current the redirects whose new QID
	// a speaker holds already and whose old one none does; Unknown those whose QIDs no
	// speaker holds (most of a full Wikidata dump's); Rejected the lines in Errors.
	Merged    int               `json:"merged" example:"1"`
	Repointed int               `json:"repointed" example:"1"`
	Current   int               `json:"current" example:"0"`
	Unknown   int               `json:"unknown" example:"1"`
	Rejected  int               `json:"rejected" example:"1"`
	Changes   []QIDChange       `json:"changes"`
	Errors    []ImportLineError `json:"errors"`
} //@name QIDRedirectReport

// maxQIDLine is the longest line a redirect list may have: an N-Triples line of two
// entity IRIs and owl:sameAs is under 150 bytes.
const maxQIDLine = 4096

var (
	qidForm    = regexp.MustCompile(`^Q[1-9][0-9]{0,11}$`)
	entityIRI  = regexp.MustCompile(`^<https?://www\.wikidata\.org/entity/(Q[0-9]+)>$`)
	sameAsIRIs = map[string]bool{"<http://www.w3.org/2002/07/owl#sameAs>": true, "owl:sameAs": true}
)

// ApplyQIDRedirects reads a list of Wikidata redirects from r (readQIDRedirects: at most
// max lines, 0 for no limit) and applies them (applyQIDRedirects), reporting every line
// that changed something or was refused, in order. Admins.
func (d *DB) ApplyQIDRedirects(ctx context.Context, r io.Reader, max int) (*QIDReport, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	redirects, bad, err := readQIDRedirects(r, max)
	if err != nil {
		return nil, err
	}
	rep, err := d.applyQIDRedirects(ctx, redirects)
	if err != nil {
		return nil, err
	}
	rep.Lines += len(bad)
	rep.Rejected += len(bad)
	rep.Errors = append(rep.Errors, bad...)
	slices.SortStableFunc(rep.Errors, func(a, b ImportLineError) int { return a.Line - b.Line })
	return rep, nil
}

// readQIDRedirects reads a list of Wikidata redirects, one per line: two QIDs separated
// by a tab, a comma or spaces ("Q110661519	Q6385264"), or the N-Triples Wikidata's RDF
// dumps state them in (<…/entity/Q1> <http://www.w3.org/2002/07/owl#sameAs> <…/entity/Q2> .).
// Blank lines and lines starting with # are skipped. Lines it cannot read are returned
// as errors, each with its number; at most max lines are read (0: no limit), and a list
// longer is Invalid.
func readQIDRedirects(r io.Reader, max int) ([]QIDRedirect, []ImportLineError, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxQIDLine)
	var out []QIDRedirect
	var bad []ImportLineError
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if max > 0 && len(out)+len(bad) >= max {
			return nil, nil, errorf(Invalid, "", fmt.Sprintf("more than %d redirects: split the list, or apply it with the command line", max))
		}
		from, to, err := parseQIDLine(text)
		if err != nil {
			bad = append(bad, ImportLineError{Line: line, Message: err.Error()})
			continue
		}
		out = append(out, QIDRedirect{Line: line, From: from, To: to})
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, nil, errorf(Malformed, "", fmt.Sprintf("line %d is over %d bytes: not a list of redirects", line+1, maxQIDLine))
	} else if err != nil {
		return nil, nil, fmt.Errorf("db: read redirects: %w", err)
	}
	return out, bad, nil
}

func parseQIDLine(text string) (string, string, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == '\t' || r == ',' || r == ' ' })
	if len(fields) == 4 && fields[3] == "." && sameAsIRIs[fields[1]] {
		a, b := entityIRI.FindStringSubmatch(fields[0]), entityIRI.FindStringSubmatch(fields[2])
		if a == nil || b == nil {
			return "", "", errors.New("an N-Triples line whose subject and object are not Wikidata entities")
		}
		fields = []string{a[1], b[1]}
	}
	if len(fields) != 2 {
		return "", "", errors.New("not two QIDs (old and new, separated by a tab, a comma or spaces)")
	}
	for _, f := range fields {
		if !qidForm.MatchString(f) {
			return "", "", fmt.Errorf("%q is not a Wikidata QID (Q and a number)", f)
		}
	}
	if fields[0] == fields[1] {
		return "", "", fmt.Errorf("%s redirects to itself", fields[0])
	}
	return fields[0], fields[1], nil
}

// applyQIDRedirects applies Wikidata's redirects to the archive's speakers: where one
// speaker holds the old QID and another the new, the first is merged into the second (as
// MergeSpeaker does, its QID dropped: Wikidata has made it the other's); where only the
// old is held, its speaker takes the new QID. Chains in the list (Q1 → Q2, Q2 → Q3) are
// followed to their end; a cycle is refused, every line of it. Each line is applied in a
// transaction of its own: a refused merge (claimed quotes) is reported on its line, and
// the others stand.
func (d *DB) applyQIDRedirects(ctx context.Context, redirects []QIDRedirect) (*QIDReport, error) {
	rep := &QIDReport{Lines: len(redirects), Changes: []QIDChange{}, Errors: []ImportLineError{}}
	next := map[string]QIDRedirect{}
	for _, r := range redirects {
		if prev, ok := next[r.From]; ok && prev.To != r.To {
			rep.reject(r.Line, fmt.Sprintf("%s redirects to %s here and to %s on line %d", r.From, r.To, prev.To, prev.Line))
			continue
		}
		next[r.From] = r
	}
	for _, r := range redirects {
		if rep.rejected(r.Line) {
			continue
		}
		final, cycle := r.To, false
		for seen := map[string]bool{r.From: true}; ; {
			if seen[final] {
				cycle = true
				break
			}
			seen[final] = true
			n, ok := next[final]
			if !ok {
				break
			}
			final = n.To
		}
		if cycle {
			rep.reject(r.Line, fmt.Sprintf("%s → %s is part of a cycle of redirects: Wikidata's redirects never loop", r.From, r.To))
			continue
		}
		var change *QIDChange
		err := d.write(ctx, func(tx Tx) error {
			var err error
			change, err = d.applyQIDRedirect(ctx, tx, r, final)
			return err
		})
		switch {
		case err != nil && ErrorCode(err) == Internal:
			return rep, err
		case err != nil:
			var e *Error
			errors.As(err, &e)
			rep.reject(r.Line, e.Message)
		case change == nil:
			rep.Unknown++
		case change.Action == "merged":
			rep.Merged++
			rep.Changes = append(rep.Changes, *change)
		case change.Action == "repointed":
			rep.Repointed++
			rep.Changes = append(rep.Changes, *change)
		default:
			rep.Current++
		}
	}
	return rep, nil
}

func (r *QIDReport) reject(line int, msg string) {
	r.Rejected++
	r.Errors = append(r.Errors, ImportLineError{Line: line, Message: msg})
}

func (r *QIDReport) rejected(line int) bool {
	for _, e := range r.Errors {
		if e.Line == line {
			return true
		}
	}
	return false
}

// applyQIDRedirect applies one redirect, whose chain ends at final, in tx: nil when no
// speaker holds either QID; Action "" when only final's holder exists.
func (d *DB) applyQIDRedirect(ctx context.Context, tx Tx, r QIDRedirect, final string) (*QIDChange, error) {
	holders, err := tx.SpeakersByQIDs(ctx, []string{r.From, final})
	if err != nil {
		return nil, fmt.Errorf("db: find speakers by QID: %w", err)
	}
	from, into := holders[r.From], holders[final]
	c := &QIDChange{Line: r.Line, From: r.From, To: final, Speaker: from}
	switch {
	case from == "" && into == "":
		return nil, nil
	case from == "":
		return &QIDChange{Line: r.Line, From: r.From, To: final, Speaker: into}, nil
	case into == "":
		cur, err := findSpeaker(ctx, tx, from, true)
		if err != nil {
			return nil, err
		}
		next := *cur
		next.WikidataQID, next.Version, next.UpdatedAt = &final, cur.Version+1, d.now()
		if err := tx.UpdateSpeaker(ctx, cur, &next); err != nil {
			return nil, speakerWriteError(err)
		}
		c.Action = "repointed"
		return c, d.record(ctx, tx, newChange("update", "speaker", from, "", cur, &next))
	}
	in := MergeInput{Into: into, Reason: fmt.Sprintf("Wikidata redirects %s to %s", r.From, final), obsoleteQID: true}
	if _, err := d.mergeIn(ctx, tx, "speaker", from, nil, in); err != nil {
		return nil, err
	}
	c.Action, c.Into = "merged", &into
	return c, nil
}
