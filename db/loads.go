package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Load is one bulk import: who ran it and when, what it read (the file's name, format,
// size and SHA-256), how far it got and what it did. The audit of a load is this record
// and an entry for each batch it committed, which the quotes and appearances the batch
// created name as their creation's (the rest it created — speakers, outlets — have an
// entry each that points here): not a copy of every record it read, which at corpus
// scale weighed a third of the archive, nor an entry each. A load killed part way
// stays "running" with the batches it committed; the command line's --resume carries it
// on from there.
type Load struct {
	ID         string     `json:"id" example:"ld_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	Actor      string     `json:"actor" example:"research-desk"`
	Source     string     `json:"source" example:"quotes-2016.json.bz2"`
	Format     string     `json:"format" example:"quotebank"`
	Size       *int64     `json:"size" extensions:"x-nullable" example:"1073741824"`                                                         // bytes, when the source's size was known
	SHA256     *string    `json:"sha256" extensions:"x-nullable" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"` // of the bytes read, once the load finished
	State      string     `json:"state" enums:"running,done,failed" example:"done"`
	StartedAt  time.Time  `json:"started_at" format:"date-time"`
	FinishedAt *time.Time `json:"finished_at" format:"date-time" extensions:"x-nullable"`
	// Counts over the committed batches.
	Created   int `json:"created" example:"998000"`
	Updated   int `json:"updated" example:"0"`
	Unchanged int `json:"unchanged" example:"1200"`
	Rejected  int `json:"rejected" example:"800"`
	Batches   int `json:"batches" example:"40"`
	// The first and last quote it created, by ID (IDs sort by creation time).
	FirstQuoteID *string `json:"first_quote_id" extensions:"x-nullable" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
	LastQuoteID  *string `json:"last_quote_id" extensions:"x-nullable" example:"q_01JS8Y0000000000000000000Z"`
} //@name Load

// LoadInput names what a load reads.
type LoadInput struct {
	Source string
	Format string
	Size   int64 // 0 when unknown
}

// LoadBatch is what one committed batch of a load adds to it.
type LoadBatch struct {
	LoadID              string
	FirstLine, LastLine int
	Result              ImportResult
	FirstID, LastID     string // the quotes it created, by ID; "" for none
}

type loadKey struct{}

// loadBatchKey carries the batch being written, for audit to point at the load and note
// the quotes it creates.
type loadBatchKey struct{}

// WithLoad makes the imports under ctx batches of the load: each commits its line range
// and counts to the load in its own transaction, and the things it creates are audited
// as the load's.
func WithLoad(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, loadKey{}, id)
}

func loadOf(ctx context.Context) string {
	id, _ := ctx.Value(loadKey{}).(string)
	return id
}

// StartLoad records a load about to begin. Only what may import may load.
func (d *DB) StartLoad(ctx context.Context, in LoadInput) (*Load, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	now := d.now()
	l := &Load{ID: newID("ld_", now), Actor: actorOf(ctx).Name, Source: in.Source, Format: in.Format, State: "running", StartedAt: now}
	if in.Size > 0 {
		l.Size = &in.Size
	}
	if err := d.write(ctx, func(tx Tx) error { return tx.InsertLoad(ctx, l) }); err != nil {
		return nil, fmt.Errorf("db: start load: %w", err)
	}
	return l, nil
}

// ResumeLoad finds the caller's latest unfinished load of the same source — name,
// format and size — and the line ranges its committed batches hold, so that a load
// killed part way is carried on rather than begun again. NotFound when there is none.
func (d *DB) ResumeLoad(ctx context.Context, in LoadInput) (*Load, [][2]int, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, nil, err
	}
	var l *Load
	var done [][2]int
	err := d.read(ctx, func(tx Tx) error {
		var err error
		if l, err = tx.UnfinishedLoad(ctx, actorOf(ctx).Name, in.Source, in.Format, in.Size); err != nil {
			return err
		}
		done, err = tx.LoadBatches(ctx, l.ID)
		return err
	})
	if errors.Is(err, ErrNoRow) {
		return nil, nil, errorf(NotFound, "source", fmt.Sprintf("no unfinished load of %s (%s) to resume", in.Source, in.Format))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("db: resume load: %w", err)
	}
	return l, done, nil
}

// FinishLoad closes a load: done, or failed, with the SHA-256 of the bytes read when the
// whole source was.
func (d *DB) FinishLoad(ctx context.Context, id string, sha256 string, failed bool) (*Load, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	state := "done"
	if failed {
		state = "failed"
	}
	var sum *string
	if sha256 != "" {
		sum = &sha256
	}
	var l *Load
	err := d.write(ctx, func(tx Tx) error {
		if err := tx.FinishLoad(ctx, id, state, sum, d.now()); err != nil {
			return err
		}
		var err error
		l, err = tx.Load(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("db: finish load: %w", err)
	}
	return l, nil
}

// Load reads a load: who loaded what, when, and how far it got. NotFound.
func (d *DB) Load(ctx context.Context, id string) (*Load, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	l, err := d.eng.Reads().Load(ctx, id)
	if errors.Is(err, ErrNoRow) {
		return nil, errorf(NotFound, "id", "no load "+id)
	}
	if err != nil {
		return nil, fmt.Errorf("db: read load: %w", err)
	}
	return l, nil
}

// Loads lists loads newest first, a page at a time.
func (d *DB) Loads(ctx context.Context, limit int, cursor *string) (Page[*Load], error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return Page[*Load]{}, err
	}
	limit = clampLimit(limit)
	c, err := d.decodeCursor(cursor, "loads")
	if err != nil {
		return Page[*Load]{}, err
	}
	before := ""
	if c != nil {
		before = c.ID
	}
	ls, err := d.eng.Reads().Loads(ctx, before, limit+1)
	if err != nil {
		return Page[*Load]{}, fmt.Errorf("db: list loads: %w", err)
	}
	return page(d, ls, limit, func(l *Load) Cursor { return Cursor{Sort: "loads", ID: l.ID} }), nil
}

// loadBatch is the batch of a load being written: its entry in the audit trail, and the
// quotes it created, as audit sees them.
type loadBatch struct {
	entry       int64
	first, last string
}

// openLoadBatch begins a batch of the load: its entry in the audit trail says which load
// wrote which lines of its source, who ran it and when. The quotes and appearances the
// batch creates name this entry (LoadedIn) as their creation's, instead of an entry each.
func (d *DB) openLoadBatch(ctx context.Context, tx Tx, batch []ImportRecord) (*loadBatch, error) {
	id := loadOf(ctx)
	first, last := batchLines(ctx, batch)
	changes, err := json.Marshal(map[string]Change{"load": {After: id}, "lines": {After: fmt.Sprintf("%d-%d", first, last)}})
	if err != nil {
		return nil, fmt.Errorf("db: audit a load's batch: %w", err)
	}
	seq, err := tx.InsertAuditEntry(ctx, AuditRow{At: d.now(), Actor: actorOf(ctx).Name, Action: "load", Resource: "load",
		ResourceID: id, Changes: string(changes)})
	if err != nil {
		return nil, fmt.Errorf("db: audit a load's batch: %w", err)
	}
	return &loadBatch{entry: seq}, nil
}

// loadedIn is the audit entry of the load's batch being written under ctx, which what
// it creates names; 0 outside a load.
func loadedIn(ctx context.Context) int64 {
	if b, _ := ctx.Value(loadBatchKey{}).(*loadBatch); b != nil {
		return b.entry
	}
	return 0
}

// batchLines are the first and last lines of the source a load's batch covers, the
// lines the reader refused among them included.
func batchLines(ctx context.Context, batch []ImportRecord) (first, last int) {
	first, last = batch[0].Line, batch[0].Line
	for _, r := range batch {
		first, last = min(first, r.Line), max(last, r.Line)
	}
	if c, ok := ctx.Value(loadChunkKey{}).(loadChunk); ok {
		first, last = min(first, c.first), max(last, c.last)
	}
	return first, last
}

// note counts a quote the batch created.
func (b *loadBatch) note(id string) {
	if b.first == "" || id < b.first {
		b.first = id
	}
	if id > b.last {
		b.last = id
	}
}

// loadChunk is what the reader knows of a batch of a load beyond its records: the lines
// it covers, those it refused among them included, and those refusals.
type loadChunk struct {
	first, last int
	refused     ImportResult
}

// WithLoadChunk tells the import of a load's batch which lines of the source it covers
// (first to last, the lines the reader refused included) and what the reader refused:
// the load records them with the batch, in its transaction, so a resumed load neither
// reads those lines again nor counts their refusals twice.
func WithLoadChunk(ctx context.Context, first, last int, refused ImportResult) context.Context {
	return context.WithValue(ctx, loadChunkKey{}, loadChunk{first, last, refused})
}

type loadChunkKey struct{}

// commitLoadBatch adds the batch's lines and counts to its load, in the batch's
// transaction: what the load says it committed, it did.
func commitLoadBatch(ctx context.Context, tx Tx, batch []ImportRecord, res ImportResult) error {
	id := loadOf(ctx)
	b, _ := ctx.Value(loadBatchKey{}).(*loadBatch)
	if id == "" || b == nil || len(batch) == 0 {
		return nil
	}
	first, last := batchLines(ctx, batch)
	if c, ok := ctx.Value(loadChunkKey{}).(loadChunk); ok {
		res.Add(c.refused)
	}
	return tx.AddLoadBatch(ctx, LoadBatch{LoadID: id, FirstLine: first, LastLine: last, Result: res, FirstID: b.first, LastID: b.last})
}

// loadPointer is the audit of something a load created: which load, not a copy of it.
func loadPointer(id string) string { return `{"load":{"after":"` + id + `"}}` }
