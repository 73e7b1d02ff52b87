package db

import "testing"

func TestLoneSurrogateOffset(t *testing.T) {
	for in, want := range map[string]int{
		`{"a": "x"}`: -1, `{"a": "\ud83d\ude00"}`: -1, `{"a": "\\ud800"}`: -1, `{"a": "\u00e9\n"}`: -1,
		`{"a": "\ud800"}`: 7, `{"a": "x\udc00y"}`: 8, `{"a": "\ud800\u0041"}`: 7, `{"a": "\ude00\ud83d"}`: 7,
		`{"a": "\\\ud800"}`: 9, `{"a": "\ud83d\ude00\ud83d"}`: 19, `{"a": "\ud8"}`: -1,
	} {
		if got := LoneSurrogateOffset([]byte(in)); got != want {
			t.Errorf("%s: %d, want %d", in, got, want)
		}
	}
	if f := JSONFieldAt([]byte(`{"text": "a", "tags": ["x", "\udbff"]}`), 29); f != "tags[1]" {
		t.Errorf("field: %q", f)
	}
}
