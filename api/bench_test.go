package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/verbatimhq/verbatim/api"
	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/db/dbtest"
	"github.com/verbatimhq/verbatim/web"
)

// benchSetup opens a fresh database, lets seed fill it, and returns it with a server over
// it logging as in production (JSON lines) but to nowhere, and an admin key's header.
// The seeding is not what is measured.
func benchSetup(b *testing.B, seed func(ctx context.Context, store *db.DB)) (*db.DB, http.Handler, string) {
	b.Helper()
	ctx := dbtest.Operator
	store := dbtest.Open(b)
	seed(ctx, store)
	_, secret, err := store.CreateKey(ctx, db.KeyInput{Name: "bench", Role: "admin"})
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	b.ResetTimer()
	return store, api.NewHandler(store, api.Config{}, web.Options{Logger: logger}), "Bearer " + secret
}

// benchServer is a server over a fresh database with n stored quotes, and their IDs.
func benchServer(b *testing.B, n int) (http.Handler, []string, string) {
	b.Helper()
	ids := make([]string, n)
	_, srv, auth := benchSetup(b, func(ctx context.Context, store *db.DB) {
		for i := range ids {
			name := fmt.Sprintf("Speaker %d", i%50)
			outlet := fmt.Sprintf("Outlet %d", i%10)
			said := fmt.Sprintf("2025-%02d-%02d", i%12+1, i%28+1)
			q, err := store.CreateQuote(ctx, db.QuoteInput{Text: fmt.Sprintf("NATO isn’t on the table, said for the %dth time", i),
				SpeakerName: &name, OutletName: &outlet, SaidOn: &said, Tags: []string{"nato", "ukraine"}})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = q.ID
		}
	})
	return srv, ids, auth
}

func BenchmarkQuoteCreate(b *testing.B) {
	srv, _, auth := benchServer(b, 0)
	body := `{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg", "speaker_role": "US Special Envoy to Ukraine",
		"said_on": "2025-04-20", "outlet_name": "Fox News", "setting": "interview", "lang": "en", "tags": ["nato", "ukraine"]}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/quotes", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkQuoteGet reads quotes by ID through the whole stack; BenchmarkBareEchoGet
// answers the same bytes from a bare Echo handler. Compare the two from one run.
func BenchmarkQuoteGet(b *testing.B) {
	srv, ids, auth := benchServer(b, 1000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/v1/quotes/"+ids[i%len(ids)], nil)
			req.Header.Set("Authorization", auth)
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("%d %s", rec.Code, rec.Body)
				return
			}
		}
	})
}

func BenchmarkBareEchoGet(b *testing.B) {
	srv, ids, auth := benchServer(b, 1)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/quotes/"+ids[0], nil)
	req.Header.Set("Authorization", auth)
	srv.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	e := echo.New()
	e.GET("/v1/quotes/:id", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, body) })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/quotes/"+ids[0], nil))
		}
	})
}

// searchBench is a database of 5,000 quotes of 15 words drawn from 400 made-up ones, so
// that a one-word query matches about 190 quotes and a page is 20 hits with snippets, as
// a rare-word search over a large archive is; and the one-word queries to run on it.
func searchBench(b *testing.B) (*db.DB, http.Handler, []string, string) {
	b.Helper()
	words := make([]string, 400)
	for i := range words {
		words[i] = fmt.Sprintf("w%cq%cz%d", 'a'+i%26, 'a'+i/26%26, i)
	}
	store, srv, auth := benchSetup(b, func(ctx context.Context, store *db.DB) {
		var ins []db.QuoteInput
		for i := range 5000 {
			text := make([]string, 15)
			for j := range text {
				text[j] = words[(i*7+j*131+j*j*17)%len(words)]
			}
			name, outlet := fmt.Sprintf("Speaker %d", i%300), fmt.Sprintf("Outlet %d", i%40)
			said := fmt.Sprintf("20%02d-%02d-%02d", 10+i%15, i%12+1, i%28+1)
			ins = append(ins, db.QuoteInput{Text: strings.Join(text, " ") + ".", SpeakerName: &name, OutletName: &outlet, SaidOn: &said})
		}
		if err := store.CreateQuotes(ctx, ins); err != nil {
			b.Fatal(err)
		}
	})
	return store, srv, words, auth
}

// BenchmarkSearch runs the same one-word searches through the whole stack (router,
// middleware, key check, JSON, access log; no network) and as the bare store call the
// handler makes, from 2 goroutines: the difference is what the API adds to a search.
func BenchmarkSearch(b *testing.B) {
	b.Run("router", func(b *testing.B) {
		_, srv, words, auth := searchBench(b)
		b.ReportAllocs()
		b.SetParallelism(1) // GOMAXPROCS goroutines: 2 on the 2-core machines the targets are for
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, "/v1/quotes?limit=20&q="+words[i%len(words)], nil)
				req.Header.Set("Authorization", auth)
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || rec.Body.Len() < 5000 {
					b.Errorf("%d %.200s", rec.Code, rec.Body)
					return
				}
			}
		})
	})
	b.Run("store", func(b *testing.B) {
		store, _, words, _ := searchBench(b)
		ctx := dbtest.Operator
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				q := words[i%len(words)]
				page, err := store.ListQuotes(ctx, db.QuoteFilter{Q: &q, Limit: 20})
				if err != nil || len(page.Data) != 20 {
					b.Errorf("%d hits, %v", len(page.Data), err)
					return
				}
			}
		})
	})
}
