package postgres

import (
	"cmp"
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

// occurrence is a word at a position, of a part of the quote.
type occurrence struct {
	word   string
	pos    uint16
	weight pgtype.TSVectorWeight
}

// vector is a quote's search index entry: the words of its text (weight A, the heaviest),
// its speaker's names (B) and its context (C), as search.IndexTokens splits and folds
// them. Each part starts one position after the last word of the one before plus one, so
// that a phrase never runs from one part into the next (in FTS5 they are columns).
// Lexemes are sorted byte by byte, as PostgreSQL keeps them, with their positions in
// order and without repeats.
func vector(text, speaker, context string) pgtype.TSVector {
	var occ []occurrence
	pos := 0
	for _, part := range [...]struct {
		s string
		w pgtype.TSVectorWeight
	}{{text, pgtype.TSVectorWeightA}, {speaker, pgtype.TSVectorWeightB}, {context, pgtype.TSVectorWeightC}} {
		toks := search.IndexTokens(part.s)
		if occ == nil {
			occ = make([]occurrence, 0, len(toks)+16)
		}
		for _, tok := range toks {
			pos++
			if len(tok) <= maxLexeme {
				occ = append(occ, occurrence{tok, uint16(min(pos, maxPosition)), part.w})
			}
		}
		pos++ // the gap between parts
	}
	slices.SortFunc(occ, func(a, b occurrence) int { return cmp.Or(cmp.Compare(a.word, b.word), cmp.Compare(a.pos, b.pos)) })
	v := pgtype.TSVector{Valid: true}
	for i := 0; i < len(occ); {
		j := i
		positions := make([]pgtype.TSVectorPosition, 0, 1)
		for ; j < len(occ) && occ[j].word == occ[i].word; j++ {
			// Positions past the cap all read 16,383: PostgreSQL refuses repeats.
			if len(positions) < maxPositions && (len(positions) == 0 || positions[len(positions)-1].Position != occ[j].pos) {
				positions = append(positions, pgtype.TSVectorPosition{Position: occ[j].pos, Weight: occ[j].weight})
			}
		}
		v.Lexemes = append(v.Lexemes, pgtype.TSVectorLexeme{Word: occ[i].word, Positions: positions})
		i = j
	}
	return v
}
