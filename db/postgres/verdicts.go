package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

// verdictColumns reads a verdict with its citation IDs in order, and its quote's key.
const verdictColumns = `v.seq, v.id, q.id, v.attribution, v.rating, v.summary, v.reviewed_by, v.supersedes, v.created_at,
	v.quote_seq, coalesce((SELECT array_agg(vc.citation_id ORDER BY vc.ord) FROM verdict_citations vc WHERE vc.verdict_seq = v.seq), '{}')`

const verdictFrom = ` FROM verdicts v JOIN quotes q ON q.seq = v.quote_seq`

type verdictRow struct {
	*db.Verdict
	quoteSeq int64
}

func scanVerdict(row pgx.Row) (verdictRow, error) {
	var v db.Verdict
	var quoteSeq int64
	if err := row.Scan(&v.Seq, &v.ID, &v.QuoteID, &v.Attribution, &v.Rating, &v.Summary, &v.ReviewedBy, &v.Supersedes,
		&v.CreatedAt, &quoteSeq, &v.CitationIDs); err != nil {
		return verdictRow{}, err
	}
	v.CreatedAt = utc(v.CreatedAt)
	if v.CitationIDs == nil {
		v.CitationIDs = []string{}
	}
	return verdictRow{&v, quoteSeq}, nil
}

func (t *tx) verdicts(ctx context.Context, where string, args ...any) ([]verdictRow, error) {
	return collect(ctx, t.q, "read verdicts", scanVerdict, `SELECT `+verdictColumns+verdictFrom+` WHERE `+where, args...)
}

func (t *tx) VerdictsBySeq(ctx context.Context, seqs []int64) (map[int64]*db.Verdict, error) {
	out := map[int64]*db.Verdict{}
	if len(seqs) == 0 {
		return out, nil
	}
	rows, err := t.verdicts(ctx, `v.seq = ANY($1)`, seqs)
	for _, v := range rows {
		out[v.Seq] = v.Verdict
	}
	return out, err
}

func (t *tx) InsertVerdict(ctx context.Context, quoteSeq int64, v *db.Verdict) (int64, error) {
	var seq int64
	err := t.q.QueryRow(ctx, `INSERT INTO verdicts (id, quote_seq, attribution, rating, summary, reviewed_by, supersedes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
		v.ID, quoteSeq, v.Attribution, v.Rating, v.Summary, v.ReviewedBy, v.Supersedes, v.CreatedAt).Scan(&seq)
	if err != nil {
		return 0, one("insert verdict", err)
	}
	if len(v.CitationIDs) > 0 {
		if _, err := t.exec(ctx, "insert verdict citations", `INSERT INTO verdict_citations (verdict_seq, ord, citation_id)
			SELECT $1, c.ord - 1, c.id FROM unnest($2::text[]) WITH ORDINALITY AS c(id, ord)`, seq, v.CitationIDs); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

func (t *tx) SetVerdict(ctx context.Context, quoteSeq, verdictSeq int64, attribution string, rating *string, from, to int64, at time.Time) error {
	tag, err := t.exec(ctx, "set verdict", `UPDATE quotes SET attribution = $1, rating = $2, verdict_seq = $3, version = $4,
		updated_at = $5 WHERE seq = $6 AND version = $7`, attribution, rating, verdictSeq, to, at, quoteSeq, from)
	if err != nil {
		return err
	}
	return conditional(tag)
}

func (t *tx) Verdict(ctx context.Context, quoteSeq int64, id string) (*db.Verdict, error) {
	rows, err := t.verdicts(ctx, `v.id = $1 AND v.quote_seq = $2`, id, quoteSeq)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0].Verdict, nil
}

func (t *tx) ListVerdicts(ctx context.Context, quoteSeq, before int64, limit int) ([]*db.Verdict, error) {
	if before == 0 {
		before = 1<<63 - 1
	}
	rows, err := t.verdicts(ctx, `v.quote_seq = $1 AND v.seq < $2 ORDER BY v.seq DESC LIMIT $3`, quoteSeq, before, limit)
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
	rows, err := t.verdicts(ctx, `v.quote_seq = ANY($1) ORDER BY v.seq`, quoteSeqs)
	for _, v := range rows {
		out[v.quoteSeq] = append(out[v.quoteSeq], v.Verdict)
	}
	return out, err
}

func (t *tx) VerdictsResting(ctx context.Context, citationID string) ([]string, error) {
	return collect(ctx, t.q, "verdicts citing", func(r pgx.Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT v.id FROM verdict_citations vc JOIN verdicts v ON v.seq = vc.verdict_seq WHERE vc.citation_id = $1 ORDER BY v.seq`,
		citationID)
}
