package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/verbatimhq/verbatim/db"
)

// The command line's import keeps the API's rules: locally (as the operator, who may
// restore and give verdicts, but whose records are held to every field rule) and through
// a server, where the key's role decides what may be written.
func TestImportCommandKeepsTheRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lines := []string{
		`{"text": "Good words", "speaker_name": "Ann"}`,
		`{"text": "Tab\there, BEL` + "\\u0007" + `", "speaker_name": "Ann"}`,
		`{"text": "Bad lang", "speaker_name": "Ann", "lang": "not a bcp47 tag!!"}`,
		`{"text": "Script", "speaker_name": "Ann", "source_url": "javascript:alert(1)"}`,
		`{"id": "../../phish", "text": "Forged", "speaker": {"id": "spk_1", "name": "S"}, "speaker_detail": {"id": "spk_1", "name": "S"}, "attribution": "certified_by_the_ceo", "version": -5}`,
		`{"text": "Rated words", "speaker_name": "Ann", "rating_label": "False"}`,
	}
	file := filepath.Join(dir, "mixed.ndjson")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tsv := filepath.Join(dir, "latin1.tsv")
	if err := os.WriteFile(tsv, []byte("caf\xe9 words\tAnn\nplain words\tAnn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "local.db")
	result := func(out []byte) db.ImportResult {
		t.Helper()
		var res db.ImportResult
		i := bytes.LastIndex(out, []byte("\n{"))
		if err := json.Unmarshal(out[i+1:], &res); err != nil {
			t.Fatalf("import output %s: %v", out, err)
		}
		return res
	}
	fields := func(res db.ImportResult) map[int]string {
		m := map[int]string{}
		for _, e := range res.Errors {
			m[e.Line] = e.Field
		}
		return m
	}
	out, _ := verbatimCmd("import", file, "--db", dbPath).Output()
	res := result(out)
	want := map[int]string{2: "text", 3: "lang", 4: "source_url", 5: "id"}
	if res.Created != 2 || res.Rejected != 4 || !equalMaps(fields(res), want) {
		t.Errorf("local import: %+v, want lines %v rejected", res, want)
	}
	out, _ = verbatimCmd("import", tsv, "--db", dbPath, "--format", "tsv", "--map", "text=1,speaker=2").Output()
	if res := result(out); res.Created != 1 || res.Rejected != 1 || res.Errors[0].Line != 1 || res.Errors[0].Field != "text" {
		t.Errorf("TSV with a byte that is not UTF-8: %+v", res)
	}

	// Through a server, as an editor: the rating label needs a factchecker.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, _, done, _ := startServe(t, ctx, []string{"--db", filepath.Join(dir, "served.db")}, noEnv)
	keyOut, err := verbatimCmd("keys", "create", "--db", filepath.Join(dir, "served.db"), "--name", "desk", "--role", "editor").Output()
	if err != nil {
		t.Fatal(err)
	}
	editor := strings.TrimSpace(string(keyOut[bytes.LastIndexByte(bytes.TrimSpace(keyOut), '\n')+1:]))
	out, _ = verbatimCmd("import", file, "--server", base, "--key", editor).Output()
	res = result(out)
	want = map[int]string{2: "text", 3: "lang", 4: "source_url", 5: "id", 6: "verdicts"}
	if res.Created != 1 || res.Rejected != 5 || !equalMaps(fields(res), want) {
		t.Errorf("import through the server as an editor: %+v, want lines %v rejected", res, want)
	}
	cancel()
	<-done
}

func equalMaps(a, b map[int]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !strings.HasPrefix(v, b[k]) || b[k] == "" && v != "" {
			return false
		}
	}
	return true
}

// serve takes no more connections at once than --max-connections: the next waits until
// one is free.
func TestServeCapsConnections(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, _, done, _ := startServe(t, ctx, []string{"--db", filepath.Join(t.TempDir(), "v.db"), "--max-connections", "1"}, noEnv)
	// Let go of startServe's keep-alive connection, then hold the only slot.
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	hold, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	client := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := client.Get(base + "/healthz"); err == nil {
		res.Body.Close()
		t.Fatalf("a second connection was served while the cap was held: %d", res.StatusCode)
	}
	hold.Close()
	client.Timeout = 5 * time.Second
	res, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("once the slot was free: %v", err)
	}
	res.Body.Close()
	cancel()
	<-done
}

// One address holds no more than --max-connections-per-address: its next connection is
// closed at once, and another address is served at once while it holds its share. A
// trusted proxy, carrying many clients, is exempt.
func TestServeCapsConnectionsPerAddress(t *testing.T) {
	t.Parallel()
	dialFrom := func(t *testing.T, from, to string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
		c, err := d.Dial("tcp", to)
		if err != nil {
			t.Fatalf("dial from %s: %v", from, err)
		}
		return c
	}
	// closedAtOnce reports whether the server closes c without a word.
	closedAtOnce := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		_, err := c.Read(make([]byte, 1))
		return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
	}
	for _, tc := range []struct {
		name    string
		flags   []string
		refused bool
	}{
		{"capped", nil, true},
		{"trusted proxy", []string{"--trusted-proxy", "127.0.0.2"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := append([]string{"--db", filepath.Join(t.TempDir(), "v.db"), "--max-connections", "6", "--max-connections-per-address", "3"}, tc.flags...)
			base, _, done, _ := startServe(t, ctx, args, noEnv)
			var held []net.Conn
			defer func() {
				for _, c := range held {
					c.Close() // a connection that never sent a request holds up the shutdown
				}
				cancel()
				<-done
			}()
			addr := strings.TrimPrefix(base, "http://")
			for range 3 {
				held = append(held, dialFrom(t, "127.0.0.2", addr)) // idle, holding
			}
			time.Sleep(100 * time.Millisecond)
			fourth := dialFrom(t, "127.0.0.2", addr)
			held = append(held, fourth)
			if got := closedAtOnce(fourth); got != tc.refused {
				t.Errorf("the address's fourth connection closed at once: %v, want %v", got, tc.refused)
			}
			client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
				DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}}).DialContext}}
			start := time.Now()
			res, err := client.Get(base + "/healthz")
			if err != nil {
				t.Fatalf("another address while the first holds its share: %v", err)
			}
			res.Body.Close()
			if took := time.Since(start); took > time.Second {
				t.Errorf("another address waited %v", took)
			}
			res, err = client.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			want := "verbatim_connections_refused_total 0"
			if tc.refused {
				want = "verbatim_connections_refused_total 1"
			}
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		})
	}
}

// verbatim restore refuses a database a running server holds.
func TestRestoreCommandRefusesADatabaseInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, _, done, _ := startServe(t, ctx, []string{"--db", live}, noEnv)
	backup := filepath.Join(dir, "night#1.db")
	if out, err := verbatimCmd("backup", backup, "--db", live).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "night")); err == nil {
		t.Error("the backup left a stray file named night")
	}
	out, err := verbatimCmd("restore", backup, "--db", live, "--force").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use") {
		t.Errorf("restore over the served database: %v\n%s", err, out)
	}
	cancel()
	<-done
	if out, err := verbatimCmd("restore", backup, "--db", live, "--force").CombinedOutput(); err != nil {
		t.Errorf("restore once the server stopped: %v\n%s", err, out)
	}
}
