package db

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Page sizes: the default and the cap.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// encodeCursor signs c: a client cannot forge a position (a relevance cursor's floor
// would otherwise let it rank outside the rank window).
func (d *DB) encodeCursor(c Cursor) *string {
	b, _ := json.Marshal(c) // a struct of strings and numbers always marshals
	s := base64.RawURLEncoding.EncodeToString(b)
	s += "." + base64.RawURLEncoding.EncodeToString(d.cursorMAC(s))
	return &s
}

func (d *DB) cursorMAC(payload string) []byte {
	m := hmac.New(sha256.New, d.cursorKey)
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

func (d *DB) decodeCursor(s *string, sort string) (*Cursor, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	bad := errorf(Malformed, "cursor", "not a cursor this server issued; start again without one")
	payload, sig, ok := strings.Cut(*s, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, d.cursorMAC(payload)) {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, bad
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, bad
	}
	if c.Sort != sort {
		return nil, errorf(Malformed, "cursor", "this cursor belongs to another sort order")
	}
	return &c, nil
}

// page cuts rows, read with one row more than limit, to a page: when the extra row came,
// there is a next page, and its cursor is the position of the page's last row.
func page[T any](d *DB, rows []T, limit int, pos func(T) Cursor) Page[T] {
	p := Page[T]{Data: rows}
	if p.Data == nil {
		p.Data = []T{}
	}
	if len(rows) > limit {
		p.Data = rows[:limit]
		p.NextCursor = d.encodeCursor(pos(rows[limit-1]))
	}
	return p
}

// seqAfter is the key a cursor of a list ordered by key holds, 0 without one.
func seqAfter(c *Cursor) int64 {
	if c == nil {
		return 0
	}
	return c.Seq
}

// checkVersion passes when ifMatch is empty or holds the stored version.
func checkVersion(stored int64, ifMatch []int64) error {
	if len(ifMatch) == 0 {
		return nil
	}
	for _, v := range ifMatch {
		if v == stored {
			return nil
		}
	}
	return stale(stored)
}

func stale(stored int64) *Error {
	return errorf(PreconditionFailed, "", fmt.Sprintf("the resource is at version %d; fetch it again and reapply your change", stored))
}

// nullable turns a PATCH member into the pointer stored for a nullable column: nil when
// the member was null (or absent).
func nullable[T any](f Field[T]) *T {
	if !f.Set || f.Null {
		return nil
	}
	v := f.Value
	return &v
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func ptr[T any](v T) *T { return &v }
