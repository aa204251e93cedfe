package demo

import (
	"encoding/pem"
	"time"

	"github.com/custos-msp/custos/connectors"
	entrafake "github.com/custos-msp/custos/fixtures/entra"
	graphfake "github.com/custos-msp/custos/fixtures/graph"
	"github.com/custos-msp/custos/sync"
)

// startM365 starts the fake Entra token service and Graph with the demo tenants:
// the app is registered in each, and Woodgrove Bank's consent is revoked.
func (e *Environment) startM365(now time.Time) {
	e.entra = entrafake.NewServer()
	for _, tenant := range graphfake.DemoTenants {
		e.entra.AddApp(tenant, graphfake.DemoClientID, graphfake.DemoClientSecret)
	}
	for _, tenant := range graphfake.DemoRevoked {
		e.entra.RevokeConsent(tenant)
	}
	e.graph = graphfake.NewServer(graphfake.LoadDemo(now), e.entra)
}

// m365CA is the PEM of the certificate both fakes serve, for ca_file.
func (e *Environment) m365CA() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.entra.Certificate().Raw}))
}

// Planted reports whether every failed pull in results is one the demo plants on
// purpose: a customer tenant that revoked the app's consent (access denied) or has
// no licence for sign-in logs.
func Planted(results []sync.Result) bool {
	for _, r := range results {
		if r.Err != nil && r.Outcome != connectors.OutcomeAccessDenied && r.Outcome != connectors.OutcomeNotLicensed {
			return false
		}
	}
	return true
}
