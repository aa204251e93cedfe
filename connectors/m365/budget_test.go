package m365_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/fixtures/graph"
)

// addSignIns gives each tenant n more sign-ins (copies of its first) inside the
// pull's window, so that a pull with a page size of 1 sends n+1 requests or more.
func (e *env) addSignIns(n int, tenants ...string) {
	e.graph.Update(func(ds *graph.Dataset) {
		for _, tenant := range tenants {
			t := ds.Tenants[tenant]
			for i := range n {
				si := t.SignIns[0]
				si.ID = fmt.Sprintf("%s-%04d", tenant[:8], i)
				si.CreatedDateTime = e.now.Add(-time.Duration(i+1) * time.Minute)
				t.SignIns = append(t.SignIns, si)
			}
		}
	})
}

// signInPulls returns work that pulls the sign-ins of the tenants in turn.
func (e *env) signInPulls(tb testing.TB, tenants ...string) func(context.Context) error {
	from := connectors.Cursor(e.now.Add(-5 * 24 * time.Hour).Format(time.RFC3339))
	s := e.stream(tb, "signins")
	nextTenant := connectortest.Cycle(tenants)
	return func(ctx context.Context) error {
		_, err := s.Pull(ctx, connectors.Scope{ID: nextTenant()}, from, &connectortest.Sink{})
		return err
	}
}

// TestReportsBudget_TenantsIndependent: Graph counts the identity reports per tenant,
// so a 429 with Retry-After to one tenant's sign-ins request pauses that tenant's
// requests and no other's: in the second after the 429 the fake receives nothing of
// the throttled tenant and still receives the other tenant's requests.
func TestReportsBudget_TenantsIndependent(t *testing.T) {
	e := newEnv(t, func(c *config.M365) { c.ReportsPerTenant = 8 })
	e.graph.SetPageSize(1)
	e.addSignIns(20, graph.ContosoTenant, graph.NorthwindTenant)
	// Limits far above the traffic: the fake only notes each request's tenant.
	e.graph.Faults().SetLimits(e.graph.ReportsLimits(1000, 1000, time.Second)...)
	seen := 0
	e.graph.Faults().Inject(fakehttp.Fault{Path: "/beta/auditLogs/signIns", Times: 1, Status: http.StatusTooManyRequests, RetryAfter: "1",
		Match: func(r *http.Request) bool {
			if tenant, _ := e.tokens.Tenant(r); tenant != graph.ContosoTenant {
				return false
			}
			seen++
			return seen == 3
		}})
	pull := e.signInPulls(t, graph.ContosoTenant, graph.NorthwindTenant)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := pull(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	log := e.graph.Faults().Log()
	var at time.Time
	for _, l := range log {
		if l.Status == http.StatusTooManyRequests {
			at = l.At
		}
	}
	if at.IsZero() {
		t.Fatal("no request was answered 429")
	}
	inside := map[string]int{}
	for _, l := range log {
		if l.At.After(at) && l.At.Before(at.Add(time.Second)) {
			inside[l.Key]++
		}
	}
	if n := inside[graph.ContosoTenant]; n != 0 {
		t.Errorf("the throttled tenant sent %d requests inside its Retry-After", n)
	}
	if inside[graph.NorthwindTenant] == 0 {
		t.Errorf("the other tenant sent nothing while the throttled one was paused: %v", inside)
	}
}

// BenchmarkReportsBudget pulls the sign-ins of two tenants at once against a fake
// enforcing Graph's identity reports limits per tenant and across tenants. Time runs
// 10 times faster than Graph's, so that a run takes seconds instead of minutes: the
// fake allows 5 requests per 1 s per tenant (122 per 1 s across tenants) and the
// connector runs at its defaults' fractions of that (0.92 per tenant, 0.9 across
// tenants), ten times its default rates, and knows the fake's limits.
// Metrics: ratio = the lowest tenant's requests/s achieved ÷ 5/s; over = requests the
// fake throttled (must be 0).
func BenchmarkReportsBudget(b *testing.B) {
	const speedup = 10
	def := config.Default().Connectors.M365
	window := graph.ReportsWindow / speedup
	e := newEnv(b, func(c *config.M365) {
		c.ReportsPerTenant = speedup * def.ReportsPerTenant
		c.ReportsAllTenants = speedup * def.ReportsAllTenants
		// The fake's limits.
		c.ReportsLimitPerTenant = config.Limit{Requests: graph.ReportsPerTenant, Window: window}
		c.ReportsLimitAllTenants = config.Limit{Requests: graph.ReportsAllTenants, Window: window}
	})
	e.graph.SetPageSize(1)
	e.addSignIns(40, graph.ContosoTenant, graph.NorthwindTenant)
	e.graph.Faults().SetLimits(e.graph.ReportsLimits(graph.ReportsPerTenant, graph.ReportsAllTenants, window)...)
	ceiling := graph.ReportsPerTenant / window.Seconds()
	connectortest.Budget(b, e.graph.Faults(), ceiling, 2, 30, e.signInPulls(b, graph.ContosoTenant, graph.NorthwindTenant))
}
