package demo

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"time"

	entrafake "github.com/custos-msp/custos/fixtures/entra"
	graphfake "github.com/custos-msp/custos/fixtures/graph"
	o365fake "github.com/custos-msp/custos/fixtures/o365audit"
	"github.com/custos-msp/custos/sync"
	"github.com/custos-msp/custos/vocab"
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

// startO365Audit starts the fake Management Activity API with the demo's audit
// records, listing at most pageSize blobs a page when positive; it checks tokens
// with the fake Entra.
func (e *Environment) startO365Audit(now time.Time, pageSize int) error {
	ds, err := o365fake.LoadDemo(now)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	e.o365audit = o365fake.NewServer(ds, o365fake.Options{PageSize: pageSize, Verify: func(r *http.Request, tenant string) error {
		return e.entra.Verify(r, tenant, "https://manage.office.com")
	}})
	return nil
}

// m365CA is the PEM of the certificate both fakes serve, for ca_file.
func (e *Environment) m365CA() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.entra.Certificate().Raw}))
}

// Planted reports whether every failed pull in results is one the demo plants on
// purpose: a customer tenant that revoked the app's consent (access denied), has
// no licence for sign-in logs, or has its unified audit log off.
func Planted(results []sync.Result) bool {
	for _, r := range results {
		if r.Err != nil && r.Outcome != vocab.OutcomeAccessDenied && r.Outcome != vocab.OutcomeNotLicensed &&
			r.Outcome != vocab.OutcomeAuditingDisabled {
			return false
		}
	}
	return true
}
