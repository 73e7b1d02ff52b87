package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) Redirects(ctx context.Context, ids []string) (map[string]string, error) {
	return t.lookup(ctx, "read redirects", `SELECT from_id, to_id FROM redirects WHERE from_id`, ids)
}

func (t *tx) InsertMerge(ctx context.Context, m *db.Merge) error {
	repointed, err := collect(ctx, t.q, "read redirects to the merged", func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT from_id FROM redirects WHERE to_id = ? ORDER BY from_id`, m.From)
	if err != nil {
		return err
	}
	m.Repointed = repointed
	if m.Repointed == nil {
		m.Repointed = []string{}
	}
	if _, err := t.exec(ctx, "insert merge", `INSERT INTO merges (id, kind, from_id, into_id, reason, merged, survivor,
		survivor_version, moved, repointed, merged_by, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		m.ID, m.Kind, m.From, m.Into, m.Reason, string(m.Merged), string(m.SurvivorBefore), m.SurvivorVersion,
		mustJSON(m.Repointed), m.MergedBy, ts(m.MergedAt)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "re-point redirects", `UPDATE redirects SET to_id = ? WHERE to_id = ?`, m.Into, m.From); err != nil {
		return err
	}
	_, err = t.exec(ctx, "insert redirect", `INSERT INTO redirects (from_id, to_id, kind, merge_id) VALUES (?, ?, ?, ?)`,
		m.From, m.Into, m.Kind, m.ID)
	return err
}

const mergeColumns = `id, kind, from_id, into_id, reason, merged, survivor, survivor_version, moved, repointed,
	merged_by, merged_at, undone_by, undone_at`

func scanMerge(r scanner) (*db.Merge, error) {
	var m db.Merge
	var merged, survivor, repointed, at string
	var undoneAt *string
	if err := r.Scan(&m.ID, &m.Kind, &m.From, &m.Into, &m.Reason, &merged, &survivor, &m.SurvivorVersion, &m.MovedQuotes,
		&repointed, &m.MergedBy, &at, &m.UndoneBy, &undoneAt); err != nil {
		return nil, err
	}
	m.Merged, m.SurvivorBefore = json.RawMessage(merged), json.RawMessage(survivor)
	m.MergedAt, m.UndoneAt = parseTime(at), optTime(undoneAt)
	if err := json.Unmarshal([]byte(repointed), &m.Repointed); err != nil {
		return nil, err
	}
	return &m, nil
}

func (t *tx) Merge(ctx context.Context, id string, _ bool) (*db.Merge, error) {
	m, err := scanMerge(t.q.QueryRowContext(ctx, `SELECT `+mergeColumns+` FROM merges WHERE id = ?`, id))
	return m, one("read merge", err)
}

func (t *tx) ListMerges(ctx context.Context, id, before string, limit int) ([]*db.Merge, error) {
	where, args := []string{"1=1"}, []any{}
	if id != "" {
		where, args = append(where, `(from_id = ? OR into_id = ?)`), append(args, id, id)
	}
	if before != "" {
		where, args = append(where, `id < ?`), append(args, before)
	}
	return collect(ctx, t.q, "list merges", scanMerge, `SELECT `+mergeColumns+` FROM merges WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
}

// mergeColumn is the column of quotes that names a speaker or an outlet.
func mergeColumn(kind string) string {
	if kind == "outlet" {
		return "outlet_id"
	}
	return "speaker_id"
}

// MoveQuotes needs no re-indexing of its own: the search index's trigger on quotes'
// speaker_id re-reads the speaker's names (and outlets are not searched by name).
func (t *tx) MoveQuotes(ctx context.Context, kind, from, into, mergeID string) (int64, error) {
	col := mergeColumn(kind)
	if _, err := t.exec(ctx, "record moved quotes", `INSERT INTO merge_moves (merge_id, quote_seq)
		SELECT ?, seq FROM quotes WHERE `+col+` = ?`, mergeID, from); err != nil {
		return 0, err
	}
	res, err := t.exec(ctx, "move quotes", `UPDATE quotes SET `+col+` = ? WHERE `+col+` = ?`, into, from)
	if err != nil {
		return 0, err
	}
	if kind == "outlet" {
		// Appearances printed by the merged outlet were printed by the survivor.
		if _, err := t.exec(ctx, "record moved appearances", `INSERT INTO merge_appearance_moves (merge_id, appearance_seq)
			SELECT ?, seq FROM appearances WHERE outlet_id = ?`, mergeID, from); err != nil {
			return 0, err
		}
		if _, err := t.exec(ctx, "move appearances", `UPDATE appearances SET outlet_id = ? WHERE outlet_id = ?`, into, from); err != nil {
			return 0, err
		}
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = t.exec(ctx, "count moved quotes", `UPDATE merges SET moved = ? WHERE id = ?`, n, mergeID)
	return n, err
}

func (t *tx) UndoMerge(ctx context.Context, m *db.Merge) (int64, error) {
	col := mergeColumn(m.Kind)
	res, err := t.exec(ctx, "move quotes back", `UPDATE quotes SET `+col+` = ? WHERE `+col+` = ?
		AND seq IN (SELECT quote_seq FROM merge_moves WHERE merge_id = ?)`, m.From, m.Into, m.ID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if m.Kind == "outlet" {
		if _, err := t.exec(ctx, "move appearances back", `UPDATE appearances SET outlet_id = ? WHERE outlet_id = ?
			AND seq IN (SELECT appearance_seq FROM merge_appearance_moves WHERE merge_id = ?)`, m.From, m.Into, m.ID); err != nil {
			return 0, err
		}
	}
	if _, err := t.exec(ctx, "drop redirect", `DELETE FROM redirects WHERE from_id = ?`, m.From); err != nil {
		return 0, err
	}
	if len(m.Repointed) > 0 {
		if _, err := t.exec(ctx, "point redirects back", `UPDATE redirects SET to_id = ? WHERE from_id IN (`+
			placeholders(len(m.Repointed))+`)`, append([]any{m.From}, anys(m.Repointed)...)...); err != nil {
			return 0, err
		}
	}
	_, err = t.exec(ctx, "mark merge undone", `UPDATE merges SET undone_by = ?, undone_at = ? WHERE id = ?`,
		m.UndoneBy, optTS(m.UndoneAt), m.ID)
	return n, err
}

func (t *tx) CountQuotesOf(ctx context.Context, kind, id string) (int64, error) {
	var n int64
	err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM quotes WHERE `+mergeColumn(kind)+` = ?`, id).Scan(&n)
	return n, err
}

func (t *tx) CountClaimedBy(ctx context.Context, kind, id string, now time.Time) (int, error) {
	var n int
	err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM quote_claims c JOIN quotes q ON q.seq = c.quote_seq
		WHERE q.`+mergeColumn(kind)+` = ? AND c.expires_at > ?`, id, ts(now)).Scan(&n)
	return n, err
}

func (t *tx) Dismiss(ctx context.Context, kind, a, b, by string, at time.Time) error {
	_, err := t.exec(ctx, "dismiss duplicate", `INSERT INTO duplicate_dismissals (kind, a_id, b_id, dismissed_by, dismissed_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, kind, a, b, by, ts(at))
	return err
}

func (t *tx) Dismissed(ctx context.Context, kind string) (map[string]bool, error) {
	pairs, err := collect(ctx, t.q, "read dismissals", func(r scanner) (string, error) {
		var a, b string
		err := r.Scan(&a, &b)
		return a + " " + b, err
	}, `SELECT a_id, b_id FROM duplicate_dismissals WHERE kind = ?`, kind)
	out := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		out[p] = true
	}
	return out, err
}

func (t *tx) Names(ctx context.Context, kind string) ([]*db.Named, error) {
	query := `SELECT s.id, s.name, NULL, n.name_key FROM speakers s JOIN speaker_names n ON n.speaker_id = s.id
		ORDER BY s.id, n.ord`
	if kind == "outlet" {
		query = `SELECT o.id, o.name, o.url, n.name_key FROM outlets o JOIN outlet_names n ON n.outlet_id = o.id
			ORDER BY o.id, n.ord`
	}
	var out []*db.Named
	type row struct {
		id, name string
		url      sql.NullString
		key      string
	}
	rows, err := collect(ctx, t.q, "read names", func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.name, &x.url, &x.key)
	}, query)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.id {
			n := &db.Named{ID: r.id, Name: r.name}
			if r.url.Valid {
				n.URL = &r.url.String
			}
			out = append(out, n)
		}
		last := out[len(out)-1]
		last.Keys = append(last.Keys, r.key)
	}
	return out, nil
}
