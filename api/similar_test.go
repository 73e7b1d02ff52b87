package api_test

import (
	"net/http"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

func TestSimilarAndDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var orig db.Quote
	e.create("/v1/quotes", kellogg, &orig)
	if len(orig.PossibleDuplicates) != 0 {
		t.Errorf("the first quote has duplicates: %+v", orig.PossibleDuplicates)
	}
	texts := map[string]string{
		"same":    "NATO is not on the table",
		"longer":  "Nato isn't on the table for Ukraine",
		"partial": "membership of NATO isn't on the table now, he said",
		"other":   "Markets closed higher on a quiet day",
	}
	ids := map[string]string{}
	for key, text := range texts {
		var q db.Quote
		e.create("/v1/quotes", mustJSON(t, map[string]any{"text": text, "speaker_name": "Someone"}), &q)
		ids[key] = q.ID
		switch key {
		case "same", "longer":
			found := false
			for _, d := range q.PossibleDuplicates {
				found = found || d.Quote.ID == orig.ID && d.Score >= db.DuplicateMin
			}
			if !found {
				t.Errorf("%q: possible_duplicates %+v, want the original", text, q.PossibleDuplicates)
			}
		case "other":
			if len(q.PossibleDuplicates) != 0 {
				t.Errorf("%q: possible_duplicates %+v, want none", text, q.PossibleDuplicates)
			}
		}
	}
	res := e.do(http.MethodGet, "/v1/quotes/"+orig.ID+"/similar", "")
	var list struct{ Data []db.SimilarQuote }
	res.decode(t, &list)
	if len(list.Data) != 3 {
		t.Fatalf("similar: %s", res.Body)
	}
	if list.Data[0].Quote.ID != ids["same"] || list.Data[0].Score != 1 {
		t.Errorf("best variant %+v, want the same words with score 1", list.Data[0])
	}
	for i := 1; i < len(list.Data); i++ {
		if list.Data[i].Score > list.Data[i-1].Score || list.Data[i].Score < db.SimilarMin {
			t.Errorf("scores out of order or under the threshold: %+v", list.Data)
		}
		if list.Data[i].Quote.ID == ids["other"] || list.Data[i].Quote.ID == orig.ID {
			t.Errorf("listed %s", list.Data[i].Quote.Text)
		}
	}
	// Editing the text moves the quote out of the variants.
	e.do(http.MethodPatch, "/v1/quotes/"+ids["same"], `{"text": "Sanctions will stay"}`)
	e.do(http.MethodGet, "/v1/quotes/"+orig.ID+"/similar?limit=1", "").decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Quote.ID == ids["same"] {
		t.Errorf("after the edit: %+v", list.Data)
	}
	runBad(t, e, []badCase{
		{name: "similar of unknown quote", method: "GET", path: "/v1/quotes/q_none/similar", status: 404},
		{name: "similar bad limit", method: "GET", path: "/v1/quotes/" + orig.ID + "/similar?limit=x", status: 400, field: "limit"},
		{name: "similar unknown param", method: "GET", path: "/v1/quotes/" + orig.ID + "/similar?min=0.1", status: 400, field: "min"},
	})
}
