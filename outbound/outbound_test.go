package outbound

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestRefusedAddresses(t *testing.T) {
	closed, open := New(Options{}), New(Options{AllowPrivate: true})
	for _, tc := range []struct {
		ip                     string
		byDefault, withPrivate bool // refused?
	}{
		{"93.184.215.14", false, false},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", false, false},
		{"127.0.0.1", true, false},
		{"127.8.8.8", true, false},
		{"::1", true, false},
		{"::ffff:127.0.0.1", true, false}, // IPv4-mapped loopback
		{"10.1.2.3", true, false},
		{"172.16.0.1", true, false},
		{"192.168.1.1", true, false},
		{"100.64.0.1", true, false},     // carrier-grade NAT
		{"fd00:ec2::254", true, false},  // ULA (AWS's IPv6 metadata service)
		{"169.254.169.254", true, true}, // the metadata services, whatever the options
		{"fe80::1", true, true},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"224.0.0.1", true, true},
		{"255.255.255.255", true, true},
		{"64:ff9b::a9fe:a9fe", true, true},   // NAT64 of 169.254.169.254
		{"64:ff9b::7f00:1", true, false},     // NAT64 of 127.0.0.1
		{"64:ff9b::5db8:d70e", false, false}, // NAT64 of a public address
		{"198.18.0.1", true, true},
		{"192.0.2.1", true, true},
		// IPv6 forms that carry an IPv4 address, and the newer special-purpose ranges.
		{"::127.0.0.1", true, true},            // IPv4-compatible (deprecated): never
		{"::ffff:0:127.0.0.1", true, true},     // IPv4-translated: never
		{"2002:7f00:1::1", true, false},        // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::1", true, true},      // 6to4 of 169.254.169.254
		{"2002:c0a8:101::1", true, false},      // 6to4 of 192.168.1.1
		{"2002:5db8:d70e::1", false, false},    // 6to4 of a public address
		{"3fff::1", true, true},                // documentation (RFC 9637)
		{"5f00::1", true, true},                // SRv6 SIDs (RFC 9602)
		{"100:0:0:1::1", true, true},           // the dummy prefix (RFC 9780)
		{"2001::1", true, true},                // Teredo
		{"ff02::1", true, true},                // multicast
		{"fec0::1", true, true},                // site-local
		{"192.88.99.1", true, true},            // 6to4 relay anycast
		{"192.0.0.170", true, true},            // NAT64 discovery
		{"2620:4f:8000::1", false, false},      // AS112: globally reachable
		{"::ffff:169.254.169.254", true, true}, // IPv4-mapped metadata
		{"64:ff9b::c000:201", true, true},      // NAT64 of documentation
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := closed.refuseAddr(ip) != ""; got != tc.byDefault {
			t.Errorf("%s: refused %v by default, want %v", tc.ip, got, tc.byDefault)
		}
		if got := open.refuseAddr(ip) != ""; got != tc.withPrivate {
			t.Errorf("%s: refused %v with private addresses allowed, want %v", tc.ip, got, tc.withPrivate)
		}
	}
}

func TestCheckURL(t *testing.T) {
	c := New(Options{Ports: []int{8443}})
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://cms.example.org/hooks", true},
		{"http://cms.example.org:80/hooks", true},
		{"https://cms.example.org:8443/hooks", true},
		{"https://cms.example.org:8080/hooks", false},
		{"ftp://cms.example.org/", false},
		{"https://user:pass@cms.example.org/", false},
		{"http://127.0.0.1/", false},
		{"http://[::1]/", false},
		{"http://169.254.169.254/latest/meta-data/", false},
		{"http:///nohost", false},
		{"https://localhost/", true}, // a name: what it resolves to is checked when dialled
	} {
		if err := c.CheckURL(tc.url); (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
}

// port is a test server's port, which clients must be allowed to reach.
func port(t *testing.T, srv *httptest.Server) int {
	u, _ := url.Parse(srv.URL)
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, c *Client, u string, limit int64, truncate bool) (*Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(context.Background(), req, limit, truncate)
}

func TestDo(t *testing.T) {
	var hitsAfterRedirect atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("fine")) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/target", http.StatusFound) })
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) { hitsAfterRedirect.Add(1) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat("x", 5000))) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p := port(t, srv)

	t.Run("loopback refused by default", func(t *testing.T) {
		_, err := get(t, New(Options{Ports: []int{p}}), srv.URL+"/ok", 100, false)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "loopback") {
			t.Fatalf("err = %v, want a loopback refusal", err)
		}
	})
	t.Run("a name resolving to loopback refused when dialled", func(t *testing.T) {
		_, err := get(t, New(Options{Ports: []int{p}}), "http://localhost:"+strconv.Itoa(p)+"/ok", 100, false)
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("err = %v, want a refusal", err)
		}
	})
	open := New(Options{AllowPrivate: true, Ports: []int{p}, Timeout: 500 * time.Millisecond})
	t.Run("allowed when private addresses are", func(t *testing.T) {
		resp, err := get(t, open, srv.URL+"/ok", 100, false)
		if err != nil || resp.Status != 200 || string(resp.Body) != "fine" {
			t.Fatalf("resp %+v, err %v", resp, err)
		}
	})
	t.Run("a port not allowed refused", func(t *testing.T) {
		_, err := get(t, New(Options{AllowPrivate: true}), srv.URL+"/ok", 100, false)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "port") {
			t.Fatalf("err = %v, want a port refusal", err)
		}
	})
	t.Run("redirects answered, not followed", func(t *testing.T) {
		resp, err := get(t, open, srv.URL+"/redirect", 100, false)
		if err != nil || resp.Status != http.StatusFound || hitsAfterRedirect.Load() != 0 {
			t.Fatalf("resp %+v, err %v, %d hits after the redirect", resp, err, hitsAfterRedirect.Load())
		}
	})
	t.Run("too large", func(t *testing.T) {
		if _, err := get(t, open, srv.URL+"/big", 4096, false); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		resp, err := get(t, open, srv.URL+"/big", 1024, true)
		if err != nil || len(resp.Body) != 1024 || !resp.Truncated {
			t.Fatalf("truncating: %d bytes, truncated %v, err %v", len(resp.Body), resp.Truncated, err)
		}
	})
	t.Run("too slow", func(t *testing.T) {
		start := time.Now()
		if _, err := get(t, open, srv.URL+"/slow", 100, false); !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("gave up after %v, the timeout is 500ms", took)
		}
	})
}

// DNS rebinding: a name that resolves to a public address when a URL is vetted and to a
// private one when it is fetched. The guard vets the address dialled, so there is no
// earlier answer to exploit: a name the resolver maps to loopback at fetch time is refused
// however it resolved before. The resolver here is a DNS server of the test's own that
// answers "rebind.test" with a public address on its first query and 127.0.0.1 after.
func TestRebindingRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("inside")) }))
	defer srv.Close()
	p := port(t, srv)
	var queries atomic.Int32
	resolver := dnsServer(t, func(name string) netip.Addr {
		if queries.Add(1) == 1 {
			return netip.MustParseAddr("93.184.215.14")
		}
		return netip.MustParseAddr("127.0.0.1")
	})
	// What a check-then-fetch guard would have seen: a public address.
	addrs, err := resolver.LookupNetIP(context.Background(), "ip4", "rebind.test")
	if err != nil || len(addrs) != 1 || addrs[0].IsLoopback() {
		t.Fatalf("first look-up: %v %v", addrs, err)
	}
	target := "http://rebind.test:" + strconv.Itoa(p) + "/"
	closed := New(Options{Ports: []int{p}, Resolver: resolver, Timeout: time.Second})
	if err := closed.CheckURL(target); err != nil {
		t.Fatalf("CheckURL refuses a name: %v", err)
	}
	_, err = get(t, closed, target, 100, false)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("err = %v, want the dialled 127.0.0.1 refused", err)
	}
	open := New(Options{AllowPrivate: true, Ports: []int{p}, Resolver: resolver, Timeout: time.Second})
	resp, err := get(t, open, target, 100, false)
	if err != nil || string(resp.Body) != "inside" {
		t.Fatalf("with private addresses allowed: %+v %v", resp, err)
	}
}

// dnsServer answers A queries with answer(name), over UDP on a port of its own, and
// returns a resolver that asks it.
func dnsServer(t *testing.T, answer func(name string) netip.Addr) *net.Resolver {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if q.Type == dnsmessage.TypeA {
				a := answer(q.Name.String())
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0},
					dnsmessage.AResource{A: a.As4()})
			}
			msg, err := b.Finish()
			if err == nil {
				pc.WriteTo(msg, from)
			}
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

// Whatever URLPattern takes, every guard takes, however it is configured: the pattern is
// a promise the OpenAPI document makes to clients.
func TestURLPatternIsAlwaysTaken(t *testing.T) {
	re := regexp.MustCompile(URLPattern)
	strict := New(Options{})
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"http://", "https://", "HTTPS://", "cms.example.org", "localhost", "10.0.0.1", "[::1]", ":8080",
		"/hooks", "?a=1", "#x", "%2F", "@", "user:pw@", "a", "-", "1"}
	for range 100000 {
		var b strings.Builder
		for range 1 + r.IntN(5) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if re.MatchString(s) {
			if err := strict.CheckURL(s); err != nil {
				t.Errorf("%q matches URLPattern but the guard refuses it: %v", s, err)
			}
		}
	}
	for _, s := range []string{"https://cms.example.org/hooks/verbatim", "http://localhost/x"} {
		if !re.MatchString(s) {
			t.Errorf("%q does not match", s)
		}
	}
}
