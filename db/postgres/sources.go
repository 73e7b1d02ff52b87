package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/verbatimhq/verbatim/db"
)

func (t *tx) InsertFetch(ctx context.Context, citationSeq int64, by string, at time.Time) error {
	_, err := t.exec(ctx, "request fetch", `INSERT INTO citation_fetches (citation_seq, requested_by, requested_at)
		VALUES ($1, $2, $3)`, citationSeq, by, at)
	return err
}

func (t *tx) ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]*db.FetchJob, error) {
	jobs, err := collect(ctx, t.q, "claim fetches", func(r pgx.Row) (*db.FetchJob, error) {
		var j db.FetchJob
		err := r.Scan(&j.Seq, &j.CitationID, &j.QuoteID, &j.URL, &j.QuoteText, &j.RequestedAt)
		j.RequestedAt = utc(j.RequestedAt)
		return &j, err
	}, `WITH due AS (
			SELECT seq FROM citation_fetches WHERE state = 'pending' AND (claimed_until IS NULL OR claimed_until <= $1)
			ORDER BY requested_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE citation_fetches f SET claimed_until = $2 FROM due, citations c, quotes q
		WHERE f.seq = due.seq AND c.seq = f.citation_seq AND q.seq = c.quote_seq
		RETURNING f.seq, c.id, q.id, c.url, q.text, f.requested_at`, now, until, n)
	slices.SortFunc(jobs, func(a, b *db.FetchJob) int { return int(a.Seq - b.Seq) })
	return jobs, err
}

func (t *tx) PreviousFetchHash(ctx context.Context, seq int64) (string, error) {
	var h string
	err := t.q.QueryRow(ctx, `SELECT p.sha256 FROM citation_fetches f JOIN citation_fetches p
		ON p.citation_seq = f.citation_seq AND p.seq < f.seq AND p.sha256 IS NOT NULL
		WHERE f.seq = $1 ORDER BY p.seq DESC LIMIT 1`, seq).Scan(&h)
	return h, one("previous fetch", err)
}

func (t *tx) RecordFetch(ctx context.Context, seq int64, r db.FetchResult, changed *bool) error {
	_, err := t.exec(ctx, "record fetch", `UPDATE citation_fetches SET state = $1, fetched_at = $2, status = $3,
		content_type = $4, bytes = $5, sha256 = $6, found = $7, found_at = $8, context = $9, changed = $10, error = $11,
		claimed_until = NULL WHERE seq = $12`, r.State, r.FetchedAt, r.Status, r.ContentType, r.Bytes, r.SHA256, r.Found,
		r.FoundAt, r.Context, changed, r.Error, seq)
	return err
}

// sourceColumns are the newest fetch of a citation's page (sourceFrom), read beside it.
const sourceColumns = `, f.state, f.requested_at, f.fetched_at, f.status, f.content_type, f.bytes, f.sha256, f.found,
	f.found_at, f.context, f.changed, f.error`

const sourceFrom = ` LEFT JOIN LATERAL (SELECT * FROM citation_fetches x WHERE x.citation_seq = c.seq
	ORDER BY x.seq DESC LIMIT 1) f ON true`

// sourceScan holds what sourceColumns read, until source makes it a SourceCheck.
type sourceScan struct {
	state     *string
	requested *time.Time
	s         db.SourceCheck
}

func (x *sourceScan) dest() []any {
	return []any{&x.state, &x.requested, &x.s.FetchedAt, &x.s.Status, &x.s.ContentType, &x.s.Bytes, &x.s.SHA256,
		&x.s.Found, &x.s.FoundAt, &x.s.Context, &x.s.Changed, &x.s.Error}
}

func (x *sourceScan) source() *db.SourceCheck {
	if x.state == nil {
		return nil
	}
	s := x.s
	s.State, s.RequestedAt, s.FetchedAt = *x.state, x.requested.UTC(), optUTC(s.FetchedAt)
	return &s
}

func (t *tx) RestoreFetch(ctx context.Context, citationSeq int64, by string, s *db.SourceCheck) error {
	_, err := t.exec(ctx, "restore fetch", `INSERT INTO citation_fetches (citation_seq, state, requested_by, requested_at,
		fetched_at, status, content_type, bytes, sha256, found, found_at, context, changed, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, citationSeq, s.State, by, s.RequestedAt,
		s.FetchedAt, s.Status, s.ContentType, s.Bytes, s.SHA256, s.Found, s.FoundAt, s.Context, s.Changed, s.Error)
	return err
}
