package db

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The quote filter's parameters as every way in names them: the API's query string, the
// console's search form, `verbatim export --query`. One reader turns them into a
// QuoteFilter, so that a filter means the same whichever door it comes through.
var (
	// SearchParams select and order quotes.
	SearchParams = []string{"q", "speaker", "speaker_id", "outlet_id", "said_from", "said_to", "tag", "lang",
		"attribution", "rating", "appeared_in", "drifted", "min_appearances", "sort"}
	// ListParams are SearchParams with a page's: its facets, size and cursor.
	ListParams = slices.Concat(SearchParams, []string{"facets", "limit", "cursor"})
)

// QuoteFilterFrom reads a quote filter from parameters named as in ListParams; other
// names are not its to judge and are left alone. Empty values are absent. Malformed,
// naming the parameter: a limit that is not a whole number from 1, an unknown
// attribution, rating, sort or facet. (Dates, the query and the cursor are read when the
// filter is used, by ListQuotes and Export, whichever way it was built.)
func QuoteFilterFrom(v url.Values) (QuoteFilter, error) {
	str := func(name string) *string {
		if s := v.Get(name); s != "" {
			return &s
		}
		return nil
	}
	f := QuoteFilter{Q: str("q"), Speaker: str("speaker"), SpeakerID: str("speaker_id"), OutletID: str("outlet_id"),
		SaidFrom: str("said_from"), SaidTo: str("said_to"), Tag: str("tag"), Lang: str("lang"),
		Attribution: str("attribution"), Rating: str("rating"), Cursor: str("cursor")}
	f.AppearedIn = str("appeared_in")
	if s := str("drifted"); s != nil {
		b, err := strconv.ParseBool(*s)
		if err != nil {
			return f, errorf(Malformed, "drifted", "must be true or false")
		}
		f.Drifted = &b
	}
	if s := str("min_appearances"); s != nil {
		n, err := strconv.Atoi(*s)
		if err != nil || n < 1 || n > 1_000_000 {
			return f, errorf(Malformed, "min_appearances", "must be a whole number from 1")
		}
		f.MinAppearances = &n
	}
	if s := str("sort"); s != nil {
		f.Sort = *s
	}
	if facets := str("facets"); facets != nil {
		for _, facet := range strings.Split(*facets, ",") {
			if facet = strings.TrimSpace(facet); facet != "" {
				f.Facets = append(f.Facets, facet)
			}
		}
	}
	if s := str("limit"); s != nil {
		n, err := strconv.Atoi(*s)
		if err != nil || n < 1 {
			return f, errorf(Malformed, "limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxLimit))
		}
		f.Limit = min(n, MaxLimit) // above the cap is the cap
	}
	return f, f.check()
}

// check refuses enumerated filters outside their vocabulary: a misspelt attribution must
// not silently find nothing. Malformed.
func (f *QuoteFilter) check() error {
	for _, e := range []struct {
		name  string
		value *string
		vocab []string
	}{{"attribution", f.Attribution, Attributions}, {"rating", f.Rating, Ratings}} {
		if e.value != nil && !slices.Contains(e.vocab, *e.value) {
			return errorf(Malformed, e.name, "must be one of: "+strings.Join(e.vocab, ", "))
		}
	}
	if f.Sort != "" && !slices.Contains(QuoteSorts, f.Sort) {
		return errorf(Malformed, "sort", "must be one of: "+strings.Join(QuoteSorts, ", "))
	}
	for _, facet := range f.Facets {
		if !slices.Contains(Facets, facet) {
			return errorf(Malformed, "facets", "must be among: "+strings.Join(Facets, ", "))
		}
	}
	return nil
}
