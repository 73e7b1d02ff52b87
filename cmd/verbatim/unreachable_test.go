package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/verbatimhq/verbatim/db/dbtest"
)

// pgLink is a TCP path to a PostgreSQL server that a test can cut and mend: cut drops
// every connection through it and refuses new ones, as a server restarting or a network
// gone would.
type pgLink struct {
	ln     net.Listener
	target string // the server's Unix socket
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

// newPGLink opens a link to the server dsn names and returns dsn through it.
func newPGLink(t *testing.T, dsn string) (*pgLink, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	dir, port := q.Get("host"), q.Get("port")
	if !strings.HasPrefix(dir, "/") {
		t.Skip("the link test needs the server's Unix socket (.ci/postgres start gives one)")
	}
	if port == "" {
		port = "5432"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &pgLink{ln: ln, target: filepath.Join(dir, ".s.PGSQL."+port), conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); l.cut() })
	go l.serve()
	q.Del("host")
	q.Del("port")
	u.Host, u.RawQuery = ln.Addr().String(), q.Encode()
	return l, u.String()
}

func (l *pgLink) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		if l.down {
			l.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("unix", l.target)
		if err != nil {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns[c], l.conns[s] = true, true
		l.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

func (l *pgLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for c := range l.conns {
		c.Close()
	}
	clear(l.conns)
}

func (l *pgLink) mend() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
}

// While PostgreSQL cannot be reached every request that needs it is answered 503 with
// Retry-After — never 500 — and once it is back the same requests succeed.
func TestPostgresUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	link, dsn := newPGLink(t, dbtest.PostgresDSN(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, key, done, logs := startServe(t, ctx, []string{"--db", dsn, "--workers=false"}, noEnv)
	defer func() { cancel(); <-done }()
	n := node{base: base}
	res, body := n.do(t, "POST", "/v1/quotes", key, map[string]any{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	var q struct{ ID string }
	if err := json.Unmarshal(body, &q); err != nil {
		t.Fatal(err)
	}
	requests := []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/quotes/" + q.ID, nil},
		{"GET", "/v1/quotes?q=nato", nil},
		{"GET", "/v1/speakers", nil},
		{"POST", "/v1/quotes", map[string]any{"text": "Another sentence", "speaker_name": "Keith Kellogg"}},
		{"PATCH", "/v1/quotes/" + q.ID, map[string]any{"context": "Fox News interview"}},
		{"GET", "/v1/export", nil},
		{"GET", "/readyz", nil},
	}
	link.cut()
	for round := range 3 { // the pool's connections die on the first round; later rounds cannot connect
		for _, r := range requests {
			res, body := n.do(t, r.method, r.path, key, r.body)
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Errorf("round %d, %s %s with the database cut off: %d (Retry-After %q) %s", round, r.method, r.path, res.StatusCode, res.Header.Get("Retry-After"), body)
			}
		}
	}
	link.mend()
	for _, r := range requests[:3] {
		if res, body := n.do(t, r.method, r.path, key, r.body); res.StatusCode != http.StatusOK {
			t.Errorf("%s %s with the database back: %d %s", r.method, r.path, res.StatusCode, body)
		}
	}
	if t.Failed() {
		t.Log(logs)
	}
}
