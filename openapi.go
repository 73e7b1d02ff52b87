// Package verbatim holds what the whole module shares at its root: the generated OpenAPI
// document, embedded so that the binary serves the contract it was built with.
package verbatim

import _ "embed"

// Regenerate docs/ (Swagger 2, from the swag annotations) and openapi.yaml (OpenAPI 3,
// converted from it) with: go generate .
//go:generate go tool swag init --quiet --generalInfo server.go --dir ./api,./db,./claimreview,./extract,./webhook,./similar --output ./docs --outputTypes go,json,yaml --parseInternal --requiredByDefault
//go:generate go run -tags sqlite_fts5 ./cmd/openapi3 -in docs/swagger.json -out openapi.yaml

// OpenAPI is the OpenAPI 3.1 document of the API, as generated into openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
