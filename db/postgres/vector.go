package postgres

import (
	"slices"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/verbatimhq/verbatim/search"
)

// tsvector limits: positions run from 1 to 16,383, a lexeme keeps at most 256 of them and
// is at most 2,046 bytes long.
const (
	maxPosition  = 16383
	maxPositions = 256
	maxLexeme    = 2046
)

// vector is a quote's search index entry: the words of its text (weight A, the heaviest),
// its speaker's names (B) and its context (C), as search.IndexTokens splits and folds
// them. Each part starts one position after the last word of the one before plus one, so
// that a phrase never runs from one part into the next (in FTS5 they are columns).
func vector(text, speaker, context string) pgtype.TSVector {
	positions := map[string][]pgtype.TSVectorPosition{}
	pos := 0
	for _, part := range []struct {
		s string
		w pgtype.TSVectorWeight
	}{{text, pgtype.TSVectorWeightA}, {speaker, pgtype.TSVectorWeightB}, {context, pgtype.TSVectorWeightC}} {
		for _, tok := range search.IndexTokens(part.s) {
			pos++
			if len(tok) > maxLexeme {
				continue
			}
			p := positions[tok]
			if len(p) < maxPositions {
				positions[tok] = append(p, pgtype.TSVectorPosition{Position: uint16(min(pos, maxPosition)), Weight: part.w})
			}
		}
		pos++ // the gap between parts
	}
	v := pgtype.TSVector{Valid: true, Lexemes: make([]pgtype.TSVectorLexeme, 0, len(positions))}
	for w, p := range positions {
		v.Lexemes = append(v.Lexemes, pgtype.TSVectorLexeme{Word: w, Positions: dedupePositions(p)})
	}
	// PostgreSQL keeps lexemes sorted byte by byte.
	slices.SortFunc(v.Lexemes, func(a, b pgtype.TSVectorLexeme) int {
		switch {
		case a.Word < b.Word:
			return -1
		case a.Word > b.Word:
			return 1
		}
		return 0
	})
	return v
}

// dedupePositions drops the repeats past the position cap (all at 16,383), which
// PostgreSQL would refuse.
func dedupePositions(p []pgtype.TSVectorPosition) []pgtype.TSVectorPosition {
	return slices.CompactFunc(p, func(a, b pgtype.TSVectorPosition) bool { return a.Position == b.Position })
}
