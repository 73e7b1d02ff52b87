package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
	err := d.write(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = d.insertSpeaker(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Speaker(ctx, id)
}

func (d *DB) insertSpeaker(ctx context.Context, tx *sql.Tx, in SpeakerInput) (string, error) {
	now := d.now()
	id := newID("spk_", now)
	ts := now.Format(timeFormat)
	_, err := tx.ExecContext(ctx, `INSERT INTO speakers (id, name, wikidata_qid, description, anonymous, name_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Name, in.WikidataQID, in.Description, in.Anonymous, fold.String(in.Name), ts, ts)
	if err != nil {
		return "", speakerWriteError(err)
	}
	if err := writeSpeakerNames(ctx, tx, id, in.Name, in.Aliases); err != nil {
		return "", err
	}
	after := &Speaker{ID: id, Name: in.Name, Aliases: dedupeNames(in.Name, in.Aliases), WikidataQID: in.WikidataQID,
		Description: in.Description, Anonymous: in.Anonymous}
	return id, d.audit(ctx, tx, "create", "speaker", id, "", nil, after)
}

func speakerWriteError(err error) error {
	if isUnique(err) {
		return errorf(Conflict, "wikidata_qid", "another speaker already has this Wikidata QID")
	}
	return fmt.Errorf("db: write speaker: %w", classify(err))
}

// writeSpeakerNames replaces the names a speaker is found by.
func writeSpeakerNames(ctx context.Context, tx *sql.Tx, id, name string, aliases []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM speaker_names WHERE speaker_id = ?`, id); err != nil {
		return fmt.Errorf("db: clear speaker names: %w", classify(err))
	}
	names := append([]string{name}, dedupeNames(name, aliases)...)
	for i, n := range names {
		if _, err := tx.ExecContext(ctx, `INSERT INTO speaker_names (speaker_id, ord, name, name_key) VALUES (?, ?, ?, ?)`,
			id, i, n, fold.String(n)); err != nil {
			return fmt.Errorf("db: write speaker name: %w", classify(err))
		}
	}
	return nil
}

// dedupeNames drops aliases that fold to the name or to an earlier alias.
func dedupeNames(name string, aliases []string) []string {
	seen := map[string]bool{fold.String(name): true}
	var out []string
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
	var s *Speaker
	err := d.read(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = findSpeaker(ctx, tx, id)
		return err
	})
	return s, err
}

const speakerColumns = `id, name, wikidata_qid, description, anonymous, version, created_at, updated_at`

// scanSpeaker reads speakerColumns, then any extra columns into extra.
func scanSpeaker(row scanner, extra ...any) (*Speaker, error) {
	var s Speaker
	var created, updated string
	dest := append([]any{&s.ID, &s.Name, &s.WikidataQID, &s.Description, &s.Anonymous, &s.Version, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = parseTime(created), parseTime(updated)
	s.Aliases = []string{}
	return &s, nil
}

func findSpeaker(ctx context.Context, tx *sql.Tx, id string) (*Speaker, error) {
	s, err := scanSpeaker(tx.QueryRowContext(ctx, `SELECT `+speakerColumns+` FROM speakers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errorf(NotFound, "", "no speaker with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read speaker: %w", err)
	}
	if err := loadAliases(ctx, tx, []*Speaker{s}); err != nil {
		return nil, err
	}
	return s, nil
}

// loadAliases fills in the aliases of the given speakers with one query.
func loadAliases(ctx context.Context, tx *sql.Tx, speakers []*Speaker) error {
	if len(speakers) == 0 {
		return nil
	}
	byID := make(map[string]*Speaker, len(speakers))
	args := make([]any, len(speakers))
	for i, s := range speakers {
		byID[s.ID] = s
		args[i] = s.ID
	}
	rows, err := tx.QueryContext(ctx, `SELECT speaker_id, name FROM speaker_names
		WHERE ord > 0 AND speaker_id IN (`+placeholders(len(args))+`) ORDER BY speaker_id, ord`, args...)
	if err != nil {
		return fmt.Errorf("db: read aliases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("db: read aliases: %w", err)
		}
		byID[id].Aliases = append(byID[id].Aliases, name)
	}
	return rows.Err()
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
	err := d.write(ctx, func(tx *sql.Tx) error {
		cur, err := findSpeaker(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		next := *cur
		if patch.Name.Set {
			next.Name = patch.Name.Value
		}
		if patch.Aliases.Set {
			next.Aliases = patch.Aliases.Value
		}
		if patch.WikidataQID.Set {
			next.WikidataQID = nullable(patch.WikidataQID)
		}
		if patch.Description.Set {
			next.Description = patch.Description.Value
		}
		if patch.Anonymous.Set {
			next.Anonymous = patch.Anonymous.Value
		}
		if next.Name == cur.Name && equalStrings(next.Aliases, cur.Aliases) && equalPtr(next.WikidataQID, cur.WikidataQID) &&
			next.Description == cur.Description && next.Anonymous == cur.Anonymous {
			return nil // nothing changes, so neither does the version
		}
		_, err = tx.ExecContext(ctx, `UPDATE speakers SET name = ?, wikidata_qid = ?, description = ?, anonymous = ?, name_key = ?,
			version = version + 1, updated_at = ? WHERE id = ?`,
			next.Name, next.WikidataQID, next.Description, next.Anonymous, fold.String(next.Name), d.timestamp(), id)
		if err != nil {
			return speakerWriteError(err)
		}
		if err := writeSpeakerNames(ctx, tx, id, next.Name, next.Aliases); err != nil {
			return err
		}
		next.Aliases = append([]string{}, dedupeNames(next.Name, next.Aliases)...)
		if err := d.audit(ctx, tx, "update", "speaker", id, "", cur, &next); err != nil {
			return err
		}
		if next.Name == cur.Name && equalStrings(next.Aliases, cur.Aliases) {
			return nil
		}
		// Search finds quotes by their speaker's names: re-index this speaker's quotes.
		_, err = tx.ExecContext(ctx, `UPDATE quotes_fts SET speaker = (SELECT group_concat(name, ' ') FROM speaker_names
			WHERE speaker_id = ?) WHERE rowid IN (SELECT seq FROM quotes WHERE speaker_id = ?)`, id, id)
		if err != nil {
			return fmt.Errorf("db: re-index speaker's quotes: %w", classify(err))
		}
		return nil
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
	return d.write(ctx, func(tx *sql.Tx) error {
		cur, err := findSpeaker(ctx, tx, id)
		if err != nil {
			return err
		}
		return d.deleteUnquoted(ctx, tx, "speaker", id, cur.Version, ifMatch, cur)
	})
}

// ListSpeakers returns speakers ordered by name.
func (d *DB) ListSpeakers(ctx context.Context, f SpeakerFilter) (Page[*Speaker], error) {
	where, args := []string{"1=1"}, []any{}
	if f.Q != nil {
		if q := fold.String(*f.Q); q != "" {
			where = append(where, `id IN (SELECT speaker_id FROM speaker_names WHERE instr(name_key, ?) > 0)`)
			args = append(args, q)
		}
	}
	return listByName(ctx, d, "speakers", f.Limit, f.Cursor, where, args, `SELECT `+speakerColumns+`, name_key FROM speakers`,
		func(rows *sql.Rows) (*Speaker, string, string, error) {
			var key string
			s, err := scanSpeaker(rows, &key)
			if err != nil {
				return nil, "", "", err
			}
			return s, key, s.ID, nil
		},
		func(tx *sql.Tx, page []*Speaker) error { return loadAliases(ctx, tx, page) })
}

// findSpeakerByName returns the one speaker known by name (folded), "" when none is.
// Several speakers sharing the name is Conflict: the client must pick one by ID.
func findSpeakerByName(ctx context.Context, tx *sql.Tx, name, field string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT speaker_id FROM speaker_names WHERE name_key = ? LIMIT 5`, fold.String(name))
	if err != nil {
		return "", fmt.Errorf("db: find speaker by name: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("db: find speaker by name: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("db: find speaker by name: %w", err)
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	}
	return "", errorf(Conflict, field, fmt.Sprintf("several speakers are known as %q (%s); name one by speaker_id", name, strings.Join(ids, ", ")))
}
