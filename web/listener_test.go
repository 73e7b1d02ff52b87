package web

import (
	"net/netip"
	"testing"
)

// Connections and budgets count a client by its address: an IPv4 address as it is (also
// written as IPv6), an IPv6 address by its /64.
func TestClientNet(t *testing.T) {
	tests := []struct{ a, b string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::"},
	}
	for _, tt := range tests {
		if got := clientNet(netip.MustParseAddr(tt.a)); got != netip.MustParseAddr(tt.b) {
			t.Errorf("%s counts as %s, want %s", tt.a, got, tt.b)
		}
	}
	if clientNet(netip.MustParseAddr("2001:db8:1:2::1")) == clientNet(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("two /64s count as one")
	}
}
