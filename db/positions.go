package db

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// PositionsJSON is how engines store a speaker's positions: a JSON array, never null.
func PositionsJSON(ps []Position) string {
	if len(ps) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ps) // strings and string pointers: it cannot fail
	return string(b)
}

// span is the days a partial date covers: 2025 is the whole year, 2025-04 the month.
func span(date string) (first, last time.Time, err error) {
	day, prec, err := NormalizeDate(date, nil)
	if err != nil {
		return first, last, err
	}
	first, _ = time.Parse("2006-01-02", day)
	switch prec {
	case "year":
		last = first.AddDate(1, 0, -1)
	case "month":
		last = first.AddDate(0, 1, -1)
	default:
		last = first
	}
	return first, last, nil
}

// checkPositions refuses a position that ends before it starts, naming it.
func checkPositions(ps []Position) error {
	for i, p := range ps {
		if p.From == nil || p.To == nil {
			continue
		}
		from, _, err1 := span(*p.From)
		_, to, err2 := span(*p.To)
		if err1 == nil && err2 == nil && to.Before(from) {
			return errorf(Invalid, fmt.Sprintf("positions[%d].to", i), fmt.Sprintf("ends (%s) before it starts (%s)", *p.To, *p.From))
		}
	}
	return nil
}

// normalizedPositions is ps, never nil.
func normalizedPositions(ps []Position) []Position {
	if ps == nil {
		return []Position{}
	}
	return ps
}

// positionOn is the title of the position held on day (YYYY-MM-DD, the first day of a
// quote's said_on), nil when none is known to have been: of several, the one that began
// last — an envoy's appointment is more telling than the career it falls within.
func positionOn(ps []Position, day string) *string {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return nil
	}
	var best *Position
	var bestFrom time.Time
	for i := range ps {
		p := &ps[i]
		from := time.Time{}
		if p.From != nil {
			f, _, err := span(*p.From)
			if err != nil {
				continue
			}
			from = f
		}
		if d.Before(from) {
			continue
		}
		if p.To != nil {
			if _, to, err := span(*p.To); err != nil || d.After(to) {
				continue
			}
		}
		if best == nil || from.After(bestFrom) {
			best, bestFrom = p, from
		}
	}
	if best == nil {
		return nil
	}
	return &best.Title
}

// attachPositions sets each quote's speaker_position: its own speaker_role, or the
// position its speaker held on the day it was said. One read of the speakers it needs.
func attachPositions(ctx context.Context, tx Tx, quotes []*Quote) error {
	var ids []string
	for _, q := range quotes {
		q.SpeakerPosition = q.SpeakerRole
		if q.SpeakerRole == nil && q.SaidOn != nil && !slices.Contains(ids, q.Speaker.ID) {
			ids = append(ids, q.Speaker.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	speakers, err := tx.Speakers(ctx, ids)
	if err != nil {
		return fmt.Errorf("db: read speakers' positions: %w", err)
	}
	for _, q := range quotes {
		if s := speakers[q.Speaker.ID]; q.SpeakerPosition == nil && q.SaidOn != nil && s != nil {
			q.SpeakerPosition = positionOn(s.Positions, *q.SaidOn)
		}
	}
	return nil
}

// samePosition reports whether two positions are one: the same title, dates and all.
func samePosition(a, b Position) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Title == b.Title && eq(a.From, b.From) && eq(a.To, b.To)
}
