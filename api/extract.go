package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/extract"
)

// ExtractRequest is an article to read quotes from, and whether to save them.
type ExtractRequest struct {
	db.Article
	Save bool `json:"save,omitempty" example:"false"`
} //@name ExtractRequest

// ExtractResponse is the candidates, with the language the article was read in and the
// model that weighed them.
type ExtractResponse struct {
	Lang           string               `json:"lang" example:"en"`              // the language read: the article's lang, or the one detected; und when none of those read
	LangDetected   bool                 `json:"lang_detected" example:"true"`   // false when the request gave lang
	LangConfidence float64              `json:"lang_confidence" example:"0.86"` // the detection's confidence; 1 when given
	Model          string               `json:"model" example:"lr-bc89e76f"`    // the extraction model's version, as saved quotes record it
	Threshold      float64              `json:"threshold" example:"0.6"`        // the operating point: what save stores
	Data           []ExtractedCandidate `json:"data"`
} //@name ExtractResponse

// ExtractedCandidate is a candidate, with the ID of the quote stored from it when the
// request saved it.
type ExtractedCandidate struct {
	extract.Candidate
	QuoteID *string `json:"quote_id,omitempty" example:"q_01JS8X2W5Q7K3M9N4P6R8T0V2Z"`
} //@name ExtractedCandidate

// handleExtract godoc
//
//	@Summary		Find the quotes in an article
//	@ID				extractQuotes
//	@Description	Reads article text and proposes its quotes for a person to confirm: the words exactly as they stand, their character offsets, the speaker resolved to the fullest name the article gives (a pronoun to the last person named; anonymous sources marked), the role the article gives, the cue, and where the article says so the outlet, the date (resolved against published_on) and the setting, with a confidence. The article is read in its lang when given, else in the language detected (en, de, fr, es, pt, it, ja, zh: each with its quote marks, cue verbs and word order); the answer says which. Rules propose every reading of each quoted stretch and a model trained on annotated news chooses among them: the confidence is its probability, calibrated (of candidates at 0.8, about 80% are right). Candidates below 0.3 are left out. With save, the candidates at or above the threshold the answer names (the operating point whose precision and recall are measured) are stored as unverified quotes in one transaction, each recording how it was extracted and in the language read, with the article (url) as a report citation; each saved candidate names its quote_id. No network.
//	@Tags			quotes
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			article	body		ExtractRequest	true	"the article"
//	@Success		200		{object}	ExtractResponse
//	@Failure		400		{object}	Problem	"malformed JSON, unknown field, wrong type or bad date"
//	@Failure		401		{object}	Problem	"no valid API key"
//	@Failure		403		{object}	Problem	"the key's role may not do this"
//	@Failure		413		{object}	Problem	"body over 1 MiB"
//	@Failure		415		{object}	Problem	"body is not JSON"
//	@Failure		422		{object}	Problem	"fields break the rules, or a candidate to save does"
//	@Failure		429		{object}	Problem	"the client's budget is spent, or too many searches are running"
//	@Failure		507		{object}	Problem	"the database is full: nothing was written"
//	@Router			/v1/extract [post]
func (s *Server) handleExtract(c echo.Context) error {
	var in ExtractRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	read, ids, err := s.store.ExtractArticle(c.Request().Context(), in.Article, in.Save)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewExtractResponse(read, ids))
}

// NewExtractResponse is the answer for an extraction: the reading, and the quote stored
// from each candidate ("" for none). The command line prints the same.
func NewExtractResponse(read extract.Result, ids []string) ExtractResponse {
	res := ExtractResponse{Lang: read.Lang, LangDetected: read.LangDetected, LangConfidence: read.LangConfidence,
		Model: extract.Version, Threshold: extract.Threshold, Data: make([]ExtractedCandidate, len(read.Candidates))}
	for i, cd := range read.Candidates {
		res.Data[i] = ExtractedCandidate{Candidate: cd}
		if i < len(ids) && ids[i] != "" {
			res.Data[i].QuoteID = &ids[i]
		}
	}
	return res
}
