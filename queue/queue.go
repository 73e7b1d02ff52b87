// Package queue runs the work the database queues for a process to do beside serving —
// webhook deliveries, source fetches — with a fixed number of workers: it claims as much
// as there are idle workers, the moment a write of this process queues some and now and
// then for what other processes queued, and hands each item to a worker.
package queue

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Config is a queue's way of claiming and handling items of type T.
type Config[T any] struct {
	// Name is what log lines call the queue.
	Name string
	// Workers is how many items are handled at once.
	Workers int
	// Poll is how often the queue looks for work it was not told of.
	Poll time.Duration
	// Wake tells the queue that work was queued in this process.
	Wake <-chan struct{}
	// Claim takes up to n items for this process; an item claimed and not finished
	// (the process died) must become claimable again after a while.
	Claim func(ctx context.Context, n int) ([]T, error)
	// Handle does one item's work and records its outcome. It is given a context that
	// outlives Run's, so that shutting down lets items under way finish.
	Handle func(ctx context.Context, item T)
	// Every, when set, runs every EveryPeriod (housekeeping such as pruning).
	Every       func(ctx context.Context)
	EveryPeriod time.Duration
	Log         *slog.Logger
}

// Run handles items until ctx ends, then waits for those under way.
func Run[T any](ctx context.Context, c Config[T]) {
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	var every <-chan time.Time
	if c.Every != nil && c.EveryPeriod > 0 {
		t := time.NewTicker(c.EveryPeriod)
		defer t.Stop()
		every = t.C
		c.Every(ctx)
	}
	poll := time.NewTicker(c.Poll)
	defer poll.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	busy := make(chan struct{}, c.Workers) // a token per item under way
	freed := make(chan struct{}, 1)
	detached := context.WithoutCancel(ctx)
	for {
		if idle := c.Workers - len(busy); idle > 0 && ctx.Err() == nil {
			items, err := c.Claim(ctx, idle)
			if err != nil && ctx.Err() == nil {
				c.Log.Warn("queue: claim failed", "queue", c.Name, "err", err)
			}
			for _, it := range items {
				busy <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() {
						<-busy
						select {
						case freed <- struct{}{}:
						default:
						}
						wg.Done()
					}()
					c.Handle(detached, it)
				}()
			}
			if err == nil && len(items) == idle {
				continue // there may be more due: claim again once a worker is idle
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-c.Wake:
		case <-freed:
		case <-poll.C:
		case <-every:
			c.Every(ctx)
		}
	}
}
