package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/outbound"
	"github.com/verbatimhq/verbatim/sources"
)

// fetchSources runs a source fetcher over store until the test ends.
func fetchSources(t *testing.T, store *db.DB, allowPrivate bool, ports ...int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &sources.Fetcher{DB: store, Poll: 20 * time.Millisecond, Checker: &sources.Checker{MaxBytes: 64 << 10,
		Client: outbound.New(outbound.Options{AllowPrivate: allowPrivate, Ports: ports, Timeout: 500 * time.Millisecond})}}
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// settled waits for a citation's source check to leave pending, and returns the citation.
func (e *env) settled(t *testing.T, quoteID, id string) db.Citation {
	t.Helper()
	var c db.Citation
	eventually(t, "the source check", func() bool {
		e.do("GET", "/v1/quotes/"+quoteID+"/citations/"+id, "").decode(t, &c)
		return c.Source != nil && c.Source.State != "pending"
	})
	return c
}

// The server fetches a cited page and says whether the quote's words stand in it — as
// typeset, in markup, in the page's own character set — where, and whether the page
// changed when fetched again; pages too large, too slow or at private addresses are
// refused, saying why.
func TestSourceFetch(t *testing.T) {
	t.Parallel()
	var version atomic.Int32
	article := `<html><head><title>Kellogg</title><script>var s = "NATO isn't on the table";</script></head><body>
		<p>The envoy spoke on Sunday.</p><p>“NATO <em>isn’t</em> on the table,” Kellogg said, adding that talks would go on.</p></body></html>`
	mux := http.NewServeMux()
	mux.HandleFunc("/found", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(article))
	})
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.Write([]byte("<p>Il a dit : \xabNous ne c\xe9derons pas\xbb, hier.</p>")) // «Nous ne céderons pas»
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<p>The envoy declined to comment.</p>"))
	})
	mux.HandleFunc("/changing", func(w http.ResponseWriter, r *http.Request) {
		if version.Add(1) == 1 {
			w.Write([]byte(article))
			return
		}
		w.Write([]byte(strings.Replace(article, "isn’t</em> on the table", "is</em> on the table", 1)))
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat("<p>words</p>", 10000))) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/found", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.7"))
	})
	site := httptest.NewServer(mux)
	defer site.Close()
	port := (&receiver{Server: site}).port()

	e := newEnv(t)
	fetchSources(t, e.store, true, port)
	var q, fr db.Quote
	e.create("/v1/quotes", `{"text": "NATO isn't on the table.", "speaker_name": "Keith Kellogg"}`, &q)
	e.create("/v1/quotes", `{"text": "Nous ne céderons pas", "speaker_name": "Un ministre", "lang": "fr"}`, &fr)
	cite := func(quoteID, path string) db.Citation {
		t.Helper()
		var c db.Citation
		res := e.create("/v1/quotes/"+quoteID+"/citations", `{"url": "`+site.URL+path+`", "relation": "report", "fetch": true}`, &c)
		// The answer shows the check as it stands when the citation is read back: pending,
		// or already done when the worker was quicker than the handler.
		if res.Code != http.StatusCreated || c.Source == nil {
			t.Fatalf("cite %s: %d %s", path, res.Code, res.Body)
		}
		return e.settled(t, quoteID, c.ID)
	}

	found := cite(q.ID, "/found")
	s := found.Source
	sum := sha256.Sum256([]byte(article))
	if s.State != "fetched" || s.Found == nil || !*s.Found || s.FoundAt == nil || s.Context == nil ||
		!strings.Contains(*s.Context, "“NATO isn’t on the table,” Kellogg said") || strings.Contains(*s.Context, "<") ||
		*s.SHA256 != hex.EncodeToString(sum[:]) || *s.Status != 200 || *s.Bytes != int64(len(article)) || s.Changed != nil {
		t.Errorf("found: %+v (context %q)", s, deref(s.Context))
	}
	if text := *s.Context; *s.FoundAt < 20 || !strings.HasPrefix(text[strings.Index(text, "“")+len("“"):], "NATO") {
		t.Errorf("found at %d, context %q", *s.FoundAt, text)
	}
	if c := cite(fr.ID, "/latin1"); c.Source.Found == nil || !*c.Source.Found || !strings.Contains(*c.Source.Context, "«Nous ne céderons pas»") {
		t.Errorf("a Latin-1 page: %+v (context %q)", c.Source, deref(c.Source.Context))
	}
	if c := cite(q.ID, "/missing"); c.Source.State != "fetched" || c.Source.Found == nil || *c.Source.Found || c.Source.FoundAt != nil {
		t.Errorf("not found: %+v", c.Source)
	}
	changing := cite(q.ID, "/changing")
	if !*changing.Source.Found {
		t.Fatalf("the first fetch of the changing page: %+v", changing.Source)
	}
	if res := e.do("POST", "/v1/quotes/"+q.ID+"/citations/"+changing.ID+"/fetch", ""); res.Code != http.StatusAccepted {
		t.Fatalf("refetch: %d %s", res.Code, res.Body)
	}
	again := e.settled(t, q.ID, changing.ID)
	if again.Source.Changed == nil || !*again.Source.Changed || *again.Source.Found || *again.Source.SHA256 == *changing.Source.SHA256 {
		t.Errorf("refetched after the page changed: %+v", again.Source)
	}
	e.do("POST", "/v1/quotes/"+q.ID+"/citations/"+found.ID+"/fetch", "")
	if same := e.settled(t, q.ID, found.ID); same.Source.Changed == nil || *same.Source.Changed {
		t.Errorf("refetched, unchanged: %+v", same.Source)
	}

	for _, tc := range []struct{ path, why string }{
		{"/gone", "HTTP 404"},
		{"/big", "larger than"},
		{"/slow", "in time"},
		{"/moved", "redirects are not followed"},
	} {
		c := cite(q.ID, tc.path)
		if c.Source.State != "failed" || c.Source.Error == nil || !strings.Contains(*c.Source.Error, tc.why) || c.Source.Found != nil {
			t.Errorf("%s: %+v (error %q), want failed saying %q", tc.path, c.Source, deref(c.Source.Error), tc.why)
		}
	}
	if c := cite(q.ID, "/pdf"); c.Source.State != "fetched" || c.Source.Found != nil || c.Source.Error == nil ||
		!strings.Contains(*c.Source.Error, "application/pdf") {
		t.Errorf("a PDF: %+v", c.Source)
	}

	// A server that may not reach private addresses refuses the local page.
	guarded := newEnv(t)
	fetchSources(t, guarded.store, false, port)
	var gq db.Quote
	guarded.create("/v1/quotes", `{"text": "NATO isn't on the table", "speaker_name": "Keith Kellogg"}`, &gq)
	var c db.Citation
	guarded.create("/v1/quotes/"+gq.ID+"/citations", `{"url": "http://localhost:`+strconv.Itoa(port)+`/found", "relation": "report", "fetch": true}`, &c)
	c = guarded.settled(t, gq.ID, c.ID)
	if c.Source.State != "failed" || !strings.Contains(deref(c.Source.Error), "loopback") {
		t.Errorf("a private page: %+v (error %q)", c.Source, deref(c.Source.Error))
	}
	// Readers may not ask for fetches.
	reader := guarded.key("r", "reader")
	if res := guarded.do("POST", "/v1/quotes/"+gq.ID+"/citations/"+c.ID+"/fetch", "", "Authorization", "Bearer "+reader); res.Code != http.StatusForbidden {
		t.Errorf("a reader's refetch: %d", res.Code)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
