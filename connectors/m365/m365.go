// Package m365 reads Microsoft 365 through Microsoft Graph (msgraph-sdk-go): GDAP
// relationships and their access assignments and the delegated-admin customers with
// a partner-tenant token; partner technicians' sign-ins (beta) and directory audits
// with a token per customer tenant; and the monthly RMM report mails of one mailbox.
// It imports only the SDK's models and core packages, never the root package, and
// sends raw request URLs through the Graph request adapter, so the base URL is
// configuration (national clouds, tests).
package m365

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	stdsync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// Name is the connector's name and the Source of its records.
const Name = record.SourceM365

// The needs that several streams share.
const (
	needRelationships = "Graph application permission DelegatedAdminRelationship.Read.All (partner tenant)"
	needAuditLog      = "Graph application permission AuditLog.Read.All (each customer tenant)"
	needDirectory     = "Graph application permission Directory.Read.All (each customer tenant; Microsoft documents it as needed for the sign-in and audit logs)"
)

// Options adjust the connector for tests and the demo.
type Options struct {
	// Transport carries token and Graph requests (a fake's client that trusts its
	// certificate); nil uses the default transport.
	Transport *http.Client
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Connector is the Microsoft Graph connector.
type Connector struct {
	cfg   config.M365
	creds *entraauth.Credentials
	log   zerolog.Logger
	now   func() time.Time
	base  http.RoundTripper
	// reports is the identity reports' budget per tenant, within their budget across
	// all tenants; other is every other request's budget per tenant.
	reports, other *connectors.Budget
	onWait         func(reason string, d time.Duration)
	onRequest      func()

	mu       stdsync.Mutex
	adapters map[string]*graphClient
}

// New builds the connector; it loads the app's secret or certificate once.
func New(cfg config.M365, deps connectors.Deps, opts Options) (*Connector, error) {
	if opts.Transport == nil {
		t, err := entraauth.HTTPClient(cfg.M365Auth)
		if err != nil {
			return nil, fmt.Errorf("m365: %w", err)
		}
		opts.Transport = t
	}
	eo := entraauth.Options{Redactor: deps.Redactor, Transport: opts.Transport}
	creds, err := entraauth.NewCredentials(cfg.M365Auth, eo)
	if err != nil {
		return nil, fmt.Errorf("m365: %w", err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var parent http.RoundTripper = http.DefaultTransport
	if opts.Transport != nil && opts.Transport.Transport != nil {
		parent = opts.Transport.Transport
	}
	log := deps.Logger.With().Str("connector", Name).Logger()
	parent = httpsafe.LimitBodies(Name, cmp.Or(cfg.MaxBodyBytes, httpsafe.DefaultMaxBodyBytes), parent)
	defaults := config.Default().Connectors.M365
	c := &Connector{
		cfg: cfg, creds: creds, log: log, now: now, base: parent,
		reports:  reportsBudget(cfg, defaults),
		other:    connectors.NewBudget(orDefault(cfg.RequestsPerSecond, defaults.RequestsPerSecond), 1),
		adapters: map[string]*graphClient{},
	}
	if deps.OnWait != nil {
		c.onWait = func(reason string, d time.Duration) { deps.OnWait(Name, reason, d) }
	}
	if deps.OnRequest != nil {
		c.onRequest = func() { deps.OnRequest(Name) }
	}
	return c, nil
}

// reportsBudget is the budget of the identity reports: each tenant's within the
// one across all tenants, each with the burst its limit allows. Across tenants it
// is 2, so that two tenants whose turns fall together both go at once rather than
// one a turn of the shared budget (9 ms) later.
func reportsBudget(cfg config.M365, defaults config.M365) *connectors.Budget {
	perTenant := orDefault(cfg.ReportsPerTenant, defaults.ReportsPerTenant)
	allTenants := orDefault(cfg.ReportsAllTenants, defaults.ReportsAllTenants)
	limitPerTenant := cmp.Or(cfg.ReportsLimitPerTenant, defaults.ReportsLimitPerTenant)
	limitAllTenants := cmp.Or(cfg.ReportsLimitAllTenants, defaults.ReportsLimitAllTenants)
	return connectors.NewBudget(perTenant, connectors.CatchUpBurst(perTenant, limitPerTenant)).
		Within(connectors.NewBudget(allTenants, connectors.CatchUpBurst(allTenants, limitAllTenants)))
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Streams implements connectors.Connector: relationships and customers first, so
// that the tenants of the later streams are known.
func (c *Connector) Streams() []connectors.Stream {
	streams := []connectors.Stream{
		&relationships{c}, &customers{c}, &signIns{c}, &directoryAudits{c},
	}
	if c.cfg.Mailbox != "" {
		streams = append(streams, &reports{c})
	}
	return streams
}

// Check gets a partner-tenant token and reads one relationship.
func (c *Connector) Check(ctx context.Context) error {
	return (&relationships{c}).Probe(ctx, connectors.Account)
}

// Tenants lists the customer tenants: the configured ones, or those of the partner's
// GDAP customers and relationships (terminated ones included, so partner access
// after a termination is still read). ID is the tenant id, Name the customer name.
func (c *Connector) Tenants(ctx context.Context) ([]connectors.Scope, error) {
	var out []connectors.Scope
	err := c.eachTenant(ctx, func(page []connectors.Scope) error {
		out = append(out, page...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b connectors.Scope) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// eachTenant hands fn the customer tenants page by page, each once: the configured
// ones in one page, or the GDAP customers' pages and then, for the tenants they did
// not name, the relationships' pages. It keeps the ids handed over, not the pages.
func (c *Connector) eachTenant(ctx context.Context, fn func([]connectors.Scope) error) error {
	if len(c.cfg.Tenants) > 0 {
		var out []connectors.Scope
		for id, name := range c.cfg.Tenants {
			out = append(out, connectors.Scope{ID: id, Name: name})
		}
		slices.SortFunc(out, func(a, b connectors.Scope) int { return strings.Compare(a.ID, b.ID) })
		return fn(out)
	}
	g, err := c.client(c.cfg.PartnerTenantID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	emit := func(page []connectors.Scope) error {
		page = slices.DeleteFunc(page, func(s connectors.Scope) bool { return s.ID == "" || seen[s.ID] })
		for _, s := range page {
			seen[s.ID] = true
		}
		return fn(page)
	}
	err = g.customers(ctx, c.pager("customers", connectors.Account), emit)
	switch {
	case err == nil:
	case connectors.Classify(err) == vocab.OutcomeAccessDenied && len(seen) == 0:
		// App-only access to delegatedAdminCustomers is not promised everywhere;
		// the relationships name every customer too.
		c.log.Warn().Err(err).Msg("reading GDAP customers; taking the customers of the relationships")
	default:
		return err
	}
	return g.eachRelationshipPage(ctx, c.pager("relationships", connectors.Account), func(rels []*record.Relationship) error {
		page := make([]connectors.Scope, 0, len(rels))
		for _, r := range rels {
			page = append(page, connectors.Scope{ID: r.CustomerRef, Name: r.CustomerName})
		}
		return emit(page)
	})
}

// orDefault is v, or def when v is not positive (a configuration built in code).
func orDefault(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}

// tenantTransport spends, for each request in one tenant, the budget its kind of
// request counts against: the identity reports (auditLogs) their budget in the
// tenant and across all tenants, every other request the tenant's other budget. A
// throttling answer pauses that budget in that tenant only.
type tenantTransport struct {
	reports, other http.RoundTripper
}

// transport returns the budgeted transport of tenant's requests.
func (c *Connector) transport(tenant string) http.RoundTripper {
	spend := func(b *connectors.Budget) http.RoundTripper {
		return &connectors.BudgetTransport{
			Budget: b, Next: c.base, Key: func(*http.Request) string { return tenant },
			Fallback: c.cfg.MinRetryWait.Std(), MaxPause: c.cfg.MaxRetryWait.Std(), OnWait: c.onWait,
			OnRequest: c.onRequest,
		}
	}
	return &tenantTransport{reports: spend(c.reports), other: spend(c.other)}
}

// RoundTrip implements http.RoundTripper.
func (t *tenantTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/auditLogs/") {
		return t.reports.RoundTrip(r)
	}
	return t.other.RoundTrip(r)
}
