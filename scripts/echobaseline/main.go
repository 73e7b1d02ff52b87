// Command echobaseline is the yardstick for Verbatim's load runs: a bare Echo server that
// answers GET /v1/quotes/:id with fixed bytes (a real quote's JSON, given as a file), so
// that a run measures what Verbatim adds over Echo itself on the same machine.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	bodyFile := flag.String("body", "", "file holding the JSON to answer with")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/v1/quotes/:id", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, body) })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("echobaseline listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, e))
}
