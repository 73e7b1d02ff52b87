//go:build !sqlite_fts5

package sqlite

// Verbatim's search runs on SQLite's FTS5, which go-sqlite3 compiles only when asked.
// Building without the tag stops here, on an identifier that says what to do:
//
//	go build -tags sqlite_fts5 ./...
var _ = build_with_tags_sqlite_fts5_see_README
