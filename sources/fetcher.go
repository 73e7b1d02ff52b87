package sources

import (
	"context"
	"log/slog"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/queue"
)

// Fetcher retrieves the pages asked for, in the background, and records what it found.
type Fetcher struct {
	DB      *db.DB
	Checker *Checker
	// Workers is how many pages are fetched at once (4 when zero).
	Workers int
	// Poll is how often to look for fetches another node queued (1s when zero).
	Poll time.Duration
	Log  *slog.Logger
}

// Run fetches until ctx ends, then lets the fetches under way finish.
func (f *Fetcher) Run(ctx context.Context) {
	ctx = db.WithActor(ctx, db.Worker) // the work is the server's own, and may do only that
	log := f.Log
	if log == nil {
		log = slog.Default()
	}
	workers, poll := f.Workers, f.Poll
	if workers <= 0 {
		workers = 4
	}
	if poll <= 0 {
		poll = time.Second
	}
	queue.Run(ctx, queue.Config[*db.FetchJob]{
		Name:    "sources",
		Workers: workers,
		Poll:    poll,
		Wake:    f.DB.Wakeups(),
		Claim: func(ctx context.Context, n int) ([]*db.FetchJob, error) {
			return f.DB.ClaimFetches(ctx, n, 2*time.Minute)
		},
		Handle: func(ctx context.Context, job *db.FetchJob) {
			if err := f.DB.RecordFetch(ctx, job, f.Checker.Check(ctx, job)); err != nil {
				log.Error("sources: recording a fetch failed", "citation", job.CitationID, "err", err)
			}
		},
		Log: log,
	})
}
