package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/fold"
)

// SpeakerFilter selects speakers; nil fields do not filter.
type SpeakerFilter struct {
	Q      *string // matches names and aliases, folded, anywhere in the name
	Limit  int
	Cursor *string
}

// CreateSpeaker stores a new speaker. A wikidata_qid already in use is Conflict.
func (d *DB) CreateSpeaker(ctx context.Context, in SpeakerInput) (*Speaker, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&in); err != nil {
		return nil, err
	}
	var id string
	err := d.write(ctx, func(tx Tx) error {
		var err error
		id, err = d.insertSpeaker(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Speaker(ctx, id)
}

func (d *DB) insertSpeaker(ctx context.Context, tx Tx, in SpeakerInput) (string, error) {
	s := newSpeaker(in, d.now())
	if err := checkPositions(s.Positions); err != nil {
		return "", err
	}
	if err := checkQID(ctx, tx, s); err != nil {
		return "", err
	}
	if err := tx.InsertSpeakers(ctx, s); err != nil {
		return "", speakerWriteError(err)
	}
	return s.ID, d.record(ctx, tx, newChange("create", "speaker", s.ID, "", nil, s))
}

// newSpeaker is the speaker in describes, made now.
func newSpeaker(in SpeakerInput, now time.Time) *Speaker {
	return &Speaker{ID: newID("spk_", now), Name: in.Name, Aliases: dedupeNames(in.Name, in.Aliases), WikidataQID: in.WikidataQID,
		Description: in.Description, Anonymous: in.Anonymous, Positions: normalizedPositions(in.Positions), Version: 1,
		CreatedAt: now, UpdatedAt: now}
}

func speakerWriteError(err error) error {
	if errors.Is(err, ErrDuplicate) {
		return errorf(Conflict, "wikidata_qid", "another speaker already has this Wikidata QID")
	}
	return writeError("speaker", err)
}

// checkQID refuses speaker s a Wikidata QID another speaker holds, naming that speaker
// and offering the merge: a QID is one person's, so a second speaker claiming it is most
// likely the same person again. (The unique index still catches a race: ErrDuplicate.)
func checkQID(ctx context.Context, tx Tx, s *Speaker) error {
	if s.WikidataQID == nil {
		return nil
	}
	holders, err := tx.SpeakersByQIDs(ctx, []string{*s.WikidataQID})
	if err != nil {
		return fmt.Errorf("db: find speaker by QID: %w", err)
	}
	holder := holders[*s.WikidataQID]
	if holder == "" || holder == s.ID {
		return nil
	}
	if s.Version > 1 {
		return errorf(Conflict, "wikidata_qid", fmt.Sprintf("%s is the Wikidata QID of speaker %s: a QID is one person's; "+
			"if this is the same person, merge this speaker into %s", *s.WikidataQID, holder, holder))
	}
	return errorf(Conflict, "wikidata_qid", fmt.Sprintf("%s is the Wikidata QID of speaker %s: a QID is one person's; "+
		"name that speaker (speaker_id %s) instead of making another", *s.WikidataQID, holder, holder))
}

// dedupeNames drops aliases that fold to the name or to an earlier alias.
func dedupeNames(name string, aliases []string) []string {
	seen := map[string]bool{fold.String(name): true}
	out := []string{}
	for _, a := range aliases {
		k := fold.String(a)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, a)
	}
	return out
}

// Speaker returns the speaker with the given ID, or NotFound.
func (d *DB) Speaker(ctx context.Context, id string) (*Speaker, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	var s *Speaker
	err := d.read(ctx, func(tx Tx) error {
		var err error
		s, err = findSpeaker(ctx, tx, id, false)
		return err
	})
	return s, err
}

func findSpeaker(ctx context.Context, tx Tx, id string, lock bool) (*Speaker, error) {
	s, err := tx.Speaker(ctx, id, lock)
	if errors.Is(err, ErrNoRow) {
		return nil, redirected(ctx, tx, "speaker", id, "no speaker with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read speaker: %w", err)
	}
	return s, nil
}

// UpdateSpeaker applies patch to the speaker. When ifMatch is not empty the stored
// version must be one of it, else PreconditionFailed. NotFound, Conflict as on create.
func (d *DB) UpdateSpeaker(ctx context.Context, id string, ifMatch []int64, patch SpeakerPatch) (*Speaker, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&patch); err != nil {
		return nil, err
	}
	err := d.write(ctx, func(tx Tx) error {
		cur, err := findSpeaker(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		next := *cur
		if err := applyPatch(&next, &patch); err != nil {
			return err
		}
		next.Aliases, next.Positions = dedupeNames(next.Name, next.Aliases), normalizedPositions(next.Positions)
		if err := checkPositions(next.Positions); err != nil {
			return err
		}
		c := newChange("update", "speaker", id, "", cur, &next)
		if c.none() {
			return nil // nothing changes, so neither does the version
		}
		next.Version, next.UpdatedAt = cur.Version+1, d.now()
		if err := checkQID(ctx, tx, &next); err != nil {
			return err
		}
		if err := tx.UpdateSpeaker(ctx, cur, &next); err != nil {
			return speakerWriteError(err)
		}
		return d.record(ctx, tx, c)
	})
	if err != nil {
		return nil, err
	}
	return d.Speaker(ctx, id)
}

// DeleteSpeaker removes a speaker no quote names. NotFound, PreconditionFailed, and
// Conflict while quotes still name the speaker.
func (d *DB) DeleteSpeaker(ctx context.Context, id string, ifMatch []int64) error {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx Tx) error {
		cur, err := findSpeaker(ctx, tx, id, true)
		if err != nil {
			return err
		}
		return d.deleteUnquoted(ctx, tx, "speaker", id, cur.Version, ifMatch, cur, tx.DeleteSpeaker)
	})
}

// deleteUnquoted deletes a speaker or outlet (resource) at the stored version, unless
// quotes name it, which is Conflict: the archive never loses who said a quote or where.
// The deletion is audited with the resource as it was.
func (d *DB) deleteUnquoted(ctx context.Context, tx Tx, resource, id string, version int64, ifMatch []int64, cur any,
	del func(context.Context, string) error) error {
	if err := checkVersion(version, ifMatch); err != nil {
		return err
	}
	n, err := tx.CountQuotesBy(ctx, resource, id)
	if err != nil {
		return fmt.Errorf("db: count quotes by %s: %w", resource, err)
	}
	if n > 0 {
		return errorf(Conflict, "", fmt.Sprintf("%d quotes name this %s; delete or reassign them first", n, resource))
	}
	if err := del(ctx, id); err != nil {
		if errors.Is(err, ErrReferenced) {
			return errorf(Conflict, "", "a quote names this "+resource+" now; delete or reassign it first")
		}
		return fmt.Errorf("db: delete %s: %w", resource, err)
	}
	return d.record(ctx, tx, newChange("delete", resource, id, "", cur, nil))
}

// ListSpeakers returns speakers ordered by name.
func (d *DB) ListSpeakers(ctx context.Context, f SpeakerFilter) (Page[*Speaker], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Speaker]{}, err
	}
	limit := clampLimit(f.Limit)
	c, err := d.decodeCursor(f.Cursor, "speakers")
	if err != nil {
		return Page[*Speaker]{}, err
	}
	var q string
	if f.Q != nil {
		q = fold.String(*f.Q)
	}
	var rows []*Speaker
	err = d.read(ctx, func(tx Tx) error {
		var err error
		rows, err = tx.ListSpeakers(ctx, q, c, limit+1)
		return err
	})
	if err != nil {
		return Page[*Speaker]{}, fmt.Errorf("db: list speakers: %w", err)
	}
	return page(d, rows, limit, func(s *Speaker) Cursor {
		return Cursor{Sort: "speakers", Key: fold.String(s.Name), ID: s.ID}
	}), nil
}

// findSpeakerByName returns the one speaker known by the folded name key, "" when none
// is. Several speakers sharing the name is Conflict: the client must pick one by ID.
func findSpeakerByName(ctx context.Context, tx Tx, key, name, field string) (string, error) {
	found, err := tx.SpeakersByNames(ctx, []string{key})
	if err != nil {
		return "", fmt.Errorf("db: find speaker by name: %w", err)
	}
	ids := found[key]
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	}
	return "", errorf(Conflict, field, fmt.Sprintf("several speakers are known as %q (%s); name one by speaker_id", name, strings.Join(ids, ", ")))
}
