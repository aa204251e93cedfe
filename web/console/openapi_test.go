package console

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// operation is what the OpenAPI document says of one method on one path.
type operation struct {
	OperationID string `yaml:"operationId"`
	Role        string `yaml:"x-custos-role"`
}

// TestOpenAPI_DescribesEveryRoute holds the document to the routes: every API route
// is described, with its operation id and its role, and the document describes no
// route the server does not have.
func TestOpenAPI_DescribesEveryRoute(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]operation `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	described := map[string]operation{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			described[strings.ToUpper(method)+" "+path] = op
		}
	}
	served := map[string]route{}
	for _, rt := range (&Console{}).routes() {
		if rt.API() {
			served[rt.Method+" "+rt.Pattern] = rt
		}
	}
	for _, key := range slices.Sorted(maps.Keys(served)) {
		rt := served[key]
		op, ok := described[key]
		switch {
		case !ok:
			t.Errorf("%s is served but openapi.yaml does not describe it", key)
		case op.OperationID != rt.Name:
			t.Errorf("%s: operationId %q, the route is named %q", key, op.OperationID, rt.Name)
		case op.Role != rt.Need.String():
			t.Errorf("%s: x-custos-role %q, the route needs %s", key, op.Role, rt.Need)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(described)) {
		if _, ok := served[key]; !ok {
			t.Errorf("openapi.yaml describes %s, which is not served", key)
		}
	}
}
