package db

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"
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

// cursor is the keyset position after the last row of a page: the sort it belongs to and
// that row's sort key. Encoded, it is opaque to clients; it stays valid under inserts
// because it names a position in the order, not an offset.
type cursor struct {
	Sort string  `json:"s"`
	Key  string  `json:"k"`
	Seq  int64   `json:"q,omitempty"`
	Rank float64 `json:"r,omitempty"` // relevance: the bm25 score of the last row
	// Floor is the lowest rowid a relevance ranking considers (see rankWindow); kept so
	// that later pages rank the same window.
	Floor int64  `json:"f,omitempty"`
	ID    string `json:"i,omitempty"`
}

// encodeCursor signs c: a client cannot forge a position (a relevance cursor's floor
// would otherwise let it rank outside the rank window).
func (d *DB) encodeCursor(c cursor) *string {
	b, _ := json.Marshal(c) // a struct of strings and ints always marshals
	s := base64.RawURLEncoding.EncodeToString(b)
	s += "." + base64.RawURLEncoding.EncodeToString(d.cursorMAC(s))
	return &s
}

func (d *DB) cursorMAC(payload string) []byte {
	m := hmac.New(sha256.New, d.cursorKey)
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

func (d *DB) decodeCursor(s *string, sort string) (*cursor, error) {
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
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, bad
	}
	if c.Sort != sort {
		return nil, errorf(Malformed, "cursor", "this cursor belongs to another sort order")
	}
	return &c, nil
}

// listByName pages through a table ordered by (name_key, id). The select must end its
// columns with name_key; scan reads one row and returns it with that key.
func listByName[T any](ctx context.Context, d *DB, sortName string, limit int, cur *string,
	where []string, args []any, selectSQL string,
	scan func(*sql.Rows) (v T, key, id string, err error), after func(*sql.Tx, []T) error,
) (Page[T], error) {
	limit = clampLimit(limit)
	c, err := d.decodeCursor(cur, sortName)
	if err != nil {
		return Page[T]{}, err
	}
	if c != nil {
		where = append(where, `(name_key, id) > (?, ?)`)
		args = append(args, c.Key, c.ID)
	}
	query := selectSQL + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY name_key, id LIMIT ?`
	args = append(args, limit+1)
	page := Page[T]{Data: []T{}}
	var last cursor
	err = d.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("db: list %s: %w", sortName, err)
		}
		defer rows.Close()
		for rows.Next() {
			v, key, id, err := scan(rows)
			if err != nil {
				return fmt.Errorf("db: list %s: %w", sortName, err)
			}
			if len(page.Data) == limit {
				page.NextCursor = d.encodeCursor(last) // a row beyond the page: there is a next one
				break
			}
			page.Data = append(page.Data, v)
			last = cursor{Sort: sortName, Key: key, ID: id}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("db: list %s: %w", sortName, err)
		}
		return after(tx, page.Data)
	})
	if err != nil {
		return Page[T]{}, err
	}
	return page, nil
}

// deleteUnquoted deletes a speaker or outlet (resource) at the stored version, unless
// quotes name it, which is Conflict: the archive never loses who said a quote or where.
// The deletion is audited with the resource as it was.
func (d *DB) deleteUnquoted(ctx context.Context, tx *sql.Tx, resource, id string, version int64, ifMatch []int64, cur any) error {
	if err := checkVersion(version, ifMatch); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM quotes WHERE `+resource+`_id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("db: count quotes by %s: %w", resource, err)
	}
	if n > 0 {
		return errorf(Conflict, "", fmt.Sprintf("%d quotes name this %s; delete or reassign them first", n, resource))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+resource+`s WHERE id = ?`, id); err != nil {
		return fmt.Errorf("db: delete %s: %w", resource, classify(err))
	}
	return d.audit(ctx, tx, "delete", resource, id, "", cur, nil)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

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
	return errorf(PreconditionFailed, "", fmt.Sprintf("the resource is at version %d; fetch it again and reapply your change", stored))
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
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

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func joinAnd(where []string) string { return strings.Join(where, " AND ") }
