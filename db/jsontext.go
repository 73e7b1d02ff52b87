package db

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// What a JSON text may not hold, found in its bytes before a decoder sees them: a decoder
// replaces invalid UTF-8 and lone UTF-16 surrogates with U+FFFD, and the words are never
// altered. Every reader of JSON (the API's bodies, an import's lines, ClaimReview) checks
// with these first.

// InvalidUTF8Offset is the byte offset of the first byte of b that is not UTF-8, len(b)
// when every byte is.
func InvalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// LoneSurrogateMessage says why a string with a lone surrogate is refused.
const LoneSurrogateMessage = "holds a lone UTF-16 surrogate escape (\\ud800–\\udfff without its pair), which is no character: the words are never altered, so send the character whole"

// LoneSurrogateOffset is the byte offset of the first \u escape in a JSON text that is
// half of a UTF-16 surrogate pair without the other half, -1 when there is none.
func LoneSurrogateOffset(b []byte) int {
	if !bytes.Contains(b, []byte(`\u`)) {
		return -1
	}
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range b[i+2 : i+6] {
			switch {
			case c >= '0' && c <= '9':
				r = r<<4 | rune(c-'0')
			case c >= 'a' && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case c >= 'A' && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		r, ok := hex4(i)
		if !ok {
			i++ // another escape: skip the escaped character
			continue
		}
		switch {
		case r >= 0xd800 && r <= 0xdbff:
			if low, ok := hex4(i + 6); ok && low >= 0xdc00 && low <= 0xdfff {
				i += 11 // the pair, whole
				continue
			}
			return i
		case r >= 0xdc00 && r <= 0xdfff:
			return i
		}
		i += 5
	}
	return -1
}

// JSONFieldAt names the JSON member whose value spans byte off of a JSON text ("" when
// none does): where a reader of bytes (the API's bodies, an import's lines) found what no
// field may hold, said as the field. It walks the tokens once; texts are capped, so this
// stays cheap.
func JSONFieldAt(body []byte, off int) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		key    string
		index  int
		expect bool // in an object: the next string token is a key
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return path()
		}
		end := int(dec.InputOffset())
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expect {
			if key, ok := tok.(string); ok {
				stack[len(stack)-1].key = key
				stack[len(stack)-1].expect = false
				if end > off {
					return path()
				}
				continue
			}
		}
		if end > off {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, expect: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{index: 0})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object waits for a key, the array moves on.
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object {
				top.expect = true
			} else if tok != json.Delim('[') {
				top.index++
			}
		}
	}
}
