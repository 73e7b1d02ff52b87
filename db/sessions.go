package db

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Session is a sign-in to the console: the API key it was opened with, which decides
// everything the session may do, and the token its forms must send back (CSRF).
type Session struct {
	Key       APIKey
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Actor is who the session's requests act as: its key, exactly as the API would.
func (s *Session) Actor() Actor { return Actor{Name: s.Key.Name, KeyID: s.Key.ID, Role: s.Key.Role} }

// SessionRow is a session as stored: the hash of its token, never the token.
type SessionRow struct {
	TokenHash []byte
	KeyID     string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// MaxSessionsPerKey is how many console sessions one key holds at once: a person signs in
// on a few browsers, and signing in past the cap ends the oldest rather than piling up
// sessions for whoever holds the key.
const MaxSessionsPerKey = 20

// OpenSession signs in with an API key's secret: Unauthorized when the key is unknown or
// revoked. It returns the session and its token, which is shown once (the cookie) and
// stored only as a hash. Expired sessions are forgotten on the way, and the key's oldest
// past MaxSessionsPerKey are ended.
func (d *DB) OpenSession(ctx context.Context, secret string, ttl time.Duration) (*Session, string, error) {
	k, err := d.Authenticate(ctx, secret)
	if err != nil {
		return nil, "", err
	}
	now := d.now().Truncate(time.Microsecond)
	token := randomToken()
	row := SessionRow{TokenHash: hashKey(token), KeyID: k.ID, CSRF: randomToken(), CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = d.write(ctx, func(tx Tx) error {
		if err := tx.ExpireSessions(ctx, now); err != nil {
			return fmt.Errorf("db: expire sessions: %w", err)
		}
		if err := tx.InsertSession(ctx, row); err != nil {
			return fmt.Errorf("db: open session: %w", err)
		}
		if err := tx.TrimSessions(ctx, k.ID, MaxSessionsPerKey); err != nil {
			return fmt.Errorf("db: end the oldest sessions: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return &Session{Key: *k, CSRF: row.CSRF, CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt}, token, nil
}

// Session returns the session of a token: Unauthorized when there is none, it has
// expired, or its key has been revoked since — checked on every request, as the API
// checks keys, so a revocation ends its sessions at once.
func (d *DB) Session(ctx context.Context, token string) (*Session, error) {
	var s *Session
	err := d.read(ctx, func(tx Tx) error {
		row, err := tx.SessionByHash(ctx, hashKey(token))
		if errors.Is(err, ErrNoRow) {
			return errorf(Unauthorized, "", "not signed in, or the session has ended")
		}
		if err != nil {
			return fmt.Errorf("db: read session: %w", err)
		}
		if !d.now().Before(row.ExpiresAt) {
			return errorf(Unauthorized, "", "the session has expired; sign in again")
		}
		k, err := tx.Key(ctx, row.KeyID, false)
		if errors.Is(err, ErrNoRow) {
			return errorf(Unauthorized, "", "the session's key no longer exists")
		}
		if err != nil {
			return fmt.Errorf("db: read session key: %w", err)
		}
		if k.RevokedAt != nil {
			return errorf(Unauthorized, "", "the session's API key has been revoked")
		}
		s = &Session{Key: *k, CSRF: row.CSRF, CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt}
		return nil
	})
	return s, err
}

// CloseSession signs out: the token no longer opens anything.
func (d *DB) CloseSession(ctx context.Context, token string) error {
	return d.write(ctx, func(tx Tx) error {
		if err := tx.DeleteSession(ctx, hashKey(token)); err != nil {
			return fmt.Errorf("db: close session: %w", err)
		}
		return nil
	})
}
