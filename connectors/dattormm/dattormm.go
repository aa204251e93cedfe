// Package dattormm is the Datto RMM connector. Through the platform's REST API v2 it
// reads the account's sites (the customers), its users (the technicians), its devices
// (with their serial numbers from the device audit) and the activity log, from which
// it keeps remote sessions (remote takeovers, Web Remote) and jobs run on devices. It
// only reads.
package dattormm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/secret"
)

// Name is the connector's id and the Source of every record it emits.
const Name = "dattormm"

// maxPageSize is the largest page the platform serves.
const maxPageSize = 250

// Connector reads one Datto RMM account. It is safe for concurrent use.
type Connector struct {
	cfg      config.DattoRMM
	base     *url.URL
	pageSize int
	client   *connectors.Client
	tokens   *tokenSource
	throttle *throttleWatch
	log      zerolog.Logger
	// now is the clock (tests replace it).
	now func() time.Time

	mu sync.Mutex
	// unknownLogged holds the activity combinations already logged as unknown.
	unknownLogged map[string]bool
}

var _ connectors.Connector = (*Connector)(nil)

// New returns the Datto RMM connector for the platform cfg.Platform (or cfg.BaseURL).
// apiKey and apiSecret are added to deps.Redactor, as is every access token the
// connector obtains, so that no log line or error shows them.
func New(cfg config.DattoRMM, apiKey, apiSecret secret.Value, deps connectors.Deps) *Connector {
	if deps.Redactor == nil {
		deps.Redactor = secret.NewRedactor()
	}
	deps.Redactor.Add(apiKey, apiSecret)
	// The secret travels form-encoded in the token request; a server echoing the body
	// would show it in that form.
	for _, v := range []secret.Value{apiKey, apiSecret} {
		if esc := url.QueryEscape(v.Reveal()); esc != v.Reveal() {
			deps.Redactor.Add(secret.New(esc))
		}
	}
	log := deps.Logger.With().Str("connector", Name).Logger()
	pageSize := cfg.PageSize
	if pageSize <= 0 || pageSize > maxPageSize {
		pageSize = maxPageSize
	}
	throttle := &throttleWatch{next: connectors.BaseTransport(Name, cfg.CAFile)}
	client := deps.Client(Name, cfg.HTTP, log, throttle)
	c := &Connector{
		cfg:           cfg,
		base:          baseURL(cfg),
		pageSize:      pageSize,
		client:        client,
		throttle:      throttle,
		log:           log,
		now:           time.Now,
		unknownLogged: map[string]bool{},
	}
	c.tokens = &tokenSource{c: c, key: apiKey, secret: apiSecret, redactor: deps.Redactor}
	return c
}

// baseURL is cfg.BaseURL or https://<platform>-api.centrastage.net. The configuration
// is validated at start, so a parse error leaves an empty URL whose requests fail.
func baseURL(cfg config.DattoRMM) *url.URL {
	raw := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if raw == "" {
		raw = "https://" + strings.ToLower(strings.TrimSpace(cfg.Platform)) + "-api.centrastage.net"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Streams implements connectors.Connector: sites, users, devices, then activity.
func (c *Connector) Streams() []connectors.Stream {
	return []connectors.Stream{&SitesStream{c: c}, &UsersStream{c: c}, &DevicesStream{c: c}, &ActivityStream{c: c}}
}

// Needs lists what the API user needs, as an operator would set it up.
func (c *Connector) Needs() []string { return needs() }

func needs() []string {
	return []string{
		"API access switched on for the account (Setup > Global Settings > Access Control > Enable API Access)",
		"an API Key and API Secret Key generated for a dedicated API user (Setup > Users > the user > Generate API Keys)",
		"a security level that sees every site; reading other users' activity needs the Administrator security level",
		"the account's platform name (e.g. merlot, pinotage, concord), shown under Setup > Global Settings and Support > Diagnostics",
		"read access only: Custos never writes to Datto RMM",
	}
}

// Check implements connectors.Connector: it obtains a token and reads
// GET /api/v2/account.
func (c *Connector) Check(ctx context.Context) error {
	const path = "/api/v2/account"
	body, err := c.get(ctx, c.endpoint(path, nil))
	if err != nil {
		return fmt.Errorf("dattormm: checking the connection: %w", err)
	}
	var account struct {
		UID string `json:"uid"`
	}
	if err := json.Unmarshal(body, &account); err != nil {
		return fmt.Errorf("dattormm: checking the connection: GET %s: decoding the account: %w", path, err)
	}
	return nil
}

// endpoint returns the URL of path on the platform host with query q.
func (c *Connector) endpoint(path string, q url.Values) *url.URL {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	return &u
}

// logUnknown logs an activity combination Custos does not store, once per connector.
func (c *Connector) logUnknown(combination string) {
	c.mu.Lock()
	seen := c.unknownLogged[combination]
	c.unknownLogged[combination] = true
	c.mu.Unlock()
	if !seen {
		c.log.Warn().Str("activity", combination).
			Msg("Datto RMM activity of a kind Custos does not know is not stored; report it if it is access to a customer machine")
	}
}

// excerpt shortens a payload for an error message.
func excerpt(b []byte) string {
	const maxLen = 120
	if len(b) > maxLen {
		return string(b[:maxLen]) + "…"
	}
	return string(b)
}
