package sqlite

import (
	"context"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) InsertFetch(ctx context.Context, citationSeq int64, by string, at time.Time) error {
	_, err := t.exec(ctx, "request fetch", `INSERT INTO citation_fetches (citation_seq, requested_by, requested_at)
		VALUES (?, ?, ?)`, citationSeq, by, ts(at))
	return err
}

func (t *tx) ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]*db.FetchJob, error) {
	jobs, err := collect(ctx, t.q, "find due fetches", func(r scanner) (*db.FetchJob, error) {
		var j db.FetchJob
		var at string
		err := r.Scan(&j.Seq, &j.CitationID, &j.QuoteID, &j.URL, &j.QuoteText, &at)
		j.RequestedAt = parseTime(at)
		return &j, err
	}, `SELECT f.seq, c.id, q.id, c.url, q.text, f.requested_at FROM citation_fetches f
		JOIN citations c ON c.seq = f.citation_seq JOIN quotes q ON q.seq = c.quote_seq
		WHERE f.state = 'pending' AND (f.claimed_until IS NULL OR f.claimed_until <= ?) ORDER BY f.requested_at, f.seq LIMIT ?`,
		ts(now), n)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	seqs := make([]any, len(jobs))
	for i, j := range jobs {
		seqs[i] = j.Seq
	}
	_, err = t.exec(ctx, "claim fetches", `UPDATE citation_fetches SET claimed_until = ? WHERE seq IN (`+
		placeholders(len(seqs))+`)`, append([]any{ts(until)}, seqs...)...)
	return jobs, err
}

func (t *tx) PreviousFetchHash(ctx context.Context, seq int64) (string, error) {
	var h string
	err := t.q.QueryRowContext(ctx, `SELECT p.sha256 FROM citation_fetches f JOIN citation_fetches p
		ON p.citation_seq = f.citation_seq AND p.seq < f.seq AND p.sha256 IS NOT NULL
		WHERE f.seq = ? ORDER BY p.seq DESC LIMIT 1`, seq).Scan(&h)
	return h, one("previous fetch", err)
}

func (t *tx) RecordFetch(ctx context.Context, seq int64, r db.FetchResult, changed *bool) error {
	_, err := t.exec(ctx, "record fetch", `UPDATE citation_fetches SET state = ?, fetched_at = ?, status = ?, content_type = ?,
		bytes = ?, sha256 = ?, found = ?, found_at = ?, context = ?, changed = ?, error = ?, claimed_until = NULL
		WHERE seq = ?`, r.State, ts(r.FetchedAt), r.Status, r.ContentType, r.Bytes, r.SHA256, r.Found, r.FoundAt, r.Context,
		changed, r.Error, seq)
	return err
}

// sourceColumns are the newest fetch of a citation's page (sourceFrom), read beside it.
const sourceColumns = `, f.state, f.requested_at, f.fetched_at, f.status, f.content_type, f.bytes, f.sha256, f.found,
	f.found_at, f.context, f.changed, f.error`

const sourceFrom = ` LEFT JOIN citation_fetches f ON f.seq = (SELECT max(seq) FROM citation_fetches WHERE citation_seq = c.seq)`

// sourceScan holds what sourceColumns read, until source makes it a SourceCheck.
type sourceScan struct {
	state, requested, fetched *string
	s                         db.SourceCheck
}

func (x *sourceScan) dest() []any {
	return []any{&x.state, &x.requested, &x.fetched, &x.s.Status, &x.s.ContentType, &x.s.Bytes, &x.s.SHA256, &x.s.Found,
		&x.s.FoundAt, &x.s.Context, &x.s.Changed, &x.s.Error}
}

func (x *sourceScan) source() *db.SourceCheck {
	if x.state == nil {
		return nil
	}
	s := x.s
	s.State, s.RequestedAt, s.FetchedAt = *x.state, parseTime(*x.requested), optTime(x.fetched)
	return &s
}

func (t *tx) RestoreFetch(ctx context.Context, citationSeq int64, by string, s *db.SourceCheck) error {
	_, err := t.exec(ctx, "restore fetch", `INSERT INTO citation_fetches (citation_seq, state, requested_by, requested_at,
		fetched_at, status, content_type, bytes, sha256, found, found_at, context, changed, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, citationSeq, s.State, by, ts(s.RequestedAt), optTS(s.FetchedAt),
		s.Status, s.ContentType, s.Bytes, s.SHA256, s.Found, s.FoundAt, s.Context, s.Changed, s.Error)
	return err
}
