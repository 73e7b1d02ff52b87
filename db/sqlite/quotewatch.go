package sqlite

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// quoteWatch records which quotes' words, speaker or ID changed, or which were deleted,
// through the engine's writer, so that the core may keep the words of the quotes bulk
// imports read between batches (QuotesChanged): temporary triggers on the writer's
// connection call verbatim_quote_changed with the engine's number and the quote's key.
// What another connection commits moves PRAGMA data_version on the writer's connection,
// and says nothing of which rows: then everything is to be read again.
type quoteWatch struct {
	id uint64

	mu       sync.Mutex
	changed  []int64
	overflow bool  // more changed than maxWatched: as good as everything
	version  int64 // data_version on the writer's connection at the last call
}

// maxWatched bounds the changes a watch lists between two calls: a speaker merge moving
// more quotes than this is everything.
const maxWatched = 1 << 16

// watches are the open engines' watches, by number: the function the triggers call is
// registered on every connection of the driver, and finds its engine's here.
var (
	watches     sync.Map // uint64 → *quoteWatch
	lastWatchID atomic.Uint64
)

func newQuoteWatch() *quoteWatch {
	w := &quoteWatch{id: lastWatchID.Add(1)}
	watches.Store(w.id, w)
	return w
}

func (w *quoteWatch) close() { watches.Delete(w.id) }

// quoteChanged is verbatim_quote_changed(watch, seq), which the triggers call.
func quoteChanged(watch, seq int64) int64 {
	if v, ok := watches.Load(uint64(watch)); ok {
		w := v.(*quoteWatch)
		w.mu.Lock()
		if len(w.changed) < maxWatched {
			w.changed = append(w.changed, seq)
		} else {
			w.overflow = true
		}
		w.mu.Unlock()
	}
	return 0
}

// watchMark names the update trigger; its presence in the connection's temporary schema
// says the triggers were made on this connection (a temporary trigger is one
// connection's alone, and goes with a transaction rolled back).
const watchMark = "verbatim_quote_watch_update"

// QuotesChanged lists the quotes changed through the writer since the last call, or says
// all when it cannot tell: the first call on a connection (the triggers are made then),
// a commit by another connection, or too many changes to list.
func (t *tx) QuotesChanged(ctx context.Context) ([]int64, bool, error) {
	w := t.watch
	if w == nil {
		return nil, true, nil // a reader, or a migration's transaction
	}
	var version int64
	var marked bool
	if err := t.q.QueryRowContext(ctx, `SELECT (SELECT data_version FROM pragma_data_version),
		EXISTS (SELECT 1 FROM temp.sqlite_schema WHERE name = '`+watchMark+`')`).Scan(&version, &marked); err != nil {
		return nil, false, fmt.Errorf("sqlite: watch quotes: %w", classify(err))
	}
	if !marked {
		for _, stmt := range []string{
			fmt.Sprintf(`CREATE TEMP TRIGGER IF NOT EXISTS %s AFTER UPDATE OF id, text, speaker_id ON main.quotes
				WHEN old.id IS NOT new.id OR old.text IS NOT new.text OR old.speaker_id IS NOT new.speaker_id
				BEGIN SELECT verbatim_quote_changed(%d, old.seq); END`, watchMark, w.id),
			fmt.Sprintf(`CREATE TEMP TRIGGER IF NOT EXISTS verbatim_quote_watch_delete AFTER DELETE ON main.quotes
				BEGIN SELECT verbatim_quote_changed(%d, old.seq); END`, w.id),
		} {
			if _, err := t.exec(ctx, "watch quotes", stmt); err != nil {
				return nil, false, err
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	changed, all := w.changed, !marked || w.overflow || version != w.version
	w.changed, w.overflow, w.version = nil, false, version
	if all {
		return nil, true, nil
	}
	return changed, false, nil
}
