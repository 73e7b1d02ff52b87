package sqlite

import (
	"database/sql"
	"strings"

	"github.com/mattn/go-sqlite3"
	"github.com/verbatimhq/verbatim/fold"
	"github.com/verbatimhq/verbatim/search"
)

// DriverName is go-sqlite3 with Verbatim's SQL functions on every connection: the search
// index and the name keys fold text in Go, as the PostgreSQL engine and the query side do,
// so that the two engines and both sides of the index fold alike (SQLite's unicode61
// knows Latin diacritics only: not ß, Greek final sigma, Arabic letter forms or Chinese,
// which it cannot split into words). Triggers call the functions, so a database written
// by another program (the sqlite3 shell) must not insert or edit quotes: it cannot index
// them.
const DriverName = "sqlite3_verbatim"

func init() {
	sql.Register(DriverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if err := c.RegisterFunc("verbatim_index", indexText, true); err != nil {
			return err
		}
		if err := c.RegisterFunc("verbatim_fold", foldText, true); err != nil {
			return err
		}
		return c.RegisterFunc("verbatim_quote_changed", quoteChanged, false)
	}})
}

// indexText is what the search index holds of a text: its words as search.IndexTokens
// folds them, one space apart. NULL indexes as nothing.
func indexText(v any) string {
	s, _ := v.(string)
	if b, ok := v.([]byte); ok {
		s = string(b)
	}
	return strings.Join(search.IndexTokens(s), " ")
}

// foldText is fold.String, for the name keys migrations recompute.
func foldText(s string) string { return fold.String(s) }
