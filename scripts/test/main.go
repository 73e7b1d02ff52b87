// Command test runs the project's tests — go test -tags sqlite_fts5, on ./... unless
// packages are named — and ends with what was skipped and how to run it. go test alone
// prints only "ok" for a package whose PostgreSQL or browser tests skipped for want of a
// server, which reads as if they had passed.
//
//	go run ./scripts/test                 # every package
//	go run ./scripts/test -run Search ./api/
//
// Its arguments go to go test. Failing tests print their output, as go test's do.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

// event is one line of go test -json (test2json's TestEvent).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

func main() {
	args := append([]string{"test", "-tags", "sqlite_fts5", "-json"}, os.Args[1:]...)
	if !namesPackages(os.Args[1:]) {
		args = append(args, "./...")
	}
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "test:", err)
		os.Exit(2)
	}
	s := summarise(out, os.Stdout)
	err = cmd.Wait()
	s.report(os.Stdout)
	if err != nil {
		os.Exit(1)
	}
}

// namesPackages reports whether args name packages (./api/, ./...) rather than only flags.
func namesPackages(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		return a == "." || strings.HasPrefix(a, "./") || strings.HasPrefix(a, "github.com/")
	})
}

// summary is what a run skipped, by reason.
type summary struct {
	skipped map[string][]string // reason → tests
}

// skipReason finds the message of a t.Skip in a test's output: "    file.go:12: reason".
var skipReason = regexp.MustCompile(`^\s+\S+\.go:\d+: (.+)$`)

// summarise prints what go test would without -json — each failing test's output and a
// line per package — and gathers the skips.
func summarise(r io.Reader, w io.Writer) *summary {
	s := &summary{skipped: map[string][]string{}}
	output := map[string][]string{} // package/test (or subtest) → its lines so far
	whole := map[string][]string{}  // package/top-level test → its and its subtests' lines, in order
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(w, sc.Text()) // not an event: pass it on
			continue
		}
		key := e.Package + "/" + e.Test
		top := key
		if name, _, sub := strings.Cut(e.Test, "/"); sub {
			top = e.Package + "/" + name
		}
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "output":
			output[key] = append(output[key], e.Output)
			whole[top] = append(whole[top], e.Output)
		case "skip":
			if e.Test == "" { // a package without tests: "?   pkg [no test files]"
				fmt.Fprint(w, strings.Join(output[key], ""))
				delete(output, key)
				break
			}
			reason := "no reason given"
			for _, line := range output[key] {
				if m := skipReason.FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
					reason = m[1]
					break
				}
			}
			s.skipped[reason] = append(s.skipped[reason], e.Package+"."+e.Test)
			delete(output, key)
			if key == top {
				delete(whole, top)
			}
		case "pass":
			if e.Test == "" { // go test's own line: "ok  pkg 1.2s", or "(cached)"
				i := slices.IndexFunc(output[key], func(l string) bool { return strings.HasPrefix(l, "ok  \t") })
				if i >= 0 {
					fmt.Fprint(w, output[key][i])
				} else {
					fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
				}
			}
			delete(output, key)
			if key == top {
				delete(whole, top)
			}
		case "fail":
			if e.Test != "" && !strings.Contains(e.Test, "/") { // a subtest's lines go with its parent's
				fmt.Fprint(w, strings.Join(whole[key], ""))
				delete(whole, key)
			} else if e.Test == "" {
				// The package's own lines: a panic, TestMain's output, the FAIL line.
				fmt.Fprint(w, strings.Join(output[key], ""))
				if !slices.ContainsFunc(output[key], func(l string) bool { return strings.HasPrefix(l, "FAIL\t") }) {
					fmt.Fprintf(w, "FAIL\t%s\n", e.Package)
				}
			}
			delete(output, key)
		}
	}
	return s
}

// report ends the run with the skips: how many, and each reason once, which says how to
// run them.
func (s *summary) report(w io.Writer) {
	n := 0
	reasons := make([]string, 0, len(s.skipped))
	for r, tests := range s.skipped {
		n += len(tests)
		reasons = append(reasons, r)
	}
	if n == 0 {
		return
	}
	slices.SortFunc(reasons, func(a, b string) int { return len(s.skipped[b]) - len(s.skipped[a]) })
	fmt.Fprintf(w, "\n%d tests skipped (go test -v lists them):\n", n)
	for _, r := range reasons {
		fmt.Fprintf(w, "  %4d  %s\n", len(s.skipped[r]), r)
	}
}
