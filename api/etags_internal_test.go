package api

import "testing"

func TestETagsPattern(t *testing.T) {
	for h, want := range map[string]bool{`"3"`: true, `W/"3"`: true, `*`: true, ` "1", "2" `: true, `"a-b_c"`: true,
		`""`: true, `3`: false, `"3`: false, `"a,b"`: false, `"3" "4"`: false, `W/3`: false, "\"a\x01\"": false, ``: false} {
		if got := etagsRE.MatchString(h); got != want {
			t.Errorf("%q: %v, want %v", h, got, want)
		}
	}
}
