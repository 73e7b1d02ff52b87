package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's walkthrough — recording Kellogg's quote, finding it, updating it with its
// ETag, citing it, giving it a verdict, reading the history and the ClaimReview — runs
// exactly as written against a fresh server, every curl required to succeed. Only the
// address (a free port instead of 8080) and the key (the one this server printed) differ.
func TestREADMEWalkthrough(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the walkthrough needs %s, which .ci/run installs", tool)
			}
			t.Skipf("the walkthrough needs %s (apt-get install %s)", tool, tool)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start, end := strings.Index(text, "## Recording Kellogg's quote"), strings.Index(text, "## Access control")
	if start < 0 || end < start {
		t.Fatal("the README's walkthrough sections are not where this test looks")
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text[start:end], -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d shell blocks in the walkthrough", len(blocks))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	base, key, done, _ := startServe(t, ctx, []string{"--db", filepath.Join(dir, "walkthrough.db")}, noEnv)
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	// Every request of the walkthrough must succeed: a 4xx or 5xx stops the script.
	script.WriteString("curl() { command curl --fail-with-body \"$@\"; }\n")
	script.WriteString("KEY=" + key + "\n")
	for _, b := range blocks {
		script.WriteString(strings.ReplaceAll(b[1], "http://127.0.0.1:8080", base))
		script.WriteString("\n")
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s\n--- script ---\n%s", err, out, script.String())
	}
	for _, want := range []string{"HTTP/1.1 201 Created", `Etag: "1"`, `"attribution":"verified"`, `"@type":"ClaimReview"`, `"alternateName":"Not checkable"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the walkthrough's output lacks %s:\n%s", want, out)
		}
	}
	cancel()
	<-done
}
