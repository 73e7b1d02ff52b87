package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) Redirects(ctx context.Context, ids []string) (map[string]string, error) {
	return t.lookup(ctx, "read redirects", `SELECT from_id, to_id FROM redirects WHERE from_id`, ids)
}

func (t *tx) InsertMerge(ctx context.Context, m *db.Merge) error {
	repointed, err := collect(ctx, t.q, "re-point redirects", func(r pgx.Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `UPDATE redirects SET to_id = $1 WHERE to_id = $2 RETURNING from_id`, m.Into, m.From)
	if err != nil {
		return err
	}
	m.Repointed = repointed
	if m.Repointed == nil {
		m.Repointed = []string{}
	}
	if _, err := t.exec(ctx, "insert merge", `INSERT INTO merges (id, kind, from_id, into_id, reason, merged, survivor,
		survivor_version, moved, repointed, merged_by, merged_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)`,
		m.ID, m.Kind, m.From, m.Into, m.Reason, string(m.Merged), string(m.SurvivorBefore), m.SurvivorVersion,
		m.Repointed, m.MergedBy, m.MergedAt); err != nil {
		return err
	}
	_, err = t.exec(ctx, "insert redirect", `INSERT INTO redirects (from_id, to_id, kind, merge_id) VALUES ($1, $2, $3, $4)`,
		m.From, m.Into, m.Kind, m.ID)
	return err
}

const mergeColumns = `id, kind, from_id, into_id, reason, merged, survivor, survivor_version, moved, repointed,
	merged_by, merged_at, undone_by, undone_at`

func scanMerge(r pgx.Row) (*db.Merge, error) {
	var m db.Merge
	var merged, survivor, repointed []byte
	if err := r.Scan(&m.ID, &m.Kind, &m.From, &m.Into, &m.Reason, &merged, &survivor, &m.SurvivorVersion, &m.MovedQuotes,
		&repointed, &m.MergedBy, &m.MergedAt, &m.UndoneBy, &m.UndoneAt); err != nil {
		return nil, err
	}
	m.Merged, m.SurvivorBefore = json.RawMessage(merged), json.RawMessage(survivor)
	m.MergedAt = utc(m.MergedAt)
	if m.UndoneAt != nil {
		at := utc(*m.UndoneAt)
		m.UndoneAt = &at
	}
	if err := json.Unmarshal(repointed, &m.Repointed); err != nil {
		return nil, err
	}
	return &m, nil
}

func (t *tx) Merge(ctx context.Context, id string, lock bool) (*db.Merge, error) {
	query := `SELECT ` + mergeColumns + ` FROM merges WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	m, err := scanMerge(t.q.QueryRow(ctx, query, id))
	return m, one("read merge", err)
}

func (t *tx) ListMerges(ctx context.Context, id, before string, limit int) ([]*db.Merge, error) {
	where, args := []string{"true"}, []any{limit}
	if id != "" {
		args = append(args, id)
		where = append(where, `(from_id = $2 OR into_id = $2)`)
	}
	if before != "" {
		args = append(args, before)
		where = append(where, fmt.Sprintf(`id < $%d`, len(args)))
	}
	return collect(ctx, t.q, "list merges", scanMerge, `SELECT `+mergeColumns+` FROM merges WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT $1`, args...)
}

// mergeColumn is the column of quotes that names a speaker or an outlet.
func mergeColumn(kind string) string {
	if kind == "outlet" {
		return "outlet_id"
	}
	return "speaker_id"
}

// MoveQuotes re-indexes the quotes it moves to another speaker under the survivor's
// names, which the merge has already given it; outlets are not searched by name.
// MoveQuotes re-points a speaker's quotes and rewrites their search vectors, under the
// survivor's names, in one UPDATE: each row is rewritten once, its indexes touched once.
func (t *tx) MoveQuotes(ctx context.Context, kind, from, into, mergeID string) (int64, error) {
	seqs, err := t.repoint(ctx, kind, into, mergeColumn(kind)+` = $1`, from)
	if err != nil {
		return 0, err
	}
	if kind == "outlet" {
		// Appearances printed by the merged outlet were printed by the survivor.
		if _, err := t.exec(ctx, "move appearances", `WITH moved AS (
			UPDATE appearances SET outlet_id = $1 WHERE outlet_id = $2 RETURNING seq)
			INSERT INTO merge_appearance_moves (merge_id, appearance_seq) SELECT $3, seq FROM moved`, into, from, mergeID); err != nil {
			return 0, err
		}
	}
	if _, err := t.exec(ctx, "record moved quotes", `INSERT INTO merge_moves (merge_id, quote_seq)
		SELECT $1, unnest($2::bigint[])`, mergeID, seqs); err != nil {
		return 0, err
	}
	if _, err := t.exec(ctx, "count moved quotes", `UPDATE merges SET moved = $1 WHERE id = $2`, len(seqs), mergeID); err != nil {
		return 0, err
	}
	return int64(len(seqs)), nil
}

// repoint sets the speaker or outlet (kind) of the quotes where selects to to, and for a
// speaker their search vectors under its names; it returns their seqs.
func (t *tx) repoint(ctx context.Context, kind, to, where string, args ...any) ([]int64, error) {
	col := mergeColumn(kind)
	scanSeq := func(r pgx.Row) (int64, error) {
		var seq int64
		return seq, r.Scan(&seq)
	}
	if kind != "speaker" { // outlets are not searched by name
		return collect(ctx, t.q, "move quotes", scanSeq, `UPDATE quotes SET `+col+` = $`+fmt.Sprint(len(args)+1)+
			` WHERE `+where+` RETURNING seq`, append(args, to)...)
	}
	s, err := t.Speaker(ctx, to, false)
	if err != nil {
		return nil, err
	}
	seqs, vecs, err := t.vectors(ctx, append([]string{s.Name}, s.Aliases...), where, args...)
	if err != nil || len(seqs) == 0 {
		return seqs, err
	}
	_, err = t.exec(ctx, "move quotes", `UPDATE quotes q SET speaker_id = $1, search = v.vec
		FROM unnest($2::bigint[], $3::tsvector[]) AS v(seq, vec) WHERE q.seq = v.seq`, to, seqs, vecs)
	return seqs, err
}

func (t *tx) UndoMerge(ctx context.Context, m *db.Merge) (int64, error) {
	seqs, err := t.repoint(ctx, m.Kind, m.From, mergeColumn(m.Kind)+` = $1
		AND seq IN (SELECT quote_seq FROM merge_moves WHERE merge_id = $2)`, m.Into, m.ID)
	if err != nil {
		return 0, err
	}
	if m.Kind == "outlet" {
		if _, err := t.exec(ctx, "move appearances back", `UPDATE appearances SET outlet_id = $1 WHERE outlet_id = $2
			AND seq IN (SELECT appearance_seq FROM merge_appearance_moves WHERE merge_id = $3)`, m.From, m.Into, m.ID); err != nil {
			return 0, err
		}
	}
	if _, err := t.exec(ctx, "drop redirect", `DELETE FROM redirects WHERE from_id = $1`, m.From); err != nil {
		return 0, err
	}
	if len(m.Repointed) > 0 {
		if _, err := t.exec(ctx, "point redirects back", `UPDATE redirects SET to_id = $1 WHERE from_id = ANY($2)`,
			m.From, m.Repointed); err != nil {
			return 0, err
		}
	}
	_, err = t.exec(ctx, "mark merge undone", `UPDATE merges SET undone_by = $1, undone_at = $2 WHERE id = $3`,
		m.UndoneBy, m.UndoneAt, m.ID)
	return int64(len(seqs)), err
}

func (t *tx) CountQuotesOf(ctx context.Context, kind, id string) (int64, error) {
	var n int64
	err := t.q.QueryRow(ctx, `SELECT count(*) FROM quotes WHERE `+mergeColumn(kind)+` = $1`, id).Scan(&n)
	return n, err
}

func (t *tx) CountClaimedBy(ctx context.Context, kind, id string, now time.Time) (int, error) {
	var n int
	err := t.q.QueryRow(ctx, `SELECT count(*) FROM quote_claims c JOIN quotes q ON q.seq = c.quote_seq
		WHERE q.`+mergeColumn(kind)+` = $1 AND c.expires_at > $2`, id, now).Scan(&n)
	return n, err
}

func (t *tx) Dismiss(ctx context.Context, kind, a, b, by string, at time.Time) error {
	_, err := t.exec(ctx, "dismiss duplicate", `INSERT INTO duplicate_dismissals (kind, a_id, b_id, dismissed_by, dismissed_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, kind, a, b, by, at)
	return err
}

func (t *tx) Dismissed(ctx context.Context, kind string) (map[string]bool, error) {
	pairs, err := collect(ctx, t.q, "read dismissals", func(r pgx.Row) (string, error) {
		var a, b string
		err := r.Scan(&a, &b)
		return a + " " + b, err
	}, `SELECT a_id, b_id FROM duplicate_dismissals WHERE kind = $1`, kind)
	out := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		out[p] = true
	}
	return out, err
}

func (t *tx) Names(ctx context.Context, kind string) ([]*db.Named, error) {
	query := `SELECT s.id, s.name, NULL::text, array_agg(n.name_key ORDER BY n.ord)
		FROM speakers s JOIN speaker_names n ON n.speaker_id = s.id GROUP BY s.id ORDER BY s.id`
	if kind == "outlet" {
		query = `SELECT o.id, o.name, o.url, array_agg(n.name_key ORDER BY n.ord)
			FROM outlets o JOIN outlet_names n ON n.outlet_id = o.id GROUP BY o.id ORDER BY o.id`
	}
	return collect(ctx, t.q, "read names", func(r pgx.Row) (*db.Named, error) {
		var n db.Named
		return &n, r.Scan(&n.ID, &n.Name, &n.URL, &n.Keys)
	}, query)
}
