// Package sources checks the pages citations name: it retrieves a page through the
// guarded outbound client, records its SHA-256, extracts its text (from HTML, in the
// page's own character set) and says whether and where the quote's words stand in it.
package sources

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/verbatimhq/verbatim/db"
	"github.com/verbatimhq/verbatim/outbound"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Checker fetches pages and judges them.
type Checker struct {
	Client *outbound.Client
	// MaxBytes caps a page; a longer one is not judged (10 MiB when zero).
	MaxBytes int64
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// contextSpan is how many characters of the page are shown each side of the quote.
const contextSpan = 120

// Check fetches the page of job and says what it found. It never fails: what went wrong
// is the result (state failed, with the error), recorded like any other.
func (c *Checker) Check(ctx context.Context, job *db.FetchJob) db.FetchResult {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	limit := c.MaxBytes
	if limit <= 0 {
		limit = 10 << 20
	}
	failed := func(status *int, format string, args ...any) db.FetchResult {
		msg := fmt.Sprintf(format, args...)
		return db.FetchResult{State: "failed", FetchedAt: now().UTC(), Status: status, Error: &msg}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, job.URL, nil)
	if err != nil {
		return failed(nil, "the URL cannot be fetched: %v", err)
	}
	req.Header.Set("Accept", "text/html, application/xhtml+xml, text/plain;q=0.9, */*;q=0.1")
	resp, err := c.Client.Do(ctx, req, limit, false)
	switch {
	case errors.Is(err, outbound.ErrTooLarge):
		return failed(nil, "the page is larger than %d bytes", limit)
	case errors.Is(err, outbound.ErrTimeout):
		return failed(nil, "the page did not arrive in time")
	case err != nil:
		return failed(nil, "%v", err)
	}
	status := resp.Status
	if status < 200 || status > 299 {
		if loc := resp.Header.Get("Location"); status >= 300 && status < 400 && loc != "" {
			return failed(&status, "the page answered HTTP %d, redirecting to %s (redirects are not followed: cite the page itself)", status, loc)
		}
		return failed(&status, "the page answered HTTP %d", status)
	}
	sum := sha256.Sum256(resp.Body)
	hash, size := hex.EncodeToString(sum[:]), int64(len(resp.Body))
	r := db.FetchResult{State: "fetched", FetchedAt: now().UTC(), Status: &status, Bytes: &size, SHA256: &hash}
	ctype := resp.Header.Get("Content-Type")
	if ctype != "" {
		r.ContentType = &ctype
	}
	text, err := Text(resp.Body, ctype)
	if err != nil {
		msg := err.Error()
		r.Error = &msg
		return r
	}
	found, at, around := db.Locate(job.QuoteText, text, contextSpan)
	r.Found = &found
	if found {
		r.FoundAt, r.Context = &at, &around
	}
	return r
}

// Text is the readable text of a page: HTML without its markup, scripts and styles,
// decoded from the character set it declares; plain text as it is. Other types (PDF,
// images) cannot be read.
func Text(body []byte, contentType string) (string, error) {
	media, _, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil {
		media = http.DetectContentType(body)
		media, _, _ = mime.ParseMediaType(media)
	}
	switch {
	case media == "text/html" || media == "application/xhtml+xml":
		r, err := charset.NewReader(bytes.NewReader(body), contentType)
		if err != nil {
			return "", fmt.Errorf("the page's character set cannot be read: %w", err)
		}
		return htmlText(r)
	case strings.HasPrefix(media, "text/"):
		r, err := charset.NewReader(bytes.NewReader(body), contentType)
		if err != nil {
			return "", fmt.Errorf("the page's character set cannot be read: %w", err)
		}
		b, err := io.ReadAll(r)
		return string(b), err
	}
	return "", fmt.Errorf("a %s page cannot be searched for the quote's words", media)
}

// skipped are elements whose content is not text a reader sees.
var skipped = map[string]bool{"script": true, "style": true, "noscript": true, "template": true, "svg": true,
	"head": true, "iframe": true, "object": true}

// blocks are elements that separate words: text either side of one is not run together.
var blocks = map[string]bool{"p": true, "div": true, "br": true, "li": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "blockquote": true, "td": true, "th": true, "tr": true, "section": true,
	"article": true, "header": true, "footer": true, "figcaption": true, "dd": true, "dt": true, "hr": true}

func htmlText(r io.Reader) (string, error) {
	z := html.NewTokenizer(r)
	var b strings.Builder
	depth := 0 // inside how many skipped elements
	for {
		switch z.Next() {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return b.String(), nil
			}
			return "", fmt.Errorf("the page cannot be read as HTML: %w", z.Err())
		case html.TextToken:
			if depth == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			if skipped[string(name)] {
				depth++
			} else if blocks[string(name)] {
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if skipped[string(name)] && depth > 0 {
				depth--
			} else if blocks[string(name)] {
				b.WriteByte('\n')
			}
		case html.SelfClosingTagToken:
			if name, _ := z.TagName(); blocks[string(name)] {
				b.WriteByte('\n')
			}
		}
	}
}
