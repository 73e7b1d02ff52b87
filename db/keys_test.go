package db

import (
	"context"
	"path/filepath"
	"testing"
)

// Authenticated keys are cached, yet a revocation takes effect on the very next request —
// also when another process (here a second handle on the file, as `verbatim keys revoke`
// is) revokes the key while the server has it cached.
func TestRevocationReachesACachedKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.db")
	server, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	for _, revoker := range []*DB{server, cli} {
		k, secret, err := server.CreateKey(ctx, KeyInput{Name: "desk", Role: "editor"})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // the first reads SQLite, the rest the cache
			got, err := server.Authenticate(ctx, secret)
			if err != nil || got.ID != k.ID || got.Role != "editor" {
				t.Fatalf("authenticate: %+v, %v", got, err)
			}
		}
		if _, err := revoker.RevokeKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := server.Authenticate(ctx, secret); ErrorCode(err) != Unauthorized {
			t.Errorf("revoked by %s: authenticate gave %v, want unauthorized", map[*DB]string{server: "the server", cli: "another process"}[revoker], err)
		}
	}
	if _, err := server.Authenticate(ctx, "vbt_not_a_key"); ErrorCode(err) != Unauthorized {
		t.Errorf("unknown key: %v", err)
	}
}
