package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Named is a speaker or outlet as duplicates are found: its name, the folded keys of its
// name and aliases, and an outlet's web address.
type Named struct {
	ID   string
	Name string
	Keys []string // the folded name, then the folded aliases
	URL  *string  // an outlet's web address
}

// Duplicate is a pair of speakers (or outlets) that are likely one, for a fact-checker to
// merge or dismiss.
type Duplicate struct {
	Kind string        `json:"kind" enums:"speaker,outlet" example:"speaker"`
	A    DuplicateSide `json:"a"`
	B    DuplicateSide `json:"b"`
	// Reasons say why, strongest first; Score (0–1) is the strongest reason's weight.
	Reasons []string `json:"reasons" enums:"same_name,initials,same_host" example:"same_name"`
	Score   float64  `json:"score" example:"0.9"`
} //@name Duplicate

// DuplicateSide is one of a suggested pair.
type DuplicateSide struct {
	ID   string `json:"id" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X"`
	Name string `json:"name" example:"Keith Kellogg"`
} //@name DuplicateSide

// DuplicateFilter pages through the suggestions of one kind, strongest first.
type DuplicateFilter struct {
	Kind     string
	MinScore float64
	Limit    int
	Cursor   *string
}

// Dismissal records that two speakers or outlets are not one: never suggested again.
type Dismissal struct {
	// IDs are the two speakers or two outlets.
	IDs         [2]string `json:"ids" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X,spk_01JS8X2W5Q7K3M9N4P6R8T0V3B"`
	DismissedBy string    `json:"dismissed_by" example:"Anna Ivanova"`
	DismissedAt time.Time `json:"dismissed_at" format:"date-time"`
} //@name Dismissal

// DismissalInput names two speakers or two outlets that are not one.
type DismissalInput struct {
	IDs []string `json:"ids" validate:"len=2,dive,required,max=64" example:"spk_01JS8X2W5Q7K3M9N4P6R8T0V2X,spk_01JS8X2W5Q7K3M9N4P6R8T0V3B"`
} //@name DismissalCreate

// The weights of the reasons: a shared name is nearly certain (two people can share a
// name, so a person still decides), a shared web host as good, agreeing initials a
// strong hint, a bare surname ("Gen. Kellogg") a weaker one.
const (
	scoreSameName = 0.9
	scoreSameHost = 0.9
	scoreInitials = 0.7
	scoreSurname  = 0.5
	// surnameBlock caps how many records one surname compares among themselves: a
	// surname a thousand speakers share is no evidence, and would cost a million pairs.
	surnameBlock = 200
)

// titles are words before a name that say what a person is, not who.
var titles = map[string]bool{"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "gen": true,
	"general": true, "lt": true, "col": true, "maj": true, "capt": true, "adm": true, "sen": true,
	"senator": true, "rep": true, "gov": true, "governor": true, "president": true, "pres": true,
	"sir": true, "dame": true, "rev": true, "judge": true, "justice": true, "mayor": true,
	"secretary": true, "minister": true, "pm": true, "jr": true, "sr": true}

// Duplicates suggests pairs of speakers or outlets (f.Kind) that are likely one, strongest
// first, without the pairs dismissed. Fact-checkers and admins.
func (d *DB) Duplicates(ctx context.Context, f DuplicateFilter) (Page[*Duplicate], error) {
	if err := authorize(ctx, PermMerge, ""); err != nil {
		return Page[*Duplicate]{}, err
	}
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "duplicates-"+f.Kind)
	if err != nil {
		return Page[*Duplicate]{}, err
	}
	var named []*Named
	var dismissed map[string]bool
	err = d.read(ctx, func(tx Tx) error {
		var err error
		if named, err = tx.Names(ctx, f.Kind); err != nil {
			return fmt.Errorf("db: read names: %w", err)
		}
		if dismissed, err = tx.Dismissed(ctx, f.Kind); err != nil {
			return fmt.Errorf("db: read dismissals: %w", err)
		}
		return nil
	})
	if err != nil {
		return Page[*Duplicate]{}, err
	}
	all := suggest(f.Kind, named)
	out := make([]*Duplicate, 0, limit+1)
	for _, p := range all {
		if p.Score < f.MinScore || dismissed[p.A.ID+" "+p.B.ID] {
			continue
		}
		if c != nil && !after(p, c) {
			continue
		}
		if out = append(out, p); len(out) > limit {
			break
		}
	}
	return page(d, out, limit, func(p *Duplicate) Cursor {
		return Cursor{Sort: "duplicates-" + f.Kind, Rank: p.Score, Key: p.A.ID, ID: p.B.ID}
	}), nil
}

// after reports whether p comes after the position c in the suggestions' order.
func after(p *Duplicate, c *Cursor) bool {
	if p.Score != c.Rank {
		return p.Score < c.Rank
	}
	return cmp.Or(cmp.Compare(p.A.ID, c.Key), cmp.Compare(p.B.ID, c.ID)) > 0
}

// suggest finds the likely pairs among named, ordered by score, then IDs. Records are
// compared only within blocks that share a folded name, a surname or a host.
func suggest(kind string, named []*Named) []*Duplicate {
	pairs := map[[2]*Named][]string{}
	add := func(a, b *Named, reason string) {
		if a.ID == b.ID {
			return
		}
		if b.ID < a.ID {
			a, b = b, a
		}
		k := [2]*Named{a, b}
		if !slices.Contains(pairs[k], reason) {
			pairs[k] = append(pairs[k], reason)
		}
	}
	block := func(key func(*Named) []string, reason string, limit int) {
		groups := map[string][]*Named{}
		for _, n := range named {
			for _, k := range key(n) {
				if k != "" && !slices.Contains(groups[k], n) {
					groups[k] = append(groups[k], n)
				}
			}
		}
		for _, g := range groups {
			if len(g) < 2 || (limit > 0 && len(g) > limit) {
				continue
			}
			for i, a := range g {
				for _, b := range g[i+1:] {
					add(a, b, reason)
				}
			}
		}
	}
	block(func(n *Named) []string {
		if kind == "speaker" {
			return n.Keys
		}
		// Outlets' names are unique already; "The Wall Street Journal" and "Wall Street
		// Journal" are not.
		out := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			out[i] = strings.TrimPrefix(k, "the ")
		}
		return out
	}, "same_name", 0)
	if kind == "outlet" {
		block(func(n *Named) []string { return []string{hostOf(n.URL)} }, "same_host", 0)
	} else {
		sameSurname(named, func(a, b *Named) { add(a, b, "initials") })
	}
	out := make([]*Duplicate, 0, len(pairs))
	for k, reasons := range pairs {
		p := &Duplicate{Kind: kind, A: DuplicateSide{ID: k[0].ID, Name: k[0].Name}, B: DuplicateSide{ID: k[1].ID, Name: k[1].Name}}
		for _, r := range reasons {
			p.Score = max(p.Score, weight(r, k[0], k[1]))
		}
		slices.SortFunc(reasons, func(x, y string) int { return cmp.Compare(weight(y, k[0], k[1]), weight(x, k[0], k[1])) })
		p.Reasons = reasons
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y *Duplicate) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(x.A.ID, y.A.ID), cmp.Compare(x.B.ID, y.B.ID))
	})
	return out
}

func weight(reason string, a, b *Named) float64 {
	switch reason {
	case "same_name":
		return scoreSameName
	case "same_host":
		return scoreSameHost
	}
	// Initials that agree weigh more than a surname alone ("Gen. Kellogg").
	if ga, gb := givenOf(a), givenOf(b); len(ga) > 0 && len(gb) > 0 {
		return scoreInitials
	}
	return scoreSurname
}

// splitName is a folded name's given names (titles dropped) and surname.
func splitName(key string) ([]string, string) {
	var words []string
	for _, w := range strings.FieldsFunc(key, func(r rune) bool { return r == ' ' || r == '.' || r == ',' }) {
		if !titles[w] {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return nil, ""
	}
	return words[:len(words)-1], words[len(words)-1]
}

// person is a speaker's name read for the initials rule: the given names (titles
// dropped) and the surname of each of its names and aliases that has one.
type person struct {
	n     *Named
	names []parsedName
}

type parsedName struct {
	given   []string
	surname string
}

// sameSurname calls pair for each two speakers sharing a surname whose given names agree
// (givenAgree). Speakers are compared within blocks of one surname and one first initial,
// and a surname alone ("Gen. Kellogg") against its whole surname: a few dozen comparisons
// a speaker where every pair of a surname would be thousands. A surname more than
// surnameBlock speakers share is no evidence, and is left out.
func sameSurname(named []*Named, pair func(a, b *Named)) {
	bySurname := map[string][]*person{}
	for _, n := range named {
		p := &person{n: n}
		for _, k := range n.Keys {
			if given, surname := splitName(k); surname != "" {
				p.names = append(p.names, parsedName{given, surname})
			}
		}
		seen := map[string]bool{}
		for _, pn := range p.names {
			if !seen[pn.surname] {
				seen[pn.surname] = true
				bySurname[pn.surname] = append(bySurname[pn.surname], p)
			}
		}
	}
	for surname, ps := range bySurname {
		if len(ps) < 2 || len(ps) > surnameBlock {
			continue
		}
		byInitial := map[byte][]*person{}
		var bare []*person
		for _, p := range ps {
			initials := map[byte]bool{}
			for _, pn := range p.names {
				switch {
				case pn.surname != surname:
				case len(pn.given) == 0:
					if len(bare) == 0 || bare[len(bare)-1] != p {
						bare = append(bare, p)
					}
				case !initials[pn.given[0][0]]:
					initials[pn.given[0][0]] = true
					byInitial[pn.given[0][0]] = append(byInitial[pn.given[0][0]], p)
				}
			}
		}
		for _, block := range byInitial {
			for i, a := range block {
				for _, b := range block[i+1:] {
					if givenAgree(a, b) {
						pair(a.n, b.n)
					}
				}
			}
		}
		for _, a := range bare {
			for _, b := range ps {
				if a != b {
					pair(a.n, b.n)
				}
			}
		}
	}
}

// givenOf is the given names of a speaker's name, the first of its names with a surname.
func givenOf(n *Named) []string {
	for _, k := range n.Keys {
		if given, surname := splitName(k); surname != "" {
			return given
		}
	}
	return nil
}

// givenAgree reports whether two people sharing a surname have given names that could be
// one person's: each given name of the shorter list equals, or is the initial of, the
// other's in order ("k" and "keith", "keith p" and "keith"); none given agrees with any.
func givenAgree(a, b *person) bool {
	for _, x := range a.names {
		for _, y := range b.names {
			if x.surname != y.surname {
				continue
			}
			ga, gb := x.given, y.given
			if len(ga) > len(gb) {
				ga, gb = gb, ga
			}
			agree := true
			for i, g := range ga {
				o := gb[i]
				if g != o && !(len(g) == 1 && strings.HasPrefix(o, g)) && !(len(o) == 1 && strings.HasPrefix(g, o)) {
					agree = false
					break
				}
			}
			if agree {
				return true
			}
		}
	}
	return false
}

// hostOf is an outlet URL's host without "www.", "" when it has none.
func hostOf(u *string) string {
	if u == nil {
		return ""
	}
	p, err := url.Parse(*u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
}

// Dismiss records that two speakers or two outlets are not one, so that they are not
// suggested again. Fact-checkers and admins. Invalid: not two of one kind, or unknown.
func (d *DB) Dismiss(ctx context.Context, in DismissalInput) (*Dismissal, error) {
	if err := authorize(ctx, PermMerge, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	a, b := in.IDs[0], in.IDs[1]
	if b < a {
		a, b = b, a
	}
	kind := ""
	for k, prefix := range idPrefix {
		if strings.HasPrefix(a, prefix) && strings.HasPrefix(b, prefix) {
			kind = k
		}
	}
	switch {
	case kind == "":
		return nil, errorf(Invalid, "ids", "name two speakers (spk_…) or two outlets (out_…)")
	case a == b:
		return nil, errorf(Invalid, "ids", "name two different records")
	}
	out := &Dismissal{IDs: [2]string{a, b}, DismissedBy: actorOf(ctx).Name}
	err := d.write(ctx, func(tx Tx) error {
		for i, id := range out.IDs {
			if _, err := findMergeable(ctx, tx, kind, id, false); err != nil {
				var e *Error
				if errors.As(err, &e) && (e.Code == NotFound || e.Code == Moved) {
					return errorf(Invalid, "ids["+strconv.Itoa(i)+"]", e.Message)
				}
				return err
			}
		}
		out.DismissedAt = d.now()
		if err := tx.Dismiss(ctx, kind, a, b, out.DismissedBy, out.DismissedAt); err != nil {
			return fmt.Errorf("db: record dismissal: %w", err)
		}
		return d.record(ctx, tx, newChange("dismiss", kind, a, "", nil, map[string]any{"not_duplicate_of": b}))
	})
	return out, err
}
