// Package autotask is the Autotask PSA connector. It reads companies, resources
// (technicians) and contacts, and turns tickets and ticket notes that record a
// customer's permission into authorisations, through the Autotask REST API. It only
// reads.
package autotask

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/secret"
)

// Name is the connector's id and the Source of every record it emits.
const Name = "autotask"

// Paging and list limits of the REST API.
const (
	// maxRecords is the largest MaxRecords a query accepts, and the size of a page.
	maxRecords = 500
	// maxInList is the most values Custos puts in one "in" condition: a query holds
	// at most 500 OR conditions.
	maxInList = 500
)

// Connector reads one Autotask tenant. It is safe for concurrent use by the streams'
// scopes.
type Connector struct {
	cfg      config.Autotask
	username string
	header   http.Header
	client   *connectors.Client
	log      zerolog.Logger
	now      func() time.Time

	// pageSize and chunkSize are maxRecords and maxInList; tests lower them.
	pageSize, chunkSize int
	// zoneLookup is the zoneInformation address (zone_url) used when cfg.BaseURL is
	// empty; any zone answers it, and it does not count against the thread limits.
	zoneLookup string

	mu     sync.Mutex
	zone   zone
	budget budget
	// picklists caches picklist labels by entity and field.
	picklists map[string]map[int64]string
}

var _ connectors.Connector = (*Connector)(nil)

// New returns the Autotask connector. The three credentials are sent as the
// UserName, Secret and ApiIntegrationCode headers; all three are added to
// deps.Redactor so that no log line or error shows them.
func New(cfg config.Autotask, username, secretValue, integrationCode secret.Value, deps connectors.Deps) *Connector {
	if deps.Redactor == nil {
		deps.Redactor = secret.NewRedactor()
	}
	deps.Redactor.Add(username, secretValue, integrationCode)
	log := deps.Logger.With().Str("connector", Name).Logger()
	h := http.Header{}
	h.Set("UserName", username.Reveal())
	h.Set("Secret", secretValue.Reveal())
	h.Set("ApiIntegrationCode", integrationCode.Reveal())
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	client := deps.Client(Name, cfg.HTTP, log, connectors.BaseTransport(Name, cfg.CAFile))
	c := &Connector{
		cfg:        cfg,
		username:   username.Reveal(),
		header:     h,
		client:     client,
		log:        log,
		now:        time.Now,
		pageSize:   maxRecords,
		chunkSize:  maxInList,
		zoneLookup: cfg.ZoneURL,
		picklists:  map[string]map[int64]string{},
	}
	if base := strings.TrimSpace(cfg.BaseURL); base != "" {
		c.zone = zone{api: apiRoot(base), configured: true}
	}
	return c
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Streams implements connectors.Connector: companies, resources, contacts, then
// tickets.
func (c *Connector) Streams() []connectors.Stream {
	return []connectors.Stream{
		&entityStream[company]{c: c, name: "companies", entity: entityCompanies, toRecords: c.companyRecords},
		&entityStream[resource]{c: c, name: "resources", entity: entityResources, toRecords: resourceRecords},
		&entityStream[contact]{c: c, name: "contacts", entity: entityContacts, toRecords: c.contactRecords},
		&TicketsStream{c: c},
	}
}

// Needs lists what the API user needs, as an operator would set it up.
func (c *Connector) Needs() []string { return needs() }

func needs() []string {
	return []string{
		"an API-only user (Admin → Resources/Users → New API User) with its user name, secret and an API tracking identifier (integration code)",
		"a security level copied from \"API User (system)\" with read access to CRM (companies, contacts), Service Desk (tickets, ticket notes), configuration items and resources; no write access is used",
		"rows the security level hides are silently left out of every answer, so a restricted user looks like an empty tenant",
	}
}

// Check implements connectors.Connector: it resolves the zone (unless base_url is
// set) and reads ThresholdInformation, which also reports how much of the hourly
// request budget the tenant has used.
func (c *Connector) Check(ctx context.Context) error {
	if _, err := c.readThreshold(ctx); err != nil {
		return fmt.Errorf("autotask: checking the connection: %w", err)
	}
	return nil
}
