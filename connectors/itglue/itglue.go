// Package itglue is the IT Glue connector. It reads the MSP's customer organizations
// and, for each of them, the network devices (configurations of the configured
// types) with the configuration backups attached to them, through IT Glue's JSON:API
// REST API. It only reads.
package itglue

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/secret"
)

// Name is the connector's id and the Source of every record it emits.
const Name = "itglue"

// mediaType is the JSON:API media type IT Glue speaks.
const mediaType = "application/vnd.api+json"

// maxPageSize is the largest page[size] IT Glue accepts.
const maxPageSize = 1000

// Connector reads organizations and configurations from one IT Glue account. It is
// safe for concurrent use by the streams' scopes.
type Connector struct {
	cfg      config.ITGlue
	baseURL  string
	pageSize int
	header   http.Header
	client   *connectors.Client
	log      zerolog.Logger
	// types are the network type ids of the current sync run.
	types runTypes
}

var _ connectors.Connector = (*Connector)(nil)

// New returns the IT Glue connector. apiKey is sent as x-api-key; it is added to
// deps.Redactor so that no log line or error shows it.
func New(cfg config.ITGlue, apiKey secret.Value, deps connectors.Deps) *Connector {
	if deps.Redactor == nil {
		deps.Redactor = secret.NewRedactor()
	}
	deps.Redactor.Add(apiKey)
	log := deps.Logger.With().Str("connector", Name).Logger()
	pageSize := cfg.PageSize
	if pageSize <= 0 || pageSize > maxPageSize {
		pageSize = maxPageSize
	}
	h := http.Header{}
	h.Set("x-api-key", apiKey.Reveal())
	h.Set("Accept", mediaType)
	client := deps.Client(Name, cfg.HTTP, log, connectors.BaseTransport(Name, cfg.CAFile))
	return &Connector{
		cfg:      cfg,
		baseURL:  strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/"),
		pageSize: pageSize,
		header:   h,
		log:      log,
		client:   client,
	}
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Streams implements connectors.Connector: organizations, then configurations.
func (c *Connector) Streams() []connectors.Stream {
	return []connectors.Stream{&OrganizationsStream{c: c}, &ConfigurationsStream{c: c}}
}

// Needs lists what the API key needs, as an operator would set it up.
func (c *Connector) Needs() []string { return needs() }

func needs() []string {
	return []string{
		"an IT Glue API key (Account → Settings → API Keys), which only an IT Glue Administrator can create; the account needs the Enterprise plan for API access",
		"read access to organizations, configuration types, configurations and their attachments; no write access is used",
		"no password access: leave the key's \"Password Access\" switch off",
		"if the account restricts API access by IP address, Custos's egress address must be allowed",
	}
}

// Check implements connectors.Connector with one cheap request:
// GET /organizations?page[size]=1.
func (c *Connector) Check(ctx context.Context) error {
	q := url.Values{}
	q.Set("page[size]", "1")
	body, err := c.get(ctx, "/organizations", q)
	if err != nil {
		return fmt.Errorf("itglue: checking the connection: %w", err)
	}
	if _, err := decodeDocument[none, none](body, "organizations"); err != nil {
		return fmt.Errorf("itglue: checking the connection: GET /organizations: %w", err)
	}
	return nil
}

// get sends one GET and returns the body of a 2xx response.
func (c *Connector) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := c.baseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	body, _, err := c.client.Do(ctx, connectors.Request{Method: http.MethodGet, URL: u, Header: c.header})
	return body, err
}

// organizationAttributes are the attributes of an organizations resource that
// Custos uses.
type organizationAttributes struct {
	Name                   string    `json:"name"`
	ShortName              string    `json:"short-name"`
	Primary                *bool     `json:"primary"`
	OrganizationTypeName   string    `json:"organization-type-name"`
	OrganizationStatusName string    `json:"organization-status-name"`
	UpdatedAt              timestamp `json:"updated-at"`
}

// orgDocument is a page of organizations.
type orgDocument = document[organizationAttributes, none]

type organization struct {
	res   resource[organizationAttributes]
	attrs *organizationAttributes
}

// isCustomer says whether the organization is one Custos checks: never the MSP's own
// (primary) organization, and, when organization types are configured, only those.
func (c *Connector) isCustomer(o organization) bool {
	if o.attrs.Primary != nil && *o.attrs.Primary {
		return false
	}
	if len(c.cfg.OrganizationTypes) == 0 {
		return true
	}
	name := strings.TrimSpace(o.attrs.OrganizationTypeName)
	for _, t := range c.cfg.OrganizationTypes {
		if strings.EqualFold(strings.TrimSpace(t), name) {
			return true
		}
	}
	return false
}

// decodeOrganizations decodes one page of organizations, sorted by id.
func decodeOrganizations(doc *orgDocument) ([]organization, []*badResource) {
	out := make([]organization, 0, len(doc.Data))
	bad := doc.Bad
	for _, r := range doc.Data {
		attrs, err := r.attributes()
		if err != nil {
			bad = append(bad, &badResource{ID: r.ID, Type: r.Type, Raw: r.Raw, Err: err})
			continue
		}
		out = append(out, organization{res: r, attrs: attrs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].res.ID < out[j].res.ID })
	return out, bad
}

// customerOrganizations lists every customer organization, sorted by id.
func (c *Connector) customerOrganizations(ctx context.Context) ([]organization, error) {
	var out []organization
	err := walk(ctx, c, "/organizations", c.orgQuery(), 1, "organizations", "organizations",
		func(doc *orgDocument, page int) error {
			// The organizations stream quarantines what does not decode; an organization
			// that does not is left out of the scopes until it does.
			orgs, _ := decodeOrganizations(doc)
			for _, o := range orgs {
				if c.isCustomer(o) {
					out = append(out, o)
				}
			}
			return nil
		})
	sort.Slice(out, func(i, j int) bool { return out[i].res.ID < out[j].res.ID })
	return out, err
}

func (c *Connector) orgQuery() url.Values {
	q := url.Values{}
	q.Set("sort", "id")
	q.Set("page[size]", strconv.Itoa(c.pageSize))
	return q
}
