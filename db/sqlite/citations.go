package sqlite

import (
	"context"

	"github.com/verbatimhq/verbatim/db"
)

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
