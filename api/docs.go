package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	swaggerFiles "github.com/swaggo/files/v2"
)

// The interactive reference at /docs is Swagger UI's own distribution (embedded by
// swaggo/files: files, no code), opened on this server's /openapi.yaml and on no other
// document. Its start script is ours, a file like the rest: the page runs no inline
// script, so its policy can forbid them.

// docsStart starts Swagger UI on this server's document.
const docsStart = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.yaml",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
`

// docsPolicy lets the page load its scripts, styles and images from this server, and
// read the document; nothing inline runs, nothing else is reached, nothing frames it.
// (The door's policy for every other answer, default-src 'none', blocked the page whole.)
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'"

func (s *Server) handleDocsRedirect(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, "/docs/index.html")
}

// handleDocs serves Swagger UI's files.
func (s *Server) handleDocs(c echo.Context) error {
	name := c.Param("*")
	switch name {
	case "":
		return s.handleDocsRedirect(c)
	case "doc.json", "doc.yaml": // where other swag-generated servers keep their document
		return c.Redirect(http.StatusMovedPermanently, "/openapi.yaml")
	}
	c.Response().Header().Set("Content-Security-Policy", docsPolicy)
	if name == "swagger-initializer.js" {
		return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", []byte(docsStart))
	}
	return echo.StaticFileHandler(name, swaggerFiles.FS)(c)
}
