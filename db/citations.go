package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/verbatimhq/verbatim/fold"
)

const citationColumns = `c.seq, c.id, q.id, q.text, c.url, c.title, c.publisher, c.published_at, c.accessed_at,
	c.archive_url, c.excerpt, c.relation, c.created_by, c.version, c.created_at, c.updated_at`

const citationFrom = ` FROM citations c JOIN quotes q ON q.seq = c.quote_seq`

func scanCitation(row scanner) (*Citation, int64, error) {
	var c Citation
	var seq int64
	var quoteText, created, updated string
	if err := row.Scan(&seq, &c.ID, &c.QuoteID, &quoteText, &c.URL, &c.Title, &c.Publisher, &c.PublishedAt, &c.AccessedAt,
		&c.ArchiveURL, &c.Excerpt, &c.Relation, &c.CreatedBy, &c.Version, &created, &updated); err != nil {
		return nil, 0, err
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	if c.Excerpt != nil {
		m := ExcerptMatches(quoteText, *c.Excerpt)
		c.ExcerptMatches = &m
	}
	return &c, seq, nil
}

// ExcerptMatches reports whether the quote's words stand in the excerpt, ignoring the
// differences typesetting makes: curly or straight quotes and apostrophes, dashes, case
// and white space. Computed on read, it stays true to the quote's current text.
func ExcerptMatches(quote, excerpt string) bool {
	q := strings.Trim(fold.String(quote), ` "'.,;:!?`)
	return q != "" && strings.Contains(fold.String(excerpt), q)
}

// urlKey normalises a URL for duplicate detection: scheme and host lowercased, default
// ports and fragments dropped, an empty path made "/".
func urlKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// checkDay validates an optional YYYY-MM-DD field.
func checkDay(v *string, field string) error {
	if v == nil {
		return nil
	}
	if date, prec, err := NormalizeDate(*v, nil); err != nil || prec != "day" || date != *v {
		return errorf(Malformed, field, fmt.Sprintf("%q is not a date: use YYYY-MM-DD", *v))
	}
	return nil
}

// quoteSeq returns the internal key of the quote with the given ID, or NotFound.
func quoteSeq(ctx context.Context, q querier, id string) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT seq FROM quotes WHERE id = ?`, id).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errorf(NotFound, "", "no quote with this ID")
	}
	if err != nil {
		return 0, fmt.Errorf("db: find quote: %w", err)
	}
	return seq, nil
}

func citationWriteError(err error) error {
	if isUnique(err) {
		return errorf(Conflict, "url", "this quote already cites this URL")
	}
	return fmt.Errorf("db: write citation: %w", classify(err))
}

// CreateCitation adds a citation to a quote. NotFound (quote), Malformed (dates),
// Conflict (the quote already cites the URL).
func (d *DB) CreateCitation(ctx context.Context, quoteID string, in CitationInput) (*Citation, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	var id string
	err := d.write(ctx, func(tx *sql.Tx) error {
		seq, err := quoteSeq(ctx, tx, quoteID)
		if err != nil {
			return err
		}
		id, err = d.insertCitation(ctx, tx, quoteID, seq, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Citation(ctx, quoteID, id)
}

// insertCitation writes a citation of the quote quoteID (whose key is seq) and audits it.
func (d *DB) insertCitation(ctx context.Context, tx *sql.Tx, quoteID string, seq int64, in CitationInput) (string, error) {
	if err := validateInput(&in); err != nil {
		return "", err
	}
	if err := errors.Join(checkDay(in.PublishedAt, "published_at"), checkDay(in.AccessedAt, "accessed_at")); err != nil {
		return "", firstError(err)
	}
	now := d.now()
	id := newID("cit_", now)
	ts := now.Format(timeFormat)
	actor := actorOf(ctx).Name
	_, err := tx.ExecContext(ctx, `INSERT INTO citations (id, quote_seq, url, url_key, title, publisher, published_at,
		accessed_at, archive_url, excerpt, relation, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, seq, in.URL, urlKey(in.URL), in.Title, in.Publisher, in.PublishedAt, in.AccessedAt, in.ArchiveURL, in.Excerpt,
		in.Relation, actor, ts, ts)
	if err != nil {
		return "", citationWriteError(err)
	}
	after := &Citation{ID: id, QuoteID: quoteID, URL: in.URL, Title: in.Title, Publisher: in.Publisher,
		PublishedAt: in.PublishedAt, AccessedAt: in.AccessedAt, ArchiveURL: in.ArchiveURL, Excerpt: in.Excerpt,
		Relation: in.Relation, CreatedBy: actor}
	return id, d.audit(ctx, tx, "create", "citation", id, quoteID, nil, after)
}

// firstError unwraps errors.Join to its first error, so a *Error stays one.
func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()[0]
	}
	return err
}

func findCitation(ctx context.Context, q querier, quoteID, id string) (*Citation, int64, error) {
	c, seq, err := scanCitation(q.QueryRowContext(ctx, `SELECT `+citationColumns+citationFrom+` WHERE c.id = ? AND q.id = ?`, id, quoteID))
	if errors.Is(err, sql.ErrNoRows) {
		if _, qerr := quoteSeq(ctx, q, quoteID); qerr != nil {
			return nil, 0, qerr
		}
		return nil, 0, errorf(NotFound, "", "this quote has no citation with this ID")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("db: read citation: %w", err)
	}
	return c, seq, nil
}

// Citation returns one citation of a quote. NotFound.
func (d *DB) Citation(ctx context.Context, quoteID, id string) (*Citation, error) {
	c, _, err := findCitation(ctx, d.reader, quoteID, id)
	return c, err
}

// verdictsResting lists the verdicts that rest on a citation.
func verdictsResting(ctx context.Context, tx *sql.Tx, citationID string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT v.id FROM verdict_citations vc JOIN verdicts v ON v.seq = vc.verdict_seq
		WHERE vc.citation_id = ? ORDER BY v.seq`, citationID)
	if err != nil {
		return nil, fmt.Errorf("db: verdicts citing: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("db: verdicts citing: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// UpdateCitation applies patch to a citation. NotFound, PreconditionFailed, Malformed,
// Conflict (URL cited twice, or url/relation of a citation a verdict rests on).
func (d *DB) UpdateCitation(ctx context.Context, quoteID, id string, ifMatch []int64, p CitationPatch) (*Citation, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if err := validateInput(&p); err != nil {
		return nil, err
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		cur, seq, err := findCitation(ctx, tx, quoteID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		next := *cur
		if p.URL.Set {
			next.URL = p.URL.Value
		}
		if p.Relation.Set {
			next.Relation = p.Relation.Value
		}
		setNullable(&next.Title, p.Title)
		setNullable(&next.Publisher, p.Publisher)
		setNullable(&next.PublishedAt, p.PublishedAt)
		setNullable(&next.AccessedAt, p.AccessedAt)
		setNullable(&next.ArchiveURL, p.ArchiveURL)
		setNullable(&next.Excerpt, p.Excerpt)
		if err := errors.Join(checkDay(next.PublishedAt, "published_at"), checkDay(next.AccessedAt, "accessed_at")); err != nil {
			return firstError(err)
		}
		if next.URL != cur.URL || next.Relation != cur.Relation {
			resting, err := verdictsResting(ctx, tx, id)
			if err != nil {
				return err
			}
			if len(resting) > 0 {
				return errorf(Conflict, "url", fmt.Sprintf("verdict %s rests on this citation; its url and relation cannot change", resting[0]))
			}
		}
		if next.URL == cur.URL && next.Relation == cur.Relation && equalPtr(next.Title, cur.Title) &&
			equalPtr(next.Publisher, cur.Publisher) && equalPtr(next.PublishedAt, cur.PublishedAt) &&
			equalPtr(next.AccessedAt, cur.AccessedAt) && equalPtr(next.ArchiveURL, cur.ArchiveURL) && equalPtr(next.Excerpt, cur.Excerpt) {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE citations SET url = ?, url_key = ?, title = ?, publisher = ?, published_at = ?,
			accessed_at = ?, archive_url = ?, excerpt = ?, relation = ?, version = version + 1, updated_at = ? WHERE seq = ?`,
			next.URL, urlKey(next.URL), next.Title, next.Publisher, next.PublishedAt, next.AccessedAt, next.ArchiveURL,
			next.Excerpt, next.Relation, d.timestamp(), seq)
		if err != nil {
			return citationWriteError(err)
		}
		return d.audit(ctx, tx, "update", "citation", id, quoteID, cur, &next)
	})
	if err != nil {
		return nil, err
	}
	return d.Citation(ctx, quoteID, id)
}

// DeleteCitation removes a citation no verdict rests on. NotFound, PreconditionFailed,
// Conflict (naming the verdict).
func (d *DB) DeleteCitation(ctx context.Context, quoteID, id string, ifMatch []int64) error {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		cur, seq, err := findCitation(ctx, tx, quoteID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		resting, err := verdictsResting(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(resting) > 0 {
			return errorf(Conflict, "", fmt.Sprintf("verdict %s rests on this citation; a verdict's sources are kept", strings.Join(resting, ", ")))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM citations WHERE seq = ?`, seq); err != nil {
			return fmt.Errorf("db: delete citation: %w", classify(err))
		}
		return d.audit(ctx, tx, "delete", "citation", id, quoteID, cur, nil)
	})
}

// ListCitations returns a quote's citations, oldest first. NotFound, Malformed (cursor).
func (d *DB) ListCitations(ctx context.Context, quoteID string, limit int, cur *string) (Page[*Citation], error) {
	var page Page[*Citation]
	err := d.read(ctx, func(tx *sql.Tx) error {
		qseq, err := quoteSeq(ctx, tx, quoteID)
		if err != nil {
			return err
		}
		page, err = pageBySeq(ctx, d, tx, "citations", limit, cur, false,
			`SELECT `+citationColumns+citationFrom+` WHERE c.quote_seq = ?`, []any{qseq}, "c.seq", scanCitation)
		return err
	})
	return page, err
}

// pageBySeq pages through rows ordered by an integer key (ascending, or descending when
// desc). The query must not yet have ORDER BY or LIMIT.
func pageBySeq[T any](ctx context.Context, d *DB, tx *sql.Tx, sortName string, limit int, cur *string, desc bool,
	query string, args []any, seqColumn string, scan func(scanner) (T, int64, error),
) (Page[T], error) {
	limit = clampLimit(limit)
	c, err := d.decodeCursor(cur, sortName)
	if err != nil {
		return Page[T]{}, err
	}
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	if c != nil {
		query += fmt.Sprintf(` AND %s %s ?`, seqColumn, cmp)
		args = append(args, c.Seq)
	}
	query += fmt.Sprintf(` ORDER BY %s %s LIMIT ?`, seqColumn, dir)
	args = append(args, limit+1)
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return Page[T]{}, fmt.Errorf("db: list %s: %w", sortName, err)
	}
	defer rows.Close()
	page := Page[T]{Data: []T{}}
	var last int64
	for rows.Next() {
		v, seq, err := scan(rows)
		if err != nil {
			return Page[T]{}, fmt.Errorf("db: list %s: %w", sortName, err)
		}
		if len(page.Data) == limit {
			page.NextCursor = d.encodeCursor(cursor{Sort: sortName, Seq: last})
			break
		}
		page.Data = append(page.Data, v)
		last = seq
	}
	return page, rows.Err()
}
