package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/fold"
)

// APIKey is a key's record; the secret itself is shown once, when it is created, and
// stored only as a SHA-256 hash.
type APIKey struct {
	ID        string     `json:"id" example:"key_01JS8X2W5Q7K3M9N4P6R8T0V32"`
	Name      string     `json:"name" example:"desk-ukraine"`
	Role      string     `json:"role" enums:"reader,editor,factchecker,admin" example:"editor"`
	Hint      string     `json:"hint" example:"vbt_k7q2"`
	CreatedAt time.Time  `json:"created_at" format:"date-time"`
	RevokedAt *time.Time `json:"revoked_at" extensions:"x-nullable" format:"date-time"`
} //@name APIKey

// KeyInput creates an API key.
type KeyInput struct {
	Name string `json:"name" validate:"required,notblank,max=100" example:"desk-ukraine"`
	Role string `json:"role" validate:"required,role" enums:"reader,editor,factchecker,admin" example:"editor"`
} //@name KeyCreate

// keyPrefix marks Verbatim keys, so that a leaked one is recognisable in logs and scans.
const keyPrefix = "vbt_"

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func hashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateKey makes a key with 256 random bits and returns its record and its secret, which
// is never shown again. The audit trail records it.
func (d *DB) CreateKey(ctx context.Context, in KeyInput) (*APIKey, string, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, "", err
	}
	if err := validateInput(&in); err != nil {
		return nil, "", err
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	secret := keyPrefix + strings.ToLower(keyEncoding.EncodeToString(raw[:]))
	now := d.now()
	k := &APIKey{ID: newID("key_", now), Name: in.Name, Role: in.Role, Hint: secret[:8], CreatedAt: now.Truncate(time.Microsecond)}
	err := d.write(ctx, func(tx Tx) error {
		// One active key per name: the name is who the audit says did what, and a second
		// "admin-2" made by running a command twice would say it of two keys.
		if err := tx.LockNames(ctx, "key", []string{fold.String(in.Name)}); err != nil {
			return fmt.Errorf("db: lock key name: %w", err)
		}
		keys, err := tx.Keys(ctx)
		if err != nil {
			return fmt.Errorf("db: list keys: %w", err)
		}
		for _, other := range keys {
			if other.RevokedAt == nil && fold.String(other.Name) == fold.String(in.Name) {
				return errorf(Conflict, "name", fmt.Sprintf("an active key is named %q already (%s): revoke it, or name this one otherwise", other.Name, other.ID))
			}
		}
		if err := tx.InsertKey(ctx, k, hashKey(secret)); err != nil {
			return writeError("key", err)
		}
		return d.record(ctx, tx, newChange("create", "key", k.ID, "", nil, k))
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// Authenticate returns the key a secret belongs to. Unauthorized when no key has it or
// the key is revoked — checked on every request, so a revocation takes effect at once.
func (d *DB) Authenticate(ctx context.Context, secret string) (*APIKey, error) {
	want := hashKey(secret)
	gen, err := d.generation(ctx)
	if err != nil {
		return nil, err
	}
	cached, ok, token := d.keys.get(gen, string(want))
	if ok {
		return &cached, nil
	}
	k, stored, err := d.eng.Reads().KeyByHash(ctx, want)
	if errors.Is(err, ErrNoRow) {
		return nil, errorf(Unauthorized, "", "the API key is not valid")
	}
	if err != nil {
		return nil, fmt.Errorf("db: authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare(stored, want) != 1 {
		return nil, errorf(Unauthorized, "", "the API key is not valid")
	}
	if k.RevokedAt != nil {
		return nil, errorf(Unauthorized, "", "the API key has been revoked")
	}
	d.keys.put(gen, token, string(want), *k)
	return k, nil
}

// Keys lists every key, revoked ones included, oldest first.
func (d *DB) Keys(ctx context.Context) ([]*APIKey, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	keys, err := d.eng.Reads().Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: list keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes a key at once. NotFound; revoking twice changes nothing.
func (d *DB) RevokeKey(ctx context.Context, id string) (*APIKey, error) {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return nil, err
	}
	var k *APIKey
	err := d.write(ctx, func(tx Tx) error {
		cur, err := tx.Key(ctx, id, true)
		if errors.Is(err, ErrNoRow) {
			return errorf(NotFound, "", "no API key with this ID")
		}
		if err != nil {
			return fmt.Errorf("db: find key: %w", err)
		}
		k = cur
		if cur.RevokedAt != nil {
			return nil
		}
		now := d.now()
		if err := tx.RevokeKey(ctx, id, now); err != nil {
			return writeError("key", err)
		}
		revoked := *cur
		t := now.Truncate(time.Microsecond)
		revoked.RevokedAt = &t
		k = &revoked
		return d.record(ctx, tx, newChange("revoke", "key", id, "", cur, &revoked))
	})
	return k, err
}
