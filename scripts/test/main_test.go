package main

import (
	"bytes"
	"strings"
	"testing"
)

// A run's events as go test -json writes them: a passing package with a skipped test and
// a skipped subtest, a failing test with a subtest, and a package without tests.
const events = `{"Action":"start","Package":"ex/a"}
{"Action":"run","Package":"ex/a","Test":"TestPG"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"=== RUN   TestPG\n"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"    dbtest.go:102: PostgreSQL tests need a server: start one\n"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"--- SKIP: TestPG (0.00s)\n"}
{"Action":"skip","Package":"ex/a","Test":"TestPG","Elapsed":0}
{"Action":"output","Package":"ex/a","Test":"TestBoth/postgres","Output":"    x_test.go:9: PostgreSQL tests need a server: start one\n"}
{"Action":"skip","Package":"ex/a","Test":"TestBoth/postgres","Elapsed":0}
{"Action":"output","Package":"ex/a","Test":"TestBoth","Output":"    x_test.go:3: quiet line of a passing test\n"}
{"Action":"pass","Package":"ex/a","Test":"TestBoth","Elapsed":0.1}
{"Action":"output","Package":"ex/a","Test":"TestBrowser","Output":"    ui_test.go:41: the browser tests need Chromium\n"}
{"Action":"skip","Package":"ex/a","Test":"TestBrowser","Elapsed":0}
{"Action":"output","Package":"ex/a","Output":"PASS\n"}
{"Action":"output","Package":"ex/a","Output":"ok  \tex/a\t1.250s\n"}
{"Action":"pass","Package":"ex/a","Elapsed":1.25}
{"Action":"output","Package":"ex/b","Test":"TestBad","Output":"=== RUN   TestBad\n"}
{"Action":"output","Package":"ex/b","Test":"TestBad/sub","Output":"    b_test.go:7: want 2, got 3\n"}
{"Action":"fail","Package":"ex/b","Test":"TestBad/sub","Elapsed":0}
{"Action":"output","Package":"ex/b","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"ex/b","Test":"TestBad","Elapsed":0}
{"Action":"output","Package":"ex/b","Output":"FAIL\tex/b\t0.5s\n"}
{"Action":"fail","Package":"ex/b","Elapsed":0.5}
{"Action":"output","Package":"ex/d","Output":"ok  \tex/d\t(cached)\n"}
{"Action":"pass","Package":"ex/d","Elapsed":0}
{"Action":"output","Package":"ex/c","Output":"?   \tex/c\t[no test files]\n"}
{"Action":"skip","Package":"ex/c","Elapsed":0}
`

func TestSummarise(t *testing.T) {
	var out bytes.Buffer
	s := summarise(strings.NewReader(events), &out)
	s.report(&out)
	want := "ok  \tex/a\t1.250s\n" +
		"=== RUN   TestBad\n    b_test.go:7: want 2, got 3\n--- FAIL: TestBad (0.00s)\n" +
		"FAIL\tex/b\t0.5s\n" +
		"ok  \tex/d\t(cached)\n" +
		"?   \tex/c\t[no test files]\n" +
		"\n3 tests skipped (go test -v lists them):\n" +
		"     2  PostgreSQL tests need a server: start one\n" +
		"     1  the browser tests need Chromium\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestNamesPackages(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-run", "Search"}, false},
		{[]string{"-run", "Search", "./api/"}, true},
		{[]string{"./..."}, true},
		{[]string{"-count=1", "./db/..."}, true},
	}
	for _, tt := range tests {
		if got := namesPackages(tt.args); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.args, got, tt.want)
		}
	}
}
