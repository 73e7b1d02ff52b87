package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Claim is a fact-checker's hold on a quote in the review queue, so that two do not
// work on the same quote: shown to the others, ended by the holder's verdict, a release,
// or its expiry.
type Claim struct {
	QuoteSeq  int64     `json:"-"`
	KeyID     string    `json:"key_id"`
	Name      string    `json:"name"`
	ClaimedAt time.Time `json:"claimed_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ClaimTTL is how long a claim holds unless renewed by claiming again.
const ClaimTTL = 30 * time.Minute

// ClaimQuote claims a quote for the context's key for ttl (ClaimTTL when zero), or
// renews the key's own claim. Forbidden below the verdict permission (a claim is a
// promise to give one); NotFound; Conflict while another key's claim holds, naming it.
func (d *DB) ClaimQuote(ctx context.Context, quoteID string, ttl time.Duration) (*Claim, error) {
	if err := authorize(ctx, PermVerdict, ""); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = ClaimTTL
	}
	a := actorOf(ctx)
	var c *Claim
	err := d.write(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		now := d.now().Truncate(time.Microsecond)
		c = &Claim{QuoteSeq: q.Seq, KeyID: a.KeyID, Name: a.Name, ClaimedAt: now, ExpiresAt: now.Add(ttl)}
		ok, err := tx.ClaimQuote(ctx, c, now)
		if err != nil {
			return fmt.Errorf("db: claim quote: %w", err)
		}
		if ok {
			return nil
		}
		held, err := tx.ClaimsOf(ctx, []int64{q.Seq})
		if err != nil {
			return fmt.Errorf("db: read claim: %w", err)
		}
		if h := held[q.Seq]; h != nil {
			return errorf(Conflict, "", fmt.Sprintf("%s is working on this quote (claimed until %s)", h.Name, h.ExpiresAt.UTC().Format("15:04 UTC")))
		}
		return ErrRetry // released between the two statements: claim again
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ReleaseQuote ends the context's key's claim on a quote; an admin may end anyone's.
// NotFound when the quote does not exist; releasing no claim is not an error.
func (d *DB) ReleaseQuote(ctx context.Context, quoteID string) error {
	if err := authorize(ctx, PermVerdict, ""); err != nil {
		return err
	}
	a := actorOf(ctx)
	return d.write(ctx, func(tx Tx) error {
		q, err := findQuote(ctx, tx, quoteID, false)
		if err != nil {
			return err
		}
		holder := a.KeyID
		if a.Can(PermAdmin) {
			holder = ""
		}
		if err := tx.ReleaseClaim(ctx, q.Seq, holder); err != nil {
			return fmt.Errorf("db: release claim: %w", err)
		}
		return nil
	})
}

// Claims returns the claims in force on the given quotes, by quote ID.
func (d *DB) Claims(ctx context.Context, quotes []*Quote) (map[string]*Claim, error) {
	if err := authorize(ctx, PermRead, ""); err != nil {
		return nil, err
	}
	out := map[string]*Claim{}
	if len(quotes) == 0 {
		return out, nil
	}
	err := d.read(ctx, func(tx Tx) error {
		held, err := tx.ClaimsOf(ctx, quoteSeqs(quotes))
		if err != nil {
			return fmt.Errorf("db: read claims: %w", err)
		}
		now := d.now()
		for _, q := range quotes {
			if c := held[q.Seq]; c != nil && now.Before(c.ExpiresAt) {
				out[q.ID] = c
			}
		}
		return nil
	})
	return out, err
}

// endClaim is what a verdict does to the quote's claim: the work is done.
func endClaim(ctx context.Context, tx Tx, quoteSeq int64) error {
	if err := tx.ReleaseClaim(ctx, quoteSeq, ""); err != nil && !errors.Is(err, ErrNoRow) {
		return fmt.Errorf("db: end claim: %w", err)
	}
	return nil
}
