// Package outbound is the HTTP client Verbatim calls other people's servers with —
// webhook receivers, the pages citations name — guarded so that a URL someone typed
// cannot make the server reach what only it can reach: its own loopback, the private
// network it sits in, the cloud's metadata service.
//
// The guard checks the address actually dialled, after DNS resolution, in the dialer
// itself: a name that resolved to a public address when it was checked and to a private
// one when it is used (DNS rebinding) is refused all the same, because there is no
// separate check to pass. Redirects are not followed (each hop would be a new URL to
// vet, and a receiver that redirects is misconfigured); proxies from the environment are
// not used (the proxy's address would be the one checked). Responses are capped in size
// and time.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// Options configure a Client.
type Options struct {
	// AllowPrivate permits loopback and private (RFC 1918, ULA, CGNAT) addresses, for
	// tests and in-house receivers. Link-local addresses — the metadata services live
	// there — stay refused.
	AllowPrivate bool
	// Ports are the ports allowed beside 80 and 443.
	Ports []int
	// Timeout bounds a whole exchange, the body read included.
	Timeout time.Duration
	// UserAgent names Verbatim to the other side.
	UserAgent string
	// Resolver resolves names (nil: the system's); tests give their own DNS server.
	Resolver *net.Resolver
}

// Client sends guarded requests.
type Client struct {
	opt  Options
	http *http.Client
}

// ErrRefused is the error of a request the guard stopped; errors.Is finds it.
var ErrRefused = errors.New("outbound: refused")

// ErrTooLarge is the error of a body longer than the caller's limit.
var ErrTooLarge = errors.New("outbound: the response is too large")

// New returns a Client with opt.
func New(opt Options) *Client {
	if opt.Timeout <= 0 {
		opt.Timeout = 15 * time.Second
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "Verbatim"
	}
	c := &Client{opt: opt}
	dialer := &net.Dialer{Timeout: opt.Timeout, KeepAlive: 30 * time.Second, Resolver: opt.Resolver, Control: c.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opt.Timeout,
	}
	c.http = &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is the answer, not an instruction
		},
	}
	return c
}

// control runs for every connection the dialer makes, on the address it is about to
// connect to: the IP the name resolved to, so nothing between check and use can change it.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %q is not an IP address", ErrRefused, host)
	}
	if why := c.refuseAddr(ip); why != "" {
		return fmt.Errorf("%w: %s is %s", ErrRefused, ip, why)
	}
	if p, _ := strconv.Atoi(port); !c.portAllowed(p) {
		return fmt.Errorf("%w: port %s is not allowed (serve --webhook-ports)", ErrRefused, port)
	}
	return nil
}

// The address ranges the guard judges, from IANA's IPv4 and IPv6 Special-Purpose Address
// Registries (the entries not globally reachable) and the forms that embed an IPv4
// address in an IPv6 one. The first range an address falls in decides; an address in
// none is public.

type addrRule int

const (
	refuse   addrRule = iota // never dialled, whatever the options
	private                  // dialled only with AllowPrivate
	embedded                 // judged by the IPv4 address it carries (at byte at)
)

type addrRange struct {
	prefix netip.Prefix
	what   string
	rule   addrRule
	at     int // where an embedded IPv4 address starts
}

func ranges(rs ...struct {
	prefix, what string
	rule         addrRule
	at           int
}) []addrRange {
	out := make([]addrRange, len(rs))
	for i, r := range rs {
		out[i] = addrRange{netip.MustParsePrefix(r.prefix), r.what, r.rule, r.at}
	}
	return out
}

var addrRanges = ranges([]struct {
	prefix, what string
	rule         addrRule
	at           int
}{
	// IPv4 (RFC 6890 and its updates).
	{"0.0.0.0/8", `"this network"`, refuse, 0},
	{"10.0.0.0/8", "private-use", private, 0},
	{"100.64.0.0/10", "shared address space (carrier-grade NAT, often a provider's internal network)", private, 0},
	{"127.0.0.0/8", "loopback", private, 0},
	{"169.254.0.0/16", "link-local (where cloud metadata services answer)", refuse, 0},
	{"172.16.0.0/12", "private-use", private, 0},
	{"192.0.0.0/24", "IETF protocol assignments", refuse, 0},
	{"192.0.2.0/24", "documentation (TEST-NET-1)", refuse, 0},
	{"192.88.99.0/24", "the deprecated 6to4 relay anycast", refuse, 0},
	{"192.168.0.0/16", "private-use", private, 0},
	{"198.18.0.0/15", "benchmarking", refuse, 0},
	{"198.51.100.0/24", "documentation (TEST-NET-2)", refuse, 0},
	{"203.0.113.0/24", "documentation (TEST-NET-3)", refuse, 0},
	{"224.0.0.0/4", "multicast", refuse, 0},
	{"240.0.0.0/4", "reserved (the limited broadcast included)", refuse, 0},
	// IPv6.
	{"::1/128", "loopback", private, 0},
	{"::/128", "unspecified", refuse, 0},
	{"::ffff:0:0/96", "IPv4-mapped", embedded, 12},
	{"::ffff:0:0:0/96", "IPv4-translated", refuse, 0},
	{"::/96", "IPv4-compatible (deprecated)", refuse, 0},
	{"64:ff9b::/96", "NAT64", embedded, 12},
	{"64:ff9b:1::/48", "local-use NAT64", refuse, 0},
	{"100::/64", "discard-only", refuse, 0},
	{"100:0:0:1::/64", "the dummy IPv6 prefix", refuse, 0},
	{"2001::/23", "IETF protocol assignments (Teredo included)", refuse, 0},
	{"2001:db8::/32", "documentation", refuse, 0},
	{"2002::/16", "6to4", embedded, 2},
	{"3fff::/20", "documentation", refuse, 0},
	{"5f00::/16", "segment routing (SRv6) SIDs", refuse, 0},
	{"fc00::/7", "unique local (private)", private, 0},
	{"fe80::/10", "link-local", refuse, 0},
	{"fec0::/10", "deprecated site-local", refuse, 0},
	{"ff00::/8", "multicast", refuse, 0},
}...)

// refuseAddr says why ip may not be dialled, or "".
func (c *Client) refuseAddr(ip netip.Addr) string {
	for _, r := range addrRanges {
		if !r.prefix.Contains(ip) {
			continue
		}
		switch r.rule {
		case embedded:
			b := ip.As16()
			if why := c.refuseAddr(netip.AddrFrom4([4]byte(b[r.at : r.at+4]))); why != "" {
				return r.what + " of an address that is " + why
			}
			return ""
		case private:
			if c.opt.AllowPrivate {
				return ""
			}
			return r.what + " (serve --webhook-allow-private permits it)"
		}
		return r.what
	}
	return ""
}

func (c *Client) portAllowed(p int) bool {
	return p == 80 || p == 443 || slices.Contains(c.opt.Ports, p)
}

// URLPattern is a receiver URL every guard takes, whatever its ports and however private
// it may be: http or https to a host name (no IP literal: which addresses are refused is
// the guard's options), on the scheme's own port, without credentials. The OpenAPI
// document gives it to webhook URLs; CheckURL takes more where serve's options allow.
const URLPattern = `^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~-]*[A-Za-z_~-][A-Za-z0-9._~-]*` +
	`([/?#]([^\x00-\x20\x7f%]|%[0-9A-Fa-f]{2})*)?$`

// CheckURL refuses a URL the client would refuse whatever it resolves to: not http or
// https, credentials in it, a port not allowed, or an IP literal that is refused. Names
// are not resolved here — what a name resolves to is checked when it is dialled.
func (c *Client) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: only http and https URLs", ErrRefused)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in a URL would be sent to whoever answers it", ErrRefused)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: no host", ErrRefused)
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return fmt.Errorf("%w: port %q", ErrRefused, p)
		}
	}
	if !c.portAllowed(port) {
		return fmt.Errorf("%w: port %d is not allowed (serve --webhook-ports)", ErrRefused, port)
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		if why := c.refuseAddr(ip); why != "" {
			return fmt.Errorf("%w: %s is %s", ErrRefused, ip, why)
		}
	}
	return nil
}

// Response is what came back, its body read up to the caller's limit.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Truncated is set when the body was longer than the limit and Do was told to keep
	// its start rather than fail.
	Truncated bool
}

// Do sends req and reads at most limit bytes of the answer. When the body is longer,
// Do fails with ErrTooLarge, or with truncate keeps the first limit bytes and stops
// reading. The whole exchange is bounded by the client's timeout.
func (c *Client) Do(ctx context.Context, req *http.Request, limit int64, truncate bool) (*Response, error) {
	if err := c.CheckURL(req.URL.String()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("User-Agent", c.opt.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, explain(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, explain(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if int64(len(body)) > limit {
		if !truncate {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		out.Body, out.Truncated = body[:limit], true
	}
	return out, nil
}

// ErrTimeout is the error of an exchange that ran out of time.
var ErrTimeout = errors.New("outbound: timed out")

// explain keeps the guard's refusal and a timeout recognisable through the layers
// net/http wraps them in.
func explain(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, ErrRefused):
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			return oe.Err
		}
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	return err
}
