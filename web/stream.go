package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// StreamIdle is how long a streamed answer may go without a piece being written: the
// server's write timeout is for ordinary answers, and an export of a large archive takes
// as long as it takes while it keeps coming.
const StreamIdle = 60 * time.Second

// RecordsTrailer is the trailer a complete stream ends with: how many records it holds.
// A stream cut short never has it — it is aborted, so that a client's HTTP library
// reports an error rather than a short file that looks whole.
const RecordsTrailer = "Verbatim-Records"

// Stream writes a long answer: stream writes the body, calling flush after each piece
// (which sends it and gives the connection another StreamIdle), and returns how many
// records it wrote. A stream that fails before its first byte is refused as any request
// is; one that fails after is aborted, and logged.
func (d *Door) Stream(c echo.Context, stream func(flush func()) (int, error)) error {
	res := c.Response()
	rc := http.NewResponseController(res.Writer)
	_ = rc.SetWriteDeadline(time.Now().Add(StreamIdle)) // not every writer supports deadlines (tests' recorders)
	res.Header().Set("Trailer", RecordsTrailer)
	n, err := stream(func() {
		_ = rc.SetWriteDeadline(time.Now().Add(StreamIdle))
		res.Flush()
	})
	if err != nil && !res.Committed {
		// Refused before the first record (a query the parser rejects, say): nothing was
		// sent, so the client gets the refusal itself, not a download.
		res.Header().Del("Trailer")
		res.Header().Del("Content-Disposition")
		return err
	}
	if err != nil {
		d.log.Error("stream cut short: aborting the answer so the client sees it was", "error", err, "records", n,
			"request_id", RequestIDOf(c))
		panic(http.ErrAbortHandler)
	}
	res.Header().Set(RecordsTrailer, strconv.Itoa(n))
	return nil
}
