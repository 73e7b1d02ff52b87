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

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
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

func (t *tx) ListReviewed(ctx context.Context, since *time.Time, after int64, limit int) ([]*db.Quote, error) {
	query := `SELECT ` + quoteColumns + quoteFrom + ` JOIN verdicts cv ON cv.seq = q.verdict_seq WHERE q.verdict_seq > ?`
	args := []any{after}
	if since != nil {
		query += ` AND cv.created_at >= ?`
		args = append(args, ts(*since))
	}
	return collect(ctx, t.q, "list reviews", scanQuote, query+` ORDER BY q.verdict_seq LIMIT ?`, append(args, limit)...)
}

const citationColumns = `c.seq, c.id, q.id, c.url, c.title, c.publisher, c.published_at, c.accessed_at,
	c.archive_url, c.excerpt, c.relation, c.created_by, c.version, c.created_at, c.updated_at, c.quote_seq` + sourceColumns

const citationFrom = ` FROM citations c JOIN quotes q ON q.seq = c.quote_seq` + sourceFrom

type citationRow struct {
	*db.Citation
	quoteSeq int64
}

func scanCitation(row scanner) (citationRow, error) {
	var c db.Citation
	var quoteSeq int64
	var created, updated string
	var src sourceScan
	if err := row.Scan(append([]any{&c.Seq, &c.ID, &c.QuoteID, &c.URL, &c.Title, &c.Publisher, &c.PublishedAt, &c.AccessedAt,
		&c.ArchiveURL, &c.Excerpt, &c.Relation, &c.CreatedBy, &c.Version, &created, &updated, &quoteSeq}, src.dest()...)...); err != nil {
		return citationRow{}, err
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	c.Source = src.source()
	return citationRow{&c, quoteSeq}, nil
}

func (t *tx) citations(ctx context.Context, query string, args ...any) ([]*db.Citation, error) {
	rows, err := collect(ctx, t.q, "read citations", scanCitation, `SELECT `+citationColumns+citationFrom+` WHERE `+query, args...)
	out := make([]*db.Citation, len(rows))
	for i, c := range rows {
		out[i] = c.Citation
	}
	return out, err
}

func (t *tx) CitationRelations(ctx context.Context, quoteSeq int64, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	type rel struct{ id, relation string }
	rows, err := collect(ctx, t.q, "check citations", func(r scanner) (rel, error) {
		var x rel
		return x, r.Scan(&x.id, &x.relation)
	}, `SELECT id, relation FROM citations WHERE quote_seq = ? AND id IN (`+placeholders(len(ids))+`)`,
		append([]any{quoteSeq}, anys(ids)...)...)
	for _, r := range rows {
		out[r.id] = r.relation
	}
	return out, err
}

func (t *tx) InsertCitation(ctx context.Context, quoteSeq int64, c *db.Citation) error {
	res, err := t.exec(ctx, "insert citation", `INSERT INTO citations (id, quote_seq, url, url_key, title, publisher, published_at,
		accessed_at, archive_url, excerpt, relation, created_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, quoteSeq, c.URL, db.URLKey(c.URL), c.Title, c.Publisher, c.PublishedAt, c.AccessedAt, c.ArchiveURL, c.Excerpt,
		c.Relation, c.CreatedBy, c.Version, ts(c.CreatedAt), ts(c.UpdatedAt))
	if err != nil {
		return err
	}
	c.Seq, err = res.LastInsertId()
	return err
}

func (t *tx) Citation(ctx context.Context, quoteSeq int64, id string, _ bool) (*db.Citation, error) {
	rows, err := t.citations(ctx, `c.id = ? AND c.quote_seq = ?`, id, quoteSeq)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0], nil
}

func (t *tx) UpdateCitation(ctx context.Context, cur, next *db.Citation) error {
	res, err := t.exec(ctx, "update citation", `UPDATE citations SET url = ?, url_key = ?, title = ?, publisher = ?,
		published_at = ?, accessed_at = ?, archive_url = ?, excerpt = ?, relation = ?, version = ?, updated_at = ?
		WHERE seq = ? AND version = ?`,
		next.URL, db.URLKey(next.URL), next.Title, next.Publisher, next.PublishedAt, next.AccessedAt, next.ArchiveURL,
		next.Excerpt, next.Relation, next.Version, ts(next.UpdatedAt), cur.Seq, cur.Version)
	if err != nil {
		return err
	}
	return affected("update citation", res)
}

func (t *tx) DeleteCitation(ctx context.Context, c *db.Citation) error {
	_, err := t.exec(ctx, "delete citation", `DELETE FROM citations WHERE seq = ?`, c.Seq)
	return err
}

func (t *tx) ListCitations(ctx context.Context, quoteSeq, after int64, limit int) ([]*db.Citation, error) {
	return t.citations(ctx, `c.quote_seq = ? AND c.seq > ? ORDER BY c.seq LIMIT ?`, quoteSeq, after, limit)
}

func (t *tx) CitationsOf(ctx context.Context, quoteSeqs []int64) (map[int64][]*db.Citation, error) {
	out := map[int64][]*db.Citation{}
	if len(quoteSeqs) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read citations", scanCitation, `SELECT `+citationColumns+citationFrom+
		` WHERE c.quote_seq IN (`+placeholders(len(quoteSeqs))+`) ORDER BY c.seq`, anys(quoteSeqs)...)
	for _, c := range rows {
		out[c.quoteSeq] = append(out[c.quoteSeq], c.Citation)
	}
	return out, err
}
