package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// deferrable are the indexes a bulk load into an empty archive builds at its end rather
// than row by row: all but the keys and unique constraints, which the load itself needs
// (external_id decides what a re-run skips) and which references rest on. Building the
// search index once over a million quotes takes 11 s; keeping it up row by row cost a
// third of the load.
//
// The variant bands' index is not among them: linking looks up every batch's words by
// their bands in what the load stored before, which without it would be a scan a batch.
var deferrable = []string{"quotes_search", "quotes_tags", "quotes_said_on", "quotes_speaker", "quotes_outlet",
	"quotes_verdict", "audit_log_resource", "audit_log_quote", "audit_log_actor"}

// loadLock is the session advisory lock a bulk load holds while the indexes are deferred:
// one load at a time, and no process rebuilds them behind a running load's back.
const loadLock = 0x76657262_6c6f6164 // "verbload"

// BeginLoad prepares the database for a large import: when the archive holds no quote, it
// drops the deferrable indexes — recording their definitions in deferred_indexes, in the
// same transaction — and the function it returns builds them again. Into an archive that
// has quotes, or while another load runs, it does nothing. A load cut short (a crash, a
// kill) leaves the definitions recorded, and the next process to open the database
// builds the indexes (Open calls buildDeferred).
func (e *Engine) BeginLoad(ctx context.Context) (func(context.Context) error, error) {
	noop := func(context.Context) error { return nil }
	conn, err := e.primary.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin load: %w", classify(err))
	}
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(loadLock)).Scan(&locked); err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: begin load: %w", classify(err))
	}
	if !locked {
		conn.Release()
		return noop, nil
	}
	release := func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(loadLock))
		conn.Release()
	}
	var empty bool
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM quotes)`).Scan(&empty); err != nil || !empty {
			return err
		}
		// Only indexes that exist are deferred (a re-run after a crash finds some gone).
		rows, err := tx.Query(ctx, `INSERT INTO deferred_indexes (name, definition)
			SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relkind = 'i' AND c.relname = ANY($1)
			ON CONFLICT (name) DO NOTHING RETURNING name`, deferrable)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, name := range names {
			if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		release()
		return nil, fmt.Errorf("postgres: begin load: %w", classify(err))
	}
	if !empty {
		release()
		return noop, nil
	}
	return func(ctx context.Context) error {
		defer release()
		return buildDeferred(context.WithoutCancel(ctx), e.primary, conn)
	}, nil
}

// buildDeferred builds the indexes a load deferred, each removed from deferred_indexes in
// the transaction that builds it, two at a time on two connections (conn and one more
// from the pool) — the search index alone takes as long as all the others together —
// then refreshes the planner's statistics of what was loaded.
func buildDeferred(ctx context.Context, pool *pgxpool.Pool, conn *pgxpool.Conn) error {
	rows, err := conn.Query(ctx, `SELECT name, definition FROM deferred_indexes ORDER BY name <> 'quotes_search', name`)
	if err != nil {
		return fmt.Errorf("postgres: build deferred indexes: %w", err)
	}
	type index struct{ name, definition string }
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var i index
		return i, r.Scan(&i.name, &i.definition)
	})
	if err != nil || len(todo) == 0 {
		return err
	}
	next := make(chan index, len(todo))
	for _, i := range todo {
		next <- i
	}
	close(next)
	build := func(conn *pgxpool.Conn) error {
		for i := range next {
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `DELETE FROM deferred_indexes WHERE name = $1`, i.name); err != nil {
					return err
				}
				// A crash between the build and the commit undoes both: the build is
				// transactional, so the index is never there twice nor forgotten.
				_, err := tx.Exec(ctx, i.definition)
				return err
			})
			if err != nil {
				return fmt.Errorf("postgres: build index %s: %w", i.name, err)
			}
		}
		return nil
	}
	errs := make(chan error, 1)
	go func() {
		second, err := pool.Acquire(ctx)
		if err != nil {
			errs <- nil // the first connection builds them all
			return
		}
		defer second.Release()
		errs <- build(second)
	}()
	if err := errors.Join(build(conn), <-errs); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `ANALYZE quotes, quote_bands, audit_log`); err != nil {
		return fmt.Errorf("postgres: analyze: %w", err)
	}
	return nil
}

// repairLoad builds the indexes of a load that was cut short — unless a load is running,
// which holds the load lock and will build them itself.
func (e *Engine) repairLoad(ctx context.Context) error {
	conn, err := e.primary.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var pending bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deferred_indexes)`).Scan(&pending); err != nil || !pending {
		return err
	}
	// The lock may be held by the server backend of a load whose client was just killed:
	// the backend ends once it notices, which takes as long as the statement it is in
	// (an index build: seconds). Wait that long; a load still running after it keeps
	// the lock and builds the indexes itself.
	if _, err := conn.Exec(ctx, `SET lock_timeout = '20s'`); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(loadLock))
	if _, rerr := conn.Exec(context.WithoutCancel(ctx), `RESET lock_timeout`); rerr != nil {
		conn.Conn().Close(context.WithoutCancel(ctx)) // do not return a session with the timeout to the pool
		return rerr
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available: a live load holds it
		return nil
	}
	if err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(loadLock))
	return buildDeferred(ctx, e.primary, conn)
}
