package sqlite

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// sqliteURI names the file at path for SQLite. Every name goes to SQLite as a file: URI,
// where ? would begin the parameters, # a fragment and % an escape; so a path holding
// them ("night#1.db") must have them escaped, or SQLite opens — and may create — another
// file than the one named.
func sqliteURI(path string, params url.Values) string {
	u := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	return u
}

// ErrInUse is a database that another process holds open.
var ErrInUse = errors.New("the database is in use: a server or another verbatim command has it open; stop it first")

// holdFile takes a shared lock on the database file for as long as the handle is open:
// every process using the database holds one, so that a restore, which needs the file to
// itself, can tell. The lock is flock(2), which SQLite's own fcntl locks never touch.
func holdFile(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("db: %s is being restored; try again when the restore is done", path)
		}
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	return f, nil
}

// holdAlone takes the database file's lock for this process alone: ErrInUse while any
// other process holds it. A file that does not exist is nobody's; nil is returned.
func holdAlone(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrInUse
		}
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	return f, nil
}

// Shared reports whether another process — a server beside a command-line import, say —
// has the archive open. Where it cannot tell, it says yes.
func (e *Engine) Shared() bool {
	others, err := othersHold(e.held)
	return others || err != nil
}
