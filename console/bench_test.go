package console_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// The console's main pages against the API's answer for the same quote, through the same
// server and the same HTTP stack, over an archive of 2,000 quotes: what rendering a page
// (and the reads it needs) costs beside the JSON.
//
//	go test -tags sqlite_fts5 -run '^$' -bench . -count 5 ./console/
func BenchmarkPages(b *testing.B) {
	s := newSite(b)
	// Quotes of ten words drawn from a vocabulary, so that, as in an archive, few are
	// variants of each other; one in five names NATO.
	vocab := strings.Fields(`talks ceasefire minerals deal sanctions border troops envoy summit grain port energy
		election budget tariffs inflation refugees drones missiles aid treaty court ruling vote reform pipeline
		harbour frontline prisoners exchange guarantees security council mandate embargo convoy airspace`)
	rng := rand.New(rand.NewPCG(1, 2))
	var ins []db.QuoteInput
	for i := range 2000 {
		words := make([]string, 10)
		for j := range words {
			words[j] = vocab[rng.IntN(len(vocab))]
		}
		if i%5 == 0 {
			words[3] = "NATO"
		}
		ins = append(ins, db.QuoteInput{Text: strings.Join(words, " "),
			SpeakerName: str(fmt.Sprintf("Speaker %d", i%40)), OutletName: str(fmt.Sprintf("Outlet %d", i%12)),
			SaidOn: str(fmt.Sprintf("2025-%02d-%02d", i%12+1, i%28+1)), Tags: []string{"nato"}})
	}
	if err := s.d.CreateQuotes(bg, ins); err != nil {
		b.Fatal(err)
	}
	p, err := s.d.ListQuotes(bg, db.QuoteFilter{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	q := p.Data[0]
	if _, err := s.d.AppendVerdict(bg, q.ID, nil, db.VerdictInput{Attribution: "disputed", Summary: "Two transcripts differ."}); err != nil {
		b.Fatal(err)
	}
	secret := s.key("bench", "factchecker")
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	if _, err := client.PostForm(s.srv.URL+"/console/signin", url.Values{"key": {secret}}); err != nil {
		b.Fatal(err)
	}
	get := func(b *testing.B, path string, header http.Header) {
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
			for k, v := range header {
				req.Header[k] = v
			}
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Fatalf("%s: %d", path, res.StatusCode)
			}
		}
	}
	api := http.Header{"Authorization": {"Bearer " + secret}}
	b.Run("api-quote", func(b *testing.B) { get(b, "/v1/quotes/"+q.ID, api) })
	b.Run("console-quote", func(b *testing.B) { get(b, "/console/quotes/"+q.ID, nil) })
	b.Run("api-search", func(b *testing.B) {
		get(b, "/v1/quotes?q=nato+talks&facets=speaker,outlet,year,attribution,rating,tag", api)
	})
	b.Run("console-search", func(b *testing.B) { get(b, "/console/search?q=nato+talks", nil) })
	b.Run("console-queue", func(b *testing.B) { get(b, "/console/queue", nil) })
}
