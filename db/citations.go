package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/verbatimhq/verbatim/fold"
)

// ExcerptMatches reports whether the quote's words stand in the excerpt, ignoring the
// differences typesetting makes: curly or straight quotes and apostrophes, dashes, case
// and white space. Computed on read, it stays true to the quote's current text.
func ExcerptMatches(quote, excerpt string) bool {
	q := fold.Quote(quote)
	return q != "" && strings.Contains(fold.String(excerpt), q)
}

// Locate finds a quote's words in a page's text as ExcerptMatches finds them in an
// excerpt, and says where: the character (not byte) offset of the first occurrence in
// text, and the words around it as written, about span characters each side.
func Locate(quote, text string, span int) (found bool, at int, context string) {
	q := fold.Quote(quote)
	if q == "" {
		return false, 0, ""
	}
	folded, offsets := fold.Map(text)
	i := strings.Index(folded, q)
	if i < 0 {
		return false, 0, ""
	}
	start, end := offsets[i], len(text)
	if j := i + len(q); j < len(offsets) {
		end = offsets[j]
	}
	return true, utf8.RuneCountInString(text[:start]), around(text, start, end, span)
}

// around is text[start:end] with about span characters each side, cut at spaces and
// marked with an ellipsis where it is cut.
func around(text string, start, end, span int) string {
	from := start
	for n := 0; from > 0 && n < span; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:from])
		from -= size
	}
	to := end
	for n := 0; to < len(text) && n < span; n++ {
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
	out := text[from:to]
	if from > 0 {
		if k := strings.IndexByte(out, ' '); k >= 0 && k < start-from {
			out = out[k+1:]
		}
		out = "…" + out
	}
	if to < len(text) {
		if k := strings.LastIndexByte(out, ' '); k > len(out)-(to-end) {
			out = out[:k]
		}
		out += "…"
	}
	return strings.Join(strings.Fields(out), " ")
}

// withExcerptCheck sets each citation's excerpt_matches against the quote's text.
func withExcerptCheck(text string, cs ...*Citation) {
	for _, c := range cs {
		c.ExcerptMatches = nil
		if c.Excerpt != nil {
			m := ExcerptMatches(text, *c.Excerpt)
			c.ExcerptMatches = &m
		}
	}
}

// URLKey normalises a URL for duplicate detection: scheme and host lowercased, default
// ports and fragments dropped, an empty path made "/". A quote cites one URL key once.
func URLKey(raw string) string {
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

func citationWriteError(err error) error {
	if errors.Is(err, ErrDuplicate) {
		return errorf(Conflict, "url", "this quote already cites this URL")
	}
	return writeError("citation", err)
}

// CreateCitation adds a citation to a quote. NotFound (quote), Malformed (dates),
// Conflict (the quote already cites the URL).
func (d *DB) CreateCitation(ctx context.Context, quoteID string, in CitationInput) (*Citation, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	var id string
	err := d.write(ctx, func(tx Tx) error {
		// Every write concerning a quote locks it first, so that a citation and a verdict
		// resting on it, or a delete, cannot pass each other.
		q, err := findQuote(ctx, tx, quoteID, true)
		if err != nil {
			return err
		}
		id, err = d.insertCitation(ctx, tx, q, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Citation(ctx, quoteID, id)
}

// insertCitation writes a citation of the quote and audits it.
func (d *DB) insertCitation(ctx context.Context, tx Tx, q *Quote, in CitationInput) (string, error) {
	if err := validateInput(&in); err != nil {
		return "", err
	}
	if err := errors.Join(checkDay(in.PublishedAt, "published_at"), checkDay(in.AccessedAt, "accessed_at")); err != nil {
		return "", firstError(err)
	}
	now := d.now()
	c := &Citation{ID: newID("cit_", now), QuoteID: q.ID, URL: in.URL, Title: in.Title, Publisher: in.Publisher,
		PublishedAt: in.PublishedAt, AccessedAt: in.AccessedAt, ArchiveURL: in.ArchiveURL, Excerpt: in.Excerpt,
		Relation: in.Relation, CreatedBy: actorOf(ctx).Name, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.InsertCitation(ctx, q.Seq, c); err != nil {
		return "", citationWriteError(err)
	}
	if in.Fetch {
		if err := d.requestFetch(ctx, tx, c); err != nil {
			return "", err
		}
	}
	return c.ID, d.record(ctx, tx, newChange("create", "citation", c.ID, q.ID, nil, c))
}

// firstError unwraps errors.Join to its first error, so a *Error stays one.
func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()[0]
	}
	return err
}

// findCitation reads a citation of the quote q. NotFound.
func findCitation(ctx context.Context, tx Tx, q *Quote, id string, lock bool) (*Citation, error) {
	c, err := tx.Citation(ctx, q.Seq, id, lock)
	if errors.Is(err, ErrNoRow) {
		return nil, errorf(NotFound, "", "this quote has no citation with this ID")
	}
	if err != nil {
		return nil, fmt.Errorf("db: read citation: %w", err)
	}
	withExcerptCheck(q.Text, c)
	return c, nil
}

// Citation returns one citation of a quote. NotFound.
func (d *DB) Citation(ctx context.Context, quoteID, id string) (*Citation, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	var c *Citation
	err := d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		c, err = findCitation(ctx, tx, q, id, false)
		return err
	})
	return c, err
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
	err := d.write(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, true)
		if err != nil {
			return err
		}
		cur, err := findCitation(ctx, tx, q, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		next := *cur
		if err := applyPatch(&next, &p); err != nil {
			return err
		}
		if err := errors.Join(checkDay(next.PublishedAt, "published_at"), checkDay(next.AccessedAt, "accessed_at")); err != nil {
			return firstError(err)
		}
		c := newChange("update", "citation", id, quoteID, cur, &next)
		if c.none() {
			return nil
		}
		resting, err := tx.VerdictsResting(ctx, id)
		if err != nil {
			return fmt.Errorf("db: verdicts citing: %w", err)
		}
		if len(resting) > 0 && c.changed("url", "relation") {
			return errorf(Conflict, "url", fmt.Sprintf("verdict %s rests on this citation; its url and relation cannot change", resting[0]))
		}
		next.Version, next.UpdatedAt = cur.Version+1, d.now()
		if err := tx.UpdateCitation(ctx, cur, &next); err != nil {
			return citationWriteError(err)
		}
		if c.changed("url") && cur.Source != nil {
			// The check was of the page the citation named; it names another now.
			if err := d.requestFetch(ctx, tx, &next); err != nil {
				return err
			}
		}
		if err := d.record(ctx, tx, c); err != nil {
			return err
		}
		// Evidence rewritten under the current verdict takes the quote back to review.
		if q.VerdictSeq != nil && len(resting) > 0 {
			cur, err := tx.VerdictsBySeq(ctx, []int64{*q.VerdictSeq})
			if err != nil {
				return fmt.Errorf("db: read current verdict: %w", err)
			}
			if v := cur[*q.VerdictSeq]; v != nil && slices.Contains(resting, v.ID) {
				return d.resetReview(ctx, tx, q, c)
			}
		}
		return nil
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
	return d.write(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, true)
		if err != nil {
			return err
		}
		cur, err := findCitation(ctx, tx, q, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		resting, err := tx.VerdictsResting(ctx, id)
		if err != nil {
			return fmt.Errorf("db: verdicts citing: %w", err)
		}
		if len(resting) > 0 {
			return errorf(Conflict, "", fmt.Sprintf("verdict %s rests on this citation; a verdict's sources are kept", strings.Join(resting, ", ")))
		}
		if err := tx.DeleteCitation(ctx, cur); err != nil {
			return writeError("citation", err)
		}
		return d.record(ctx, tx, newChange("delete", "citation", id, quoteID, cur, nil))
	})
}

// ListCitations returns a quote's citations, oldest first. NotFound, Malformed (cursor).
func (d *DB) ListCitations(ctx context.Context, quoteID string, limit int, cursor *string) (Page[*Citation], error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return Page[*Citation]{}, err
	}
	limit = clampLimit(limit)
	c, err := d.decodeCursor(cursor, "citations")
	if err != nil {
		return Page[*Citation]{}, err
	}
	var rows []*Citation
	err = d.read(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		if rows, err = tx.ListCitations(ctx, q.Seq, seqAfter(c), limit+1); err != nil {
			return fmt.Errorf("db: list citations: %w", err)
		}
		withExcerptCheck(q.Text, rows...)
		return nil
	})
	if err != nil {
		return Page[*Citation]{}, err
	}
	return page(d, rows, limit, func(c *Citation) Cursor { return Cursor{Sort: "citations", Seq: c.Seq} }), nil
}
