package api

// routes registers every route of the API: this file is the whole surface.
func (s *Server) routes() {
	e := s.echo
	e.Use(requestID, s.observe, s.recoverPanics, limitBody)

	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	e.GET("/metrics", s.handleMetrics)
	e.GET("/openapi.yaml", s.handleOpenAPI)
	e.GET("/docs", s.handleDocsRedirect)
	e.GET("/docs/*", s.handleDocs())

	v1 := e.Group("/v1")

	v1.GET("/quotes", s.handleQuoteList)
	v1.POST("/quotes", s.handleQuoteCreate)
	v1.GET("/quotes/:id", s.handleQuoteGet)
	v1.PATCH("/quotes/:id", s.handleQuoteUpdate)
	v1.DELETE("/quotes/:id", s.handleQuoteDelete)
	v1.GET("/quotes/:id/similar", s.handleQuoteSimilar)
	v1.GET("/export", s.handleExport)

	v1.GET("/quotes/:id/citations", s.handleCitationList)
	v1.POST("/quotes/:id/citations", s.handleCitationCreate)
	v1.GET("/quotes/:id/citations/:cid", s.handleCitationGet)
	v1.PATCH("/quotes/:id/citations/:cid", s.handleCitationUpdate)
	v1.DELETE("/quotes/:id/citations/:cid", s.handleCitationDelete)

	// Verdicts are appended and read, never changed: other methods are 405.
	v1.GET("/quotes/:id/verdicts", s.handleVerdictList)
	v1.POST("/quotes/:id/verdicts", s.handleVerdictCreate)
	v1.GET("/quotes/:id/verdicts/:vid", s.handleVerdictGet)
	v1.GET("/quotes/:id/claimreview", s.handleClaimReviewGet)
	v1.GET("/claimreview", s.handleClaimReviewFeed)

	v1.GET("/speakers", s.handleSpeakerList)
	v1.POST("/speakers", s.handleSpeakerCreate)
	v1.GET("/speakers/:id", s.handleSpeakerGet)
	v1.PATCH("/speakers/:id", s.handleSpeakerUpdate)
	v1.DELETE("/speakers/:id", s.handleSpeakerDelete)
	v1.GET("/speakers/:id/quotes", s.handleSpeakerQuotes)

	v1.GET("/outlets", s.handleOutletList)
	v1.POST("/outlets", s.handleOutletCreate)
	v1.GET("/outlets/:id", s.handleOutletGet)
	v1.PATCH("/outlets/:id", s.handleOutletUpdate)
	v1.DELETE("/outlets/:id", s.handleOutletDelete)
}
