package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// deferrable are the indexes a bulk load into an empty archive builds at its end rather
// than row by row: the quotes' orderings and the audit's look-ups, which nothing in a
// load reads. The keys and unique constraints stay (external_id decides what a re-run
// finds), and so do the variant bands and speakers' names, which every batch looks up.
var deferrable = []string{"quotes_said_on", "quotes_speaker", "quotes_outlet", "quotes_first_seen", "quotes_drifted",
	"quotes_verdict", "quote_tags_quote", "audit_log_resource", "audit_log_quote", "audit_log_actor"}

// BeginLoad prepares the archive for a large import: when it holds no quote and no other
// load has deferred indexes, it drops the deferrable indexes — recording their
// definitions in deferred_indexes in the same transaction — and the function it returns
// builds them again. A load cut short leaves the definitions recorded, and the next
// process to open the archive builds them (OpenReaders calls buildDeferred).
func (e *Engine) BeginLoad(ctx context.Context) (func(context.Context) error, error) {
	var deferred bool
	err := e.writeSQL(ctx, func(t *sql.Tx) error {
		var busy bool
		if err := t.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM quotes) OR EXISTS (SELECT 1 FROM deferred_indexes)`).Scan(&busy); err != nil || busy {
			return err
		}
		for _, name := range deferrable {
			var def string
			err := t.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?`, name).Scan(&def)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO deferred_indexes (name, definition) VALUES (?, ?)`, name, def); err != nil {
				return err
			}
			if _, err := t.ExecContext(ctx, `DROP INDEX `+name); err != nil {
				return err
			}
			deferred = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin load: %w", classify(err))
	}
	if !deferred {
		return func(context.Context) error { return nil }, nil
	}
	return func(ctx context.Context) error { return e.buildDeferred(context.WithoutCancel(ctx)) }, nil
}

// buildDeferred builds the indexes a load deferred, each removed from deferred_indexes in
// the transaction that builds it: never there twice, never forgotten.
func (e *Engine) buildDeferred(ctx context.Context) error {
	rows, err := e.writer.QueryContext(ctx, `SELECT name, definition FROM deferred_indexes ORDER BY name`)
	if err != nil {
		return fmt.Errorf("sqlite: deferred indexes: %w", classify(err))
	}
	type index struct{ name, definition string }
	var todo []index
	for rows.Next() {
		var i index
		if err := rows.Scan(&i.name, &i.definition); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, i := range todo {
		err := e.writeSQL(ctx, func(t *sql.Tx) error {
			if _, err := t.ExecContext(ctx, `DELETE FROM deferred_indexes WHERE name = ?`, i.name); err != nil {
				return err
			}
			_, err := t.ExecContext(ctx, i.definition)
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: build index %s: %w", i.name, classify(err))
		}
	}
	if len(todo) > 0 {
		if _, err := e.writer.ExecContext(ctx, `PRAGMA optimize`); err != nil {
			return fmt.Errorf("sqlite: optimize: %w", classify(err))
		}
	}
	return nil
}

// writeSQL runs fn in one write transaction of the writer connection.
func (e *Engine) writeSQL(ctx context.Context, fn func(*sql.Tx) error) error {
	t, err := e.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if err := fn(t); err != nil {
		return err
	}
	return t.Commit()
}
