package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/db"
)

const citationColumns = `c.seq, c.id, q.id, c.url, c.title, c.publisher, c.published_at, c.accessed_at,
	c.archive_url, c.excerpt, c.relation, c.created_by, c.version, c.created_at, c.updated_at, c.quote_seq` + sourceColumns

const citationFrom = ` FROM citations c JOIN quotes q ON q.seq = c.quote_seq` + sourceFrom

type citationRow struct {
	*db.Citation
	quoteSeq int64
}

func scanCitation(row pgx.Row) (citationRow, error) {
	var c db.Citation
	var quoteSeq int64
	var published, accessed pgtype.Date
	var src sourceScan
	if err := row.Scan(append([]any{&c.Seq, &c.ID, &c.QuoteID, &c.URL, &c.Title, &c.Publisher, &published, &accessed,
		&c.ArchiveURL, &c.Excerpt, &c.Relation, &c.CreatedBy, &c.Version, &c.CreatedAt, &c.UpdatedAt, &quoteSeq},
		src.dest()...)...); err != nil {
		return citationRow{}, err
	}
	c.Source = src.source()
	c.PublishedAt, c.AccessedAt = date(published), date(accessed)
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return citationRow{&c, quoteSeq}, nil
}

func (t *tx) citations(ctx context.Context, where string, args ...any) ([]*db.Citation, error) {
	rows, err := collect(ctx, t.q, "read citations", scanCitation, `SELECT `+citationColumns+citationFrom+` WHERE `+where, args...)
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
	rows, err := collect(ctx, t.q, "check citations", func(r pgx.Row) (rel, error) {
		var x rel
		return x, r.Scan(&x.id, &x.relation)
	}, `SELECT id, relation FROM citations WHERE quote_seq = $1 AND id = ANY($2)`, quoteSeq, ids)
	for _, r := range rows {
		out[r.id] = r.relation
	}
	return out, err
}

func (t *tx) InsertCitation(ctx context.Context, quoteSeq int64, c *db.Citation) error {
	err := t.q.QueryRow(ctx, `INSERT INTO citations (id, quote_seq, url, url_key, title, publisher, published_at,
		accessed_at, archive_url, excerpt, relation, created_by, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING seq`,
		c.ID, quoteSeq, c.URL, db.URLKey(c.URL), c.Title, c.Publisher, dateArg(c.PublishedAt), dateArg(c.AccessedAt),
		c.ArchiveURL, c.Excerpt, c.Relation, c.CreatedBy, c.Version, c.CreatedAt, c.UpdatedAt).Scan(&c.Seq)
	if err != nil {
		return fmt.Errorf("postgres: insert citation: %w", classify(err))
	}
	return nil
}

func (t *tx) Citation(ctx context.Context, quoteSeq int64, id string, lock bool) (*db.Citation, error) {
	where := `c.id = $1 AND c.quote_seq = $2`
	if lock {
		where += ` FOR UPDATE OF c`
	}
	rows, err := t.citations(ctx, where, id, quoteSeq)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, db.ErrNoRow
	}
	return rows[0], nil
}

func (t *tx) UpdateCitation(ctx context.Context, cur, next *db.Citation) error {
	tag, err := t.exec(ctx, "update citation", `UPDATE citations SET url = $1, url_key = $2, title = $3, publisher = $4,
		published_at = $5, accessed_at = $6, archive_url = $7, excerpt = $8, relation = $9, version = $10, updated_at = $11
		WHERE seq = $12 AND version = $13`,
		next.URL, db.URLKey(next.URL), next.Title, next.Publisher, dateArg(next.PublishedAt), dateArg(next.AccessedAt),
		next.ArchiveURL, next.Excerpt, next.Relation, next.Version, next.UpdatedAt, cur.Seq, cur.Version)
	if err != nil {
		return err
	}
	return conditional(tag)
}

func (t *tx) DeleteCitation(ctx context.Context, c *db.Citation) error {
	_, err := t.exec(ctx, "delete citation", `DELETE FROM citations WHERE seq = $1`, c.Seq)
	return err
}

func (t *tx) ListCitations(ctx context.Context, quoteSeq, after int64, limit int) ([]*db.Citation, error) {
	return t.citations(ctx, `c.quote_seq = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3`, quoteSeq, after, limit)
}

func (t *tx) CitationsOf(ctx context.Context, quoteSeqs []int64) (map[int64][]*db.Citation, error) {
	out := map[int64][]*db.Citation{}
	if len(quoteSeqs) == 0 {
		return out, nil
	}
	rows, err := collect(ctx, t.q, "read citations", scanCitation, `SELECT `+citationColumns+citationFrom+
		` WHERE c.quote_seq = ANY($1) ORDER BY c.seq`, quoteSeqs)
	for _, c := range rows {
		out[c.quoteSeq] = append(out[c.quoteSeq], c.Citation)
	}
	return out, err
}
