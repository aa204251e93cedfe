// Package o365audit is the Office 365 Management Activity API connector. For each
// customer tenant it starts the audit content subscriptions, lists the content blobs
// published in windows of at most 24 hours (following NextPageUri), reads each blob
// and keeps the records of what partner technicians did in the tenant: admin actions,
// mailbox access and removals become access events; every other record is dropped.
// Records are published late, so each pull reads again the windows of the settle
// delay before its cursor; records are keyed by their Id, so a record read twice is
// stored once. It only reads.
package o365audit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
)

// Name is the connector's id and the Source of every record it emits.
const Name = record.SourceO365Audit

// DefaultBaseURL is the Management Activity API of the commercial cloud.
const DefaultBaseURL = "https://manage.office.com"

// TokenSource gives an access token for the Management Activity API (scope, e.g.
// https://manage.office.com/.default) in one customer tenant.
type TokenSource interface {
	Token(ctx context.Context, tenantID, scope string) (string, error)
}

// TenantLister lists the customer tenants to read, each as a scope whose ID is the
// tenant id and whose Name is the tenant's display name. The Microsoft 365 connector
// is one.
type TenantLister interface {
	Tenants(ctx context.Context) ([]connectors.Scope, error)
}

// Partner says who the MSP is in Microsoft 365: records whose actor belongs to the
// partner are partner technicians' work.
type Partner struct {
	// TenantID is the partner (MSP) tenant id.
	TenantID string
	// Domains are the partner tenant's domains, e.g. msp.onmicrosoft.com and
	// msp.example; a user id in one of them is a partner technician.
	Domains []string
}

// Connector reads the audit logs of the customer tenants. It is safe for concurrent use.
type Connector struct {
	cfg       config.O365Audit
	partner   Partner
	publisher string
	base      *url.URL
	scope     string
	client    *connectors.Client
	tokens    TokenSource
	tenants   TenantLister
	redactor  *secret.Redactor
	log       zerolog.Logger
	// now is the clock (tests replace it).
	now func() time.Time

	mu sync.Mutex
	// subscribed holds tenant|content type pairs whose subscription is known enabled.
	subscribed map[string]bool
	// lastToken is the last token added to the redactor per tenant.
	lastToken map[string]string
}

var _ connectors.Connector = (*Connector)(nil)

// New returns the connector. tokens gives the Management API tokens, tenants the
// customer tenants; partner identifies the MSP's technicians. Every token obtained is
// added to deps.Redactor.
func New(cfg config.O365Audit, partner Partner, tokens TokenSource, tenants TenantLister, deps connectors.Deps) *Connector {
	if deps.Redactor == nil {
		deps.Redactor = secret.NewRedactor()
	}
	log := deps.Logger.With().Str("connector", Name).Logger()
	base := baseURL(cfg.BaseURL)
	publisher := strings.TrimSpace(cfg.PublisherIdentifier)
	if publisher == "" {
		publisher = partner.TenantID
	}
	return &Connector{
		cfg:        cfg,
		partner:    partner,
		publisher:  publisher,
		base:       base,
		scope:      tokenScope(base),
		client:     deps.Client(Name, cfg.HTTP, log, &throttleTransport{next: connectors.BaseTransport(Name, cfg.CAFile)}),
		tokens:     tokens,
		tenants:    tenants,
		redactor:   deps.Redactor,
		log:        log,
		now:        time.Now,
		subscribed: map[string]bool{},
		lastToken:  map[string]string{},
	}
}

// baseURL is raw, or DefaultBaseURL when raw is empty. The configuration is validated
// at start, so a parse error leaves an empty URL whose requests fail.
func baseURL(raw string) *url.URL {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// cloudScopes maps each cloud's Management API host to the token scope it accepts.
var cloudScopes = map[string]string{
	"manage.office.com":          "https://manage.office.com/.default",
	"manage-gcc.office.com":      "https://manage-gcc.office.com/.default",
	"manage.office365.us":        "https://manage.office365.us/.default",
	"manage.protection.apps.mil": "https://manage.protection.apps.mil/.default",
}

// tokenScope is the scope of tokens for the API at base: the cloud's own, or the
// commercial cloud's for a gateway or a test server.
func tokenScope(base *url.URL) string {
	if s, ok := cloudScopes[strings.ToLower(base.Hostname())]; ok {
		return s
	}
	return cloudScopes["manage.office.com"]
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Streams implements connectors.Connector: the tenants, then one stream per
// configured content type.
func (c *Connector) Streams() []connectors.Stream {
	out := []connectors.Stream{&TenantsStream{c: c}}
	for _, ct := range c.cfg.ContentTypes {
		out = append(out, &AuditStream{c: c, contentType: ct})
	}
	return out
}

// Needs lists what the app registration and the tenants need.
func (c *Connector) Needs() []string { return needs() }

func needs() []string {
	return []string{
		"the application permission ActivityFeed.Read of the Office 365 Management APIs, on the app registration of [connectors.m365]",
		"admin consent for it in every customer tenant (the same consent that grants the Graph permissions)",
		"unified audit logging turned on in every customer tenant (Microsoft Purview > Audit)",
		"read access only: Custos starts the audit subscriptions and never stops them",
	}
}

// Check implements connectors.Connector: it lists the tenants and the first one's
// subscriptions.
func (c *Connector) Check(ctx context.Context) error {
	scopes, err := c.tenants.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("o365audit: checking the connection: listing tenants: %w", err)
	}
	if len(scopes) == 0 {
		return errors.New("o365audit: checking the connection: no customer tenant to read")
	}
	if _, err := c.subscriptions(ctx, scopes[0].ID); err != nil {
		return fmt.Errorf("o365audit: checking the connection: tenant %s: %w", scopes[0].ID, err)
	}
	return nil
}
