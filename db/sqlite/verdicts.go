package sqlite

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

const verdictColumns = `v.seq, v.id, q.id, v.attribution, v.rating, v.summary, v.reviewed_by, v.supersedes, v.created_at, v.quote_seq`

const verdictFrom = ` FROM verdicts v JOIN quotes q ON q.seq = v.quote_seq`

// verdictRow is a verdict with its quote's key.
type verdictRow struct {
	*db.Verdict
	quoteSeq int64
}

func scanVerdict(row scanner) (verdictRow, error) {
	var v db.Verdict
	var quoteSeq int64
	var created string
	if err := row.Scan(&v.Seq, &v.ID, &v.QuoteID, &v.Attribution, &v.Rating, &v.Summary, &v.ReviewedBy, &v.Supersedes,
		&created, &quoteSeq); err != nil {
		return verdictRow{}, err
	}
	v.CreatedAt = parseTime(created)
	v.CitationIDs = []string{}
	return verdictRow{&v, quoteSeq}, nil
}

// verdicts reads verdicts with their citation IDs.
func (t *tx) verdicts(ctx context.Context, query string, args ...any) ([]verdictRow, error) {
	rows, err := collect(ctx, t.q, "read verdicts", scanVerdict, `SELECT `+verdictColumns+verdictFrom+` WHERE `+query, args...)
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	bySeq := make(map[int64]*db.Verdict, len(rows))
	for _, v := range rows {
		bySeq[v.Seq] = v.Verdict
	}
	type cite struct {
		seq int64
		id  string
	}
	cites, err := collect(ctx, t.q, "read verdict citations", func(r scanner) (cite, error) {
		var c cite
		return c, r.Scan(&c.seq, &c.id)
	}, `SELECT verdict_seq, citation_id FROM verdict_citations WHERE verdict_seq IN (`+placeholders(len(bySeq))+`)
		ORDER BY verdict_seq, ord`, anys(mapKeys(bySeq))...)
	if err != nil {
		return nil, err
	}
	for _, c := range cites {
		bySeq[c.seq].CitationIDs = append(bySeq[c.seq].CitationIDs, c.id)
	}
	return rows, nil
}

func (t *tx) VerdictsBySeq(ctx context.Context, seqs []int64) (map[int64]*db.Verdict, error) {
	out := map[int64]*db.Verdict{}
	if len(seqs) == 0 {
		return out, nil
	}
	rows, err := t.verdicts(ctx, `v.seq IN (`+placeholders(len(seqs))+`)`, anys(seqs)...)
	for _, v := range rows {
		out[v.Seq] = v.Verdict
	}
	return out, err
}

func (t *tx) InsertVerdict(ctx context.Context, quoteSeq int64, v *db.Verdict) (int64, error) {
	res, err := t.exec(ctx, "insert verdict", `INSERT INTO verdicts (id, quote_seq, attribution, rating, summary, reviewed_by,
		supersedes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, quoteSeq, v.Attribution, v.Rating, v.Summary, v.ReviewedBy, v.Supersedes, ts(v.CreatedAt))
	if err != nil {
		return 0, err
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for i, cid := range v.CitationIDs {
		if _, err := t.exec(ctx, "insert verdict citation", `INSERT INTO verdict_citations (verdict_seq, ord, citation_id)
			VALUES (?, ?, ?)`, seq, i, cid); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

func (t *tx) SetVerdict(ctx context.Context, quoteSeq, verdictSeq int64, attribution string, rating *string, from, to int64, at time.Time) error {
	res, err := t.exec(ctx, "set verdict", `UPDATE quotes SET attribution = ?, rating = ?, verdict_seq = ?, version = ?,
		updated_at = ? WHERE seq = ? AND version = ?`, attribution, rating, verdictSeq, to, ts(at), quoteSeq, from)
	if err != nil {
		return err
	}
	return affected("set verdict", res)
}

func (t *tx) Verdict(ctx context.Context, quoteSeq int64, id string) (*db.Verdict, error) {
	rows, err := t.verdicts(ctx, `v.id = ? AND v.quote_seq = ?`, id, quoteSeq)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0].Verdict, nil
}

func (t *tx) ListVerdicts(ctx context.Context, quoteSeq, before int64, limit int) ([]*db.Verdict, error) {
	query, args := `v.quote_seq = ?`, []any{quoteSeq}
	if before > 0 {
		query, args = query+` AND v.seq < ?`, append(args, before)
	}
	rows, err := t.verdicts(ctx, query+` ORDER BY v.seq DESC LIMIT ?`, append(args, limit)...)
	out := make([]*db.Verdict, len(rows))
	for i, v := range rows {
		out[i] = v.Verdict
	}
	return out, err
}

func (t *tx) VerdictHistories(ctx context.Context, quoteSeqs []int64) (map[int64][]*db.Verdict, error) {
	out := map[int64][]*db.Verdict{}
	if len(quoteSeqs) == 0 {
		return out, nil
	}
	rows, err := t.verdicts(ctx, `v.quote_seq IN (`+placeholders(len(quoteSeqs))+`) ORDER BY v.seq`, anys(quoteSeqs)...)
	for _, v := range rows {
		out[v.quoteSeq] = append(out[v.quoteSeq], v.Verdict)
	}
	return out, err
}

func (t *tx) VerdictsResting(ctx context.Context, citationID string) ([]string, error) {
	return collect(ctx, t.q, "verdicts citing", func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT v.id FROM verdict_citations vc JOIN verdicts v ON v.seq = vc.verdict_seq WHERE vc.citation_id = ? ORDER BY v.seq`,
		citationID)
}
