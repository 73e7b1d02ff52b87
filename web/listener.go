package web

import (
	"net"
	"net/netip"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Connections caps the connections the door is served through.
type Connections struct {
	// Max is how many connections are served at once; more wait in the kernel's backlog
	// to be accepted, as with netutil.LimitListener. Zero caps nothing.
	Max int
	// PerAddress is how many of them one address may hold — an IPv6 /64 counting as one,
	// as for the budgets — so that one client's idle sockets cannot take every slot and
	// leave the others waiting: a connection past it is closed at once. The trusted
	// proxies carry many clients' connections and are exempt. Zero caps nothing.
	PerAddress int
}

// Listener is ln with the caps of c. Connections refused for their address are counted
// in /metrics (verbatim_connections_refused_total), never logged one by one: a client
// reopening them at speed would flood the log.
func (d *Door) Listener(ln net.Listener, c Connections) net.Listener {
	l := &listener{Listener: ln, per: c.PerAddress, trusted: d.trusted, open: map[netip.Addr]int{}, done: make(chan struct{}),
		refused: d.metrics.refused}
	if c.Max > 0 {
		l.slots = make(chan struct{}, c.Max)
	}
	return l
}

type listener struct {
	net.Listener
	slots   chan struct{} // one per connection served; nil: no cap
	per     int
	trusted []netip.Prefix
	refused prometheus.Counter

	mu   sync.Mutex
	open map[netip.Addr]int // connections served, by address (an IPv6 /64 by its first address)

	closeOnce sync.Once
	done      chan struct{}
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		if l.slots != nil {
			select {
			case l.slots <- struct{}{}:
			case <-l.done:
				return nil, net.ErrClosed
			}
		}
		c, err := l.Listener.Accept()
		if err != nil {
			l.free()
			return nil, err
		}
		addr, capped := l.addressOf(c.RemoteAddr())
		if capped {
			l.mu.Lock()
			full := l.open[addr] >= l.per
			if !full {
				l.open[addr]++
			}
			l.mu.Unlock()
			if full {
				c.Close()
				l.free()
				l.refused.Inc()
				continue
			}
		}
		return &conn{Conn: c, l: l, addr: addr, capped: capped}, nil
	}
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// free gives a slot back.
func (l *listener) free() {
	if l.slots != nil {
		<-l.slots
	}
}

// addressOf is the address a connection counts against, and whether it is capped.
func (l *listener) addressOf(a net.Addr) (netip.Addr, bool) {
	if l.per <= 0 {
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, false
	}
	ip := ap.Addr().Unmap()
	for _, p := range l.trusted {
		if p.Contains(ip) {
			return netip.Addr{}, false
		}
	}
	return clientNet(ip), true
}

// clientNet is the address a client is counted by: an IPv4 address, or the first of an
// IPv6 address's /64, which one subscriber usually holds whole.
func clientNet(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// conn gives its slot and its address's count back when closed, once.
type conn struct {
	net.Conn
	l      *listener
	addr   netip.Addr
	capped bool
	once   sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.capped {
			c.l.mu.Lock()
			if c.l.open[c.addr]--; c.l.open[c.addr] <= 0 {
				delete(c.l.open, c.addr)
			}
			c.l.mu.Unlock()
		}
		c.l.free()
	})
	return err
}
