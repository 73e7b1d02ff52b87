package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const verdictColumns = `v.seq, v.id, q.id, v.attribution, v.rating, v.summary, v.reviewed_by, v.supersedes, v.created_at`

const verdictFrom = ` FROM verdicts v JOIN quotes q ON q.seq = v.quote_seq`

func scanVerdict(row scanner) (*Verdict, int64, error) {
	var v Verdict
	var seq int64
	var created string
	if err := row.Scan(&seq, &v.ID, &v.QuoteID, &v.Attribution, &v.Rating, &v.Summary, &v.ReviewedBy, &v.Supersedes, &created); err != nil {
		return nil, 0, err
	}
	v.CreatedAt = parseTime(created)
	v.CitationIDs = []string{}
	return &v, seq, nil
}

// loadVerdictCitations fills in the citation IDs of verdicts (keyed by seq) in one query.
func loadVerdictCitations(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, verdicts map[int64]*Verdict) error {
	if len(verdicts) == 0 {
		return nil
	}
	args := make([]any, 0, len(verdicts))
	for seq := range verdicts {
		args = append(args, seq)
	}
	rows, err := q.QueryContext(ctx, `SELECT verdict_seq, citation_id FROM verdict_citations
		WHERE verdict_seq IN (`+placeholders(len(args))+`) ORDER BY verdict_seq, ord`, args...)
	if err != nil {
		return fmt.Errorf("db: read verdict citations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			return fmt.Errorf("db: read verdict citations: %w", err)
		}
		verdicts[seq].CitationIDs = append(verdicts[seq].CitationIDs, id)
	}
	return rows.Err()
}

// AppendVerdict adds a verdict to a quote, superseding its current one, and moves the
// quote's attribution, rating and version with it — all in one transaction. ifMatch is
// checked against the quote's version, so a fact-checker working from a stale view cannot
// silently replace a colleague's newer verdict. NotFound, PreconditionFailed, Invalid
// (citation_ids that are not the quote's, or a verified attribution without a primary
// citation).
func (d *DB) AppendVerdict(ctx context.Context, quoteID string, ifMatch []int64, in VerdictInput) (*Verdict, error) {
	if err := authorize(ctx, PermVerdict, ""); err != nil {
		return nil, err
	}
	var id string
	var version int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = d.appendVerdict(ctx, tx, quoteID, ifMatch, in); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT version FROM quotes WHERE id = ?`, quoteID).Scan(&version)
	})
	if err != nil {
		return nil, err
	}
	v, err := d.Verdict(ctx, quoteID, id)
	if v != nil {
		v.quoteVersion = version
	}
	return v, err
}

// appendVerdict is AppendVerdict inside a transaction; it returns the verdict's ID.
func (d *DB) appendVerdict(ctx context.Context, tx *sql.Tx, quoteID string, ifMatch []int64, in VerdictInput) (string, error) {
	if err := validateInput(&in); err != nil {
		return "", err
	}
	now := d.now()
	id := newID("v_", now)
	ts := now.Format(timeFormat)
	var qseq, version int64
	var current *string
	err := tx.QueryRowContext(ctx, `SELECT q.seq, q.version, v.id FROM quotes q LEFT JOIN verdicts v ON v.seq = q.verdict_seq
		WHERE q.id = ?`, quoteID).Scan(&qseq, &version, &current)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errorf(NotFound, "", "no quote with this ID")
	}
	if err != nil {
		return "", fmt.Errorf("db: find quote: %w", err)
	}
	if err := checkVersion(version, ifMatch); err != nil {
		return "", err
	}
	citations, err := d.checkVerdictCitations(ctx, tx, qseq, in)
	if err != nil {
		return "", err
	}
	reviewer := actorOf(ctx).Name
	res, err := tx.ExecContext(ctx, `INSERT INTO verdicts (id, quote_seq, attribution, rating, summary, reviewed_by, supersedes, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, qseq, in.Attribution, in.Rating, in.Summary, reviewer, current, ts)
	if err != nil {
		return "", fmt.Errorf("db: insert verdict: %w", classify(err))
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return "", fmt.Errorf("db: insert verdict: %w", err)
	}
	for i, cid := range citations {
		if _, err := tx.ExecContext(ctx, `INSERT INTO verdict_citations (verdict_seq, ord, citation_id) VALUES (?, ?, ?)`,
			seq, i, cid); err != nil {
			return "", fmt.Errorf("db: insert verdict citation: %w", classify(err))
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE quotes SET attribution = ?, rating = ?, verdict_seq = ?, version = version + 1,
		updated_at = ? WHERE seq = ?`, in.Attribution, in.Rating, seq, ts, qseq)
	if err != nil {
		return "", fmt.Errorf("db: update quote verdict: %w", classify(err))
	}
	after := &Verdict{ID: id, QuoteID: quoteID, Attribution: in.Attribution, Rating: in.Rating, Summary: in.Summary,
		CitationIDs: citations, ReviewedBy: reviewer, Supersedes: current}
	return id, d.audit(ctx, tx, "verdict", "verdict", id, quoteID, nil, after)
}

// checkVerdictCitations returns the verdict's citation IDs, de-duplicated, after checking
// that each is a citation of the quote and that a verified attribution rests on a primary
// source.
func (d *DB) checkVerdictCitations(ctx context.Context, tx *sql.Tx, qseq int64, in VerdictInput) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	primary := false
	for i, cid := range in.CitationIDs {
		if seen[cid] {
			continue
		}
		seen[cid] = true
		var relation string
		err := tx.QueryRowContext(ctx, `SELECT relation FROM citations WHERE id = ? AND quote_seq = ?`, cid, qseq).Scan(&relation)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errorf(Invalid, fmt.Sprintf("citation_ids[%d]", i), "not a citation of this quote")
		}
		if err != nil {
			return nil, fmt.Errorf("db: check citation: %w", err)
		}
		primary = primary || relation == "primary"
		ids = append(ids, cid)
	}
	if in.Attribution == "verified" && !primary {
		return nil, errorf(Invalid, "citation_ids",
			"a verified attribution must rest on at least one primary citation (a recording, transcript or the speaker's own post); add one to the quote and cite it")
	}
	return ids, nil
}

// Verdict returns one verdict of a quote. NotFound.
func (d *DB) Verdict(ctx context.Context, quoteID, id string) (*Verdict, error) {
	var v *Verdict
	err := d.read(ctx, func(tx *sql.Tx) error {
		var seq int64
		var err error
		v, seq, err = scanVerdict(tx.QueryRowContext(ctx, `SELECT `+verdictColumns+verdictFrom+` WHERE v.id = ? AND q.id = ?`, id, quoteID))
		if errors.Is(err, sql.ErrNoRows) {
			if _, qerr := quoteSeq(ctx, tx, quoteID); qerr != nil {
				return qerr
			}
			return errorf(NotFound, "", "this quote has no verdict with this ID")
		}
		if err != nil {
			return fmt.Errorf("db: read verdict: %w", err)
		}
		return loadVerdictCitations(ctx, tx, map[int64]*Verdict{seq: v})
	})
	return v, err
}

// ListVerdicts returns a quote's verdict history, newest first. NotFound, Malformed.
func (d *DB) ListVerdicts(ctx context.Context, quoteID string, limit int, cur *string) (Page[*Verdict], error) {
	var page Page[*Verdict]
	err := d.read(ctx, func(tx *sql.Tx) error {
		qseq, err := quoteSeq(ctx, tx, quoteID)
		if err != nil {
			return err
		}
		bySeq := map[int64]*Verdict{}
		page, err = pageBySeq(ctx, d, tx, "verdicts", limit, cur, true,
			`SELECT `+verdictColumns+verdictFrom+` WHERE v.quote_seq = ?`, []any{qseq}, "v.seq",
			func(row scanner) (*Verdict, int64, error) {
				v, seq, err := scanVerdict(row)
				if err == nil {
					bySeq[seq] = v
				}
				return v, seq, err
			})
		if err != nil {
			return err
		}
		return loadVerdictCitations(ctx, tx, bySeq)
	})
	return page, err
}
