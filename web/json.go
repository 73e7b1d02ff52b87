package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"
)

// jsonSerializer writes JSON without HTML escaping: quotes are full of < > & that must
// come back exactly as stored, not as \u003c.
type jsonSerializer struct{}

func (jsonSerializer) Serialize(c echo.Context, i any, indent string) error {
	return WriteJSON(c.Response(), i)
}

func (jsonSerializer) Deserialize(c echo.Context, i any) error {
	return json.NewDecoder(c.Request().Body).Decode(i)
}

// WriteJSON writes v as the whole body, as every JSON answer is written. It encodes into a buffer first, so that an
// encoding error can still become a problem response, and so that the body's length is
// known: when the status line has not gone out yet, the response says Content-Length and
// goes out in one piece instead of chunks.
func WriteJSON(w *echo.Response, v any) error {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if !w.Committed {
		w.Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// jsonBuffers keeps response buffers between requests: a page of search hits is 15–20 KB,
// and growing a new buffer to that size on every request was a third of encoding it.
// Buffers grown past maxPooledBuffer by a rare large answer are left to the collector.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 256 << 10
