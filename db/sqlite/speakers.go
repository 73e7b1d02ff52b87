package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/fold"
)

const speakerColumns = `id, name, wikidata_qid, description, anonymous, positions, version, created_at, updated_at`

func scanSpeaker(row scanner) (*db.Speaker, error) {
	var s db.Speaker
	var created, updated, positions string
	if err := row.Scan(&s.ID, &s.Name, &s.WikidataQID, &s.Description, &s.Anonymous, &positions, &s.Version, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(positions), &s.Positions); err != nil {
		return nil, fmt.Errorf("a speaker's positions: %w", err)
	}
	s.CreatedAt, s.UpdatedAt = parseTime(created), parseTime(updated)
	s.Aliases = []string{}
	return &s, nil
}

// speakers reads speakers and fills in their aliases with one more query.
func (t *tx) speakers(ctx context.Context, query string, args ...any) ([]*db.Speaker, error) {
	out, err := collect(ctx, t.q, "read speakers", scanSpeaker, `SELECT `+speakerColumns+` FROM speakers WHERE `+query, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[string]*db.Speaker, len(out))
	for _, s := range out {
		byID[s.ID] = s
	}
	type alias struct{ id, name string }
	aliases, err := collect(ctx, t.q, "read aliases", func(r scanner) (alias, error) {
		var a alias
		return a, r.Scan(&a.id, &a.name)
	}, `SELECT speaker_id, name FROM speaker_names WHERE ord > 0 AND speaker_id IN (`+placeholders(len(byID))+`)
		ORDER BY speaker_id, ord`, anys(mapKeys(byID))...)
	if err != nil {
		return nil, err
	}
	for _, a := range aliases {
		byID[a.id].Aliases = append(byID[a.id].Aliases, a.name)
	}
	return out, nil
}

func (t *tx) Speaker(ctx context.Context, id string, _ bool) (*db.Speaker, error) {
	rows, err := t.speakers(ctx, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0], nil
}

func (t *tx) Speakers(ctx context.Context, ids []string) (map[string]*db.Speaker, error) {
	out := map[string]*db.Speaker{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.speakers(ctx, `id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
	for _, s := range rows {
		out[s.ID] = s
	}
	return out, err
}

func (t *tx) SpeakersByQIDs(ctx context.Context, qids []string) (map[string]string, error) {
	return t.lookup(ctx, "find speakers by QID", `SELECT wikidata_qid, id FROM speakers WHERE wikidata_qid`, qids)
}

// namesPerKey is how many speakers SpeakersByNames reports per name: two tell a caller
// the name is ambiguous, a few name them in the message.
const namesPerKey = 5

func (t *tx) SpeakersByNames(ctx context.Context, keys []string) (map[string][]string, error) {
	out := map[string][]string{}
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		type pair struct{ key, id string }
		rows, err := collect(ctx, t.q, "find speakers by name", func(r scanner) (pair, error) {
			var p pair
			return p, r.Scan(&p.key, &p.id)
		}, `SELECT DISTINCT name_key, speaker_id FROM speaker_names WHERE name_key IN (`+placeholders(len(chunk))+`)
			ORDER BY name_key, speaker_id`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		for _, p := range rows {
			if len(out[p.key]) < namesPerKey {
				out[p.key] = append(out[p.key], p.id)
			}
		}
	}
	return out, nil
}

func (t *tx) InsertSpeakers(ctx context.Context, ss ...*db.Speaker) error {
	for _, s := range ss {
		_, err := t.exec(ctx, "insert speaker", `INSERT INTO speakers (id, name, wikidata_qid, description, anonymous, positions, name_key,
			version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.ID, s.Name, s.WikidataQID, s.Description, s.Anonymous, db.PositionsJSON(s.Positions), fold.String(s.Name), s.Version,
			ts(s.CreatedAt), ts(s.UpdatedAt))
		if err != nil {
			return err
		}
		if err := t.writeSpeakerNames(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// writeSpeakerNames replaces the names a speaker is found by: the name, then the aliases.
func (t *tx) writeSpeakerNames(ctx context.Context, s *db.Speaker) error {
	if _, err := t.exec(ctx, "clear speaker names", `DELETE FROM speaker_names WHERE speaker_id = ?`, s.ID); err != nil {
		return err
	}
	for i, n := range append([]string{s.Name}, s.Aliases...) {
		if _, err := t.exec(ctx, "write speaker name", `INSERT INTO speaker_names (speaker_id, ord, name, name_key)
			VALUES (?, ?, ?, ?)`, s.ID, i, n, fold.String(n)); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdateSpeaker(ctx context.Context, cur, next *db.Speaker) error {
	res, err := t.exec(ctx, "update speaker", `UPDATE speakers SET name = ?, wikidata_qid = ?, description = ?, anonymous = ?,
		positions = ?, name_key = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
		next.Name, next.WikidataQID, next.Description, next.Anonymous, db.PositionsJSON(next.Positions), fold.String(next.Name), next.Version,
		ts(next.UpdatedAt), cur.ID, cur.Version)
	if err != nil {
		return err
	}
	if err := affected("update speaker", res); err != nil {
		return err
	}
	if next.Name == cur.Name && equalStrings(next.Aliases, cur.Aliases) {
		return nil
	}
	if err := t.writeSpeakerNames(ctx, next); err != nil {
		return err
	}
	// Search finds quotes by their speaker's names: re-index this speaker's quotes (every
	// column: the index keeps no copy of the others to keep them from).
	_, err = t.exec(ctx, "re-index speaker's quotes", `INSERT OR REPLACE INTO quotes_fts (rowid, text, speaker, context)
		SELECT seq, verbatim_index(text), verbatim_index((SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = ?)),
		verbatim_index(context) FROM quotes WHERE speaker_id = ?`, cur.ID, cur.ID)
	return err
}

func (t *tx) DeleteSpeaker(ctx context.Context, id string) error {
	if _, err := t.exec(ctx, "delete speaker", `DELETE FROM speakers WHERE id = ?`, id); err != nil {
		return err
	}
	_, err := t.exec(ctx, "drop redirects to speaker", `DELETE FROM redirects WHERE to_id = ?`, id)
	return err
}

func (t *tx) ListSpeakers(ctx context.Context, q string, after *db.Cursor, limit int) ([]*db.Speaker, error) {
	where, args := []string{"1=1"}, []any{}
	if q != "" {
		where = append(where, `id IN (SELECT speaker_id FROM speaker_names WHERE instr(name_key, ?) > 0)`)
		args = append(args, q)
	}
	if after != nil {
		where = append(where, `(name_key, id) > (?, ?)`)
		args = append(args, after.Key, after.ID)
	}
	return t.speakers(ctx, strings.Join(where, " AND ")+` ORDER BY name_key, id LIMIT ?`, append(args, limit)...)
}
