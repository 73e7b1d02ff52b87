package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/fold"
)

// speakerColumns reads a speaker with its aliases in order.
const speakerColumns = `s.id, s.name, s.wikidata_qid, s.description, s.anonymous, s.positions, s.version, s.created_at, s.updated_at,
	coalesce((SELECT array_agg(n.name ORDER BY n.ord) FROM speaker_names n WHERE n.speaker_id = s.id AND n.ord > 0), '{}')`

func scanSpeaker(row pgx.Row) (*db.Speaker, error) {
	var s db.Speaker
	var positions string
	if err := row.Scan(&s.ID, &s.Name, &s.WikidataQID, &s.Description, &s.Anonymous, &positions, &s.Version, &s.CreatedAt, &s.UpdatedAt,
		&s.Aliases); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(positions), &s.Positions); err != nil {
		return nil, fmt.Errorf("a speaker's positions: %w", err)
	}
	s.CreatedAt, s.UpdatedAt = utc(s.CreatedAt), utc(s.UpdatedAt)
	if s.Aliases == nil {
		s.Aliases = []string{}
	}
	return &s, nil
}

func (t *tx) Speaker(ctx context.Context, id string, lock bool) (*db.Speaker, error) {
	query := `SELECT ` + speakerColumns + ` FROM speakers s WHERE s.id = $1`
	if lock {
		query += ` FOR UPDATE OF s`
	}
	s, err := scanSpeaker(t.q.QueryRow(ctx, query, id))
	return s, one("read speaker", err)
}

func (t *tx) Speakers(ctx context.Context, ids []string) (map[string]*db.Speaker, error) {
	out := map[string]*db.Speaker{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read speakers", scanSpeaker, `SELECT `+speakerColumns+` FROM speakers s WHERE s.id = ANY($1)`, ids)
	for _, s := range rows {
		out[s.ID] = s
	}
	return out, err
}

// namesPerKey is how many speakers SpeakersByNames reports per name: two tell a caller
// the name is ambiguous, a few name them in the message.
const namesPerKey = 5

func (t *tx) SpeakersByNames(ctx context.Context, keys []string) (map[string][]string, error) {
	type pair struct{ key, id string }
	rows, err := collect(ctx, t.q, "find speakers by name", func(r pgx.Row) (pair, error) {
		var p pair
		return p, r.Scan(&p.key, &p.id)
	}, `SELECT DISTINCT name_key, speaker_id FROM speaker_names WHERE name_key = ANY($1) ORDER BY name_key, speaker_id`, keys)
	out := map[string][]string{}
	for _, p := range rows {
		if len(out[p.key]) < namesPerKey {
			out[p.key] = append(out[p.key], p.id)
		}
	}
	return out, err
}

func (t *tx) SpeakersByQIDs(ctx context.Context, qids []string) (map[string]string, error) {
	return t.lookup(ctx, "find speakers by QID", `SELECT wikidata_qid, id FROM speakers WHERE wikidata_qid`, qids)
}

// InsertSpeakers writes speakers and their names with one statement each, however many.
func (t *tx) InsertSpeakers(ctx context.Context, ss ...*db.Speaker) error {
	if len(ss) == 0 {
		return nil
	}
	n := len(ss)
	ids, names, qids, descs, keys := make([]string, n), make([]string, n), make([]*string, n), make([]string, n), make([]string, n)
	anon, versions, created, updated := make([]bool, n), make([]int64, n), make([]time.Time, n), make([]time.Time, n)
	positions := make([]string, n)
	var nameIDs, nameTexts, nameKeys []string
	var nameOrds []int32
	for i, s := range ss {
		ids[i], names[i], qids[i], descs[i], keys[i] = s.ID, s.Name, s.WikidataQID, s.Description, fold.String(s.Name)
		anon[i], versions[i], created[i], updated[i] = s.Anonymous, s.Version, s.CreatedAt, s.UpdatedAt
		positions[i] = db.PositionsJSON(s.Positions)
		for ord, name := range append([]string{s.Name}, s.Aliases...) {
			nameIDs, nameTexts, nameKeys = append(nameIDs, s.ID), append(nameTexts, name), append(nameKeys, fold.String(name))
			nameOrds = append(nameOrds, int32(ord))
		}
	}
	if _, err := t.exec(ctx, "insert speakers", `INSERT INTO speakers (id, name, wikidata_qid, description, anonymous, name_key,
		version, created_at, updated_at, positions) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[],
		$6::text[], $7::bigint[], $8::timestamptz[], $9::timestamptz[], $10::text[])`,
		ids, names, qids, descs, anon, keys, versions, created, updated, positions); err != nil {
		return err
	}
	_, err := t.exec(ctx, "write speaker names", `INSERT INTO speaker_names (speaker_id, ord, name, name_key)
		SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[])`, nameIDs, nameOrds, nameTexts, nameKeys)
	return err
}

// writeSpeakerNames replaces the names a speaker is found by: the name, then the aliases.
func (t *tx) writeSpeakerNames(ctx context.Context, s *db.Speaker) error {
	if _, err := t.exec(ctx, "clear speaker names", `DELETE FROM speaker_names WHERE speaker_id = $1`, s.ID); err != nil {
		return err
	}
	names := append([]string{s.Name}, s.Aliases...)
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = fold.String(n)
	}
	_, err := t.exec(ctx, "write speaker names", `INSERT INTO speaker_names (speaker_id, ord, name, name_key)
		SELECT $1, n.ord - 1, n.name, n.key FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS n(name, key, ord)`,
		s.ID, names, keys)
	return err
}

func (t *tx) UpdateSpeaker(ctx context.Context, cur, next *db.Speaker) error {
	tag, err := t.exec(ctx, "update speaker", `UPDATE speakers SET name = $1, wikidata_qid = $2, description = $3,
		anonymous = $4, name_key = $5, version = $6, updated_at = $7, positions = $10 WHERE id = $8 AND version = $9`,
		next.Name, next.WikidataQID, next.Description, next.Anonymous, fold.String(next.Name), next.Version, next.UpdatedAt,
		cur.ID, cur.Version, db.PositionsJSON(next.Positions))
	if err != nil {
		return err
	}
	if err := conditional(tag); err != nil {
		return err
	}
	if next.Name == cur.Name && slicesEqual(next.Aliases, cur.Aliases) {
		return nil
	}
	if err := t.writeSpeakerNames(ctx, next); err != nil {
		return err
	}
	return t.reindexSpeaker(ctx, next)
}

// reindexSpeaker rebuilds the search vectors of a speaker's quotes: search finds quotes
// by their speaker's names.
func (t *tx) reindexSpeaker(ctx context.Context, s *db.Speaker) error {
	return t.reindexQuotes(ctx, append([]string{s.Name}, s.Aliases...), `speaker_id = $1`, s.ID)
}

// reindexQuotes rebuilds the search vectors of the quotes where says (a condition on
// quotes, with args), under the speaker names given.
func (t *tx) reindexQuotes(ctx context.Context, speakerNames []string, where string, args ...any) error {
	seqs, vecs, err := t.vectors(ctx, speakerNames, where, args...)
	if err != nil || len(seqs) == 0 {
		return err
	}
	_, err = t.exec(ctx, "re-index quotes", `UPDATE quotes q SET search = v.vec
		FROM unnest($1::bigint[], $2::tsvector[]) AS v(seq, vec) WHERE q.seq = v.seq`, seqs, vecs)
	return err
}

// vectors locks the quotes where selects and computes their search vectors under the
// speaker names given.
func (t *tx) vectors(ctx context.Context, speakerNames []string, where string, args ...any) ([]int64, []pgtype.TSVector, error) {
	type row struct {
		seq           int64
		text, context string
	}
	rows, err := collect(ctx, t.q, "read quotes to re-index", func(r pgx.Row) (row, error) {
		var x row
		var context *string
		err := r.Scan(&x.seq, &x.text, &context)
		x.context = deref(context)
		return x, err
	}, `SELECT seq, text, context FROM quotes WHERE `+where+` FOR UPDATE`, args...)
	if err != nil {
		return nil, nil, err
	}
	names := strings.Join(speakerNames, " ")
	seqs := make([]int64, len(rows))
	vecs := make([]pgtype.TSVector, len(rows))
	for i, r := range rows {
		seqs[i], vecs[i] = r.seq, vector(r.text, names, r.context)
	}
	return seqs, vecs, nil
}

func (t *tx) DeleteSpeaker(ctx context.Context, id string) error {
	if _, err := t.exec(ctx, "delete speaker", `DELETE FROM speakers WHERE id = $1`, id); err != nil {
		return err
	}
	_, err := t.exec(ctx, "drop redirects to speaker", `DELETE FROM redirects WHERE to_id = $1`, id)
	return err
}

func (t *tx) ListSpeakers(ctx context.Context, q string, after *db.Cursor, limit int) ([]*db.Speaker, error) {
	where, args := []string{"true"}, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q != "" {
		where = append(where, `s.id IN (SELECT speaker_id FROM speaker_names WHERE strpos(name_key, `+arg(q)+`) > 0)`)
	}
	if after != nil {
		where = append(where, `(s.name_key, s.id) > (`+arg(after.Key)+`, `+arg(after.ID)+`)`)
	}
	return collect(ctx, t.q, "list speakers", scanSpeaker, `SELECT `+speakerColumns+` FROM speakers s WHERE `+
		strings.Join(where, " AND ")+` ORDER BY s.name_key, s.id LIMIT `+arg(limit), args...)
}
