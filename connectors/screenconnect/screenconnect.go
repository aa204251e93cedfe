// Package screenconnect is the ConnectWise ScreenConnect connector. It reads the
// sessions (the machines with an agent, and the agent's life), the technicians' Host
// connections, and their commands, toolbox runs, file transfers and backstage use,
// through the Report.json handler of a cloud or on-premises instance, or from a copy
// of an on-premises App_Data/Session.db. It only reads.
package screenconnect

import (
	"context"
	"encoding/base64"
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
const Name = "screenconnect"

// Connector reads one ScreenConnect instance. It is safe for concurrent use.
type Connector struct {
	cfg config.ScreenConnect
	src source
	log zerolog.Logger
	now func() time.Time

	mu sync.Mutex
	// types is the server's SessionEventType enum, once read.
	types *eventTypes
	// unknown holds the event types already logged as unknown.
	unknown map[string]bool
}

var _ connectors.Connector = (*Connector)(nil)

// New returns the ScreenConnect connector. username and password are sent as HTTP
// Basic on every request and added to deps.Redactor. When cfg.SessionDB is set the
// connector reads that file instead, and username and password may be zero.
func New(cfg config.ScreenConnect, username, password secret.Value, deps connectors.Deps) *Connector {
	if deps.Redactor == nil {
		deps.Redactor = secret.NewRedactor()
	}
	log := deps.Logger.With().Str("connector", Name).Logger()
	if cfg.CompanyProperty < 1 || cfg.CompanyProperty > 8 {
		cfg.CompanyProperty = 1
	}
	itemLimit := max(cfg.ItemLimit, 1)
	c := &Connector{cfg: cfg, log: log, now: time.Now, unknown: map[string]bool{}}
	if cfg.SessionDB != "" {
		c.src = &dbSource{path: cfg.SessionDB, itemLimit: itemLimit}
		return c
	}
	basic := base64.StdEncoding.EncodeToString([]byte(username.Reveal() + ":" + password.Reveal()))
	deps.Redactor.Add(username, password, secret.New(basic))
	h := http.Header{}
	h.Set("Authorization", "Basic "+basic)
	h.Set("Accept", "application/json")
	client := deps.Client(Name, cfg.HTTP, log, connectors.BaseTransport(Name, cfg.CAFile))
	c.src = &reportSource{
		client: client, baseURL: strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/"), header: h,
		itemLimit: itemLimit, maxPages: cfg.MaxPages, now: func() time.Time { return c.now() }, log: log,
	}
	return c
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Streams implements connectors.Connector: sessions, connections, events.
func (c *Connector) Streams() []connectors.Stream {
	return []connectors.Stream{&SessionsStream{c: c}, &ConnectionsStream{c: c}, &EventsStream{c: c}}
}

// Check implements connectors.Connector: a Session report of one row, or, for a
// Session.db, opening it and checking its tables and columns.
func (c *Connector) Check(ctx context.Context) error {
	if err := c.src.check(ctx); err != nil {
		return fmt.Errorf("screenconnect: checking the connection: %w", err)
	}
	return nil
}

// Needs lists what the connector needs, as an operator would set it up.
func (c *Connector) Needs() []string { return needs() }

func needs() []string {
	return []string{
		"an internal ScreenConnect user without multi-factor authentication, for HTTP Basic on the Report.json handler (or, on premises, a copy of App_Data/Session.db readable by Custos)",
		"a role that can view every session group (ViewSessionGroup over All Machines): a narrower role sees fewer sessions without any error",
		"read access only: Custos never joins, runs commands or edits sessions",
	}
}

// query returns what every read of a pull of stream is limited to.
func (c *Connector) query(stream string) query {
	return query{stream: stream, sessionTypes: c.cfg.SessionTypes, company: c.cfg.CompanyProperty}
}

// eventTypes returns the server's enum, read once; when the server does not publish
// it, the built-in one for this pull.
func (c *Connector) eventTypes(ctx context.Context) *eventTypes {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.types != nil {
		return c.types
	}
	t, err := c.src.eventTypes(ctx)
	if err != nil {
		c.log.Warn().Err(err).Msg("could not read the SessionEventType enum from /Script.ashx; using the built-in one")
		return builtinEventTypes()
	}
	c.types = t
	return t
}

// noteUnknown logs an event type the connector has no rule for, once per type.
func (c *Connector) noteUnknown(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unknown[name] {
		return
	}
	c.unknown[name] = true
	c.log.Warn().Str("event_type", name).
		Msg("unknown ScreenConnect event type: kept as a command event; tell the Custos maintainers what it means")
}
