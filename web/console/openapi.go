package console

import (
	_ "embed"
	"net/http"

	"github.com/custos-msp/custos/web/auth"
)

// openAPI describes /api/v1; TestOpenAPI_DescribesEveryRoute holds it to the routes.
//
//go:embed openapi.yaml
var openAPI []byte

// metaRoutes are the routes about the API itself.
func (c *Console) metaRoutes() []route {
	return []route{{
		Method: http.MethodGet, Pattern: "/api/v1/openapi.yaml", Name: "getOpenAPI", Need: auth.Viewer,
		Do: func(*http.Request, auth.Principal) (result, error) {
			return result{File: &file{ContentType: "application/yaml", Body: openAPI}}, nil
		},
	}}
}
