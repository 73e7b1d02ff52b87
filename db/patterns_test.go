package db

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// DatePattern and the date parser say the same of every day, month and year over four
// centuries (the leap years of 1900, 2000 and 2100 among them) and of the first and last
// years, impossible months and days included.
func TestDatePatternIsTheParser(t *testing.T) {
	years := []int{1, 2, 4, 9, 10, 99, 100, 400, 999, 1000, 9996, 9999}
	for y := 1896; y <= 2304; y++ {
		years = append(years, y)
	}
	parses := func(layout, s string) bool {
		tm, err := time.Parse(layout, s)
		return err == nil && tm.Format(layout) == s && tm.Year() >= 1
	}
	for _, y := range years {
		for _, s := range []string{fmt.Sprintf("%04d", y)} {
			if dateRE.MatchString(s) != parses("2006", s) {
				t.Errorf("%s: pattern %v, parser %v", s, dateRE.MatchString(s), parses("2006", s))
			}
		}
		for m := 0; m <= 13; m++ {
			ym := fmt.Sprintf("%04d-%02d", y, m)
			if dateRE.MatchString(ym) != parses("2006-01", ym) {
				t.Errorf("%s: pattern %v, parser %v", ym, dateRE.MatchString(ym), parses("2006-01", ym))
			}
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%s-%02d", ym, d)
				if dateRE.MatchString(s) != parses("2006-01-02", s) {
					t.Errorf("%s: pattern %v, parser %v", s, dateRE.MatchString(s), parses("2006-01-02", s))
				}
			}
		}
	}
	for _, s := range []string{"0000", "0000-01-01", "20250", "2025-1", "2025-01-1", " 2025", "2025-01-01T00:00:00Z", ""} {
		if dateRE.MatchString(s) {
			t.Errorf("%q matches the pattern", s)
		}
	}
}

func TestLangPattern(t *testing.T) {
	for _, tag := range []string{"en", "pt-BR", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1996", "en-x-verbatim", "x-klingon",
		"es-419", "yue", "zh-yue-HK", "en-US-u-ca-gregory", "EN-us"} {
		if !langRE.MatchString(tag) {
			t.Errorf("%q is refused", tag)
		}
	}
	for _, tag := range []string{"", "e", "en_US", "en-", "-en", "en--US", "123", "en-US-", "english language", "en-abcdefghi"} {
		if langRE.MatchString(tag) {
			t.Errorf("%q is taken", tag)
		}
	}
}

// Whatever WebURLPattern takes, Go's URL parser reads as an http or https URL with a
// host: the pattern is the whole rule a client needs.
func TestWebURLPatternParses(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ09.-_~:/?#[]@%!$&'()*+,;= \t\x7féÿ日")
	pieces := []string{"http://", "https://", "HTTP://", "example.com", "[::1]", "[4]", ":8080", ":", "/a/b", "?q=1", "#frag", "%2F",
		"%zz", "_", "~", "."}
	for range 200000 {
		var b strings.Builder
		for range 1 + r.IntN(5) {
			if r.IntN(2) == 0 {
				b.WriteString(pieces[r.IntN(len(pieces))])
			} else {
				b.WriteRune(alphabet[r.IntN(len(alphabet))])
			}
		}
		s := b.String()
		if !webURLRE.MatchString(s) {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			t.Errorf("%q matches the pattern but parses as %+v, %v", s, u, err)
		}
	}
	for _, s := range []string{"https://www.foxnews.com/video/kellogg-interview", "http://192.0.2.1:8080/a?b=c#d", "HTTPS://A.example/%C3%A9"} {
		if !IsWebURL(s) {
			t.Errorf("%q is refused", s)
		}
	}
	for _, s := range []string{"javascript:alert(1)", "https://", "https://a b/", "ftp://a/", "https://user:pw@a/", "https://a/%zz", "//a/",
		"http://[4]/", "http://[::1]/"} {
		if IsWebURL(s) {
			t.Errorf("%q is taken", s)
		}
	}
}

// Every pattern reads the same in Go and in ECMAScript: ASCII escapes and classes, literal
// characters, no lookaround — checked by what Go's parser makes of them.
func TestPatternsArePortable(t *testing.T) {
	for name, p := range map[string]string{"date": DatePattern, "lang": LangPattern, "qid": QIDPattern, "facets": FacetsPattern(),
		"url": WebURLPattern, "text": TextPattern, "notblank": NotBlankPattern} {
		if _, err := regexp.Compile(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, bad := range []string{`\p`, `\P`, `(?`, `\z`, `\A`, `\b`, `\B`, `\Q`, `\x{`} {
			if strings.Contains(p, bad) {
				t.Errorf("%s uses %s, which ECMAScript reads otherwise", name, bad)
			}
		}
	}
	notBlank := regexp.MustCompile(NotBlankPattern)
	for s, want := range map[string]bool{"a": true, " a ": true, "   ": false, "\u00a0\u3000": false, "\t\n": false, "a\x00": false, "": false} {
		if got := notBlank.MatchString(s); got != want || (strings.TrimSpace(s) != "" && cleanText(s)) != want {
			t.Errorf("%q: pattern %v, the rule %v, want %v", s, got, strings.TrimSpace(s) != "" && cleanText(s), want)
		}
	}
}
