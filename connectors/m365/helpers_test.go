package m365_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/connectors/m365"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/fixtures/entra"
	"github.com/custos-msp/custos/fixtures/graph"
	"github.com/custos-msp/custos/secret"
)

const demoSecret = "Zq8~demo.Secret-For_Tests~0123456789"

// env is a connector wired to a fake Entra and a fake Graph with the demo data.
type env struct {
	tokens *entra.Server
	graph  *graph.Server
	conn   *m365.Connector
	now    time.Time
	logs   *connectortest.LogBuffer
}

// newEnv builds the env; each modify changes the connector's configuration first.
func newEnv(t testing.TB, modify ...func(*config.M365)) *env {
	t.Helper()
	now := graph.Reference
	tokens := entra.NewServer()
	t.Cleanup(tokens.Close)
	for _, tenant := range graph.DemoTenants {
		tokens.AddApp(tenant, graph.DemoClientID, demoSecret)
	}
	for _, tenant := range graph.DemoRevoked {
		tokens.RevokeConsent(tenant)
	}
	g := graph.NewServer(graph.LoadDemo(now), tokens)
	t.Cleanup(g.Close)
	t.Setenv("CUSTOS_TEST_M365_SECRET", demoSecret)
	cfg := config.Default().Connectors.M365
	cfg.Enabled = true
	cfg.PartnerTenantID = graph.PartnerTenant
	cfg.ClientID = graph.DemoClientID
	cfg.ClientSecret = secret.Ref{Env: "CUSTOS_TEST_M365_SECRET"}
	cfg.AuthorityHost = tokens.AuthorityHost()
	cfg.GraphURL = g.URL()
	cfg.Mailbox = graph.DemoMailbox
	cfg.RequestsPerSecond = 1000
	cfg.ReportsPerTenant, cfg.ReportsAllTenants = 1000, 1000
	cfg.MinRetryWait = duration.Duration(time.Second)
	for _, m := range modify {
		m(&cfg)
	}
	logs := &connectortest.LogBuffer{}
	deps := connectors.Deps{Logger: zerolog.New(logs), Redactor: secret.NewRedactor()}
	conn, err := m365.New(cfg, deps, m365.Options{Transport: tokens.Client(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return &env{tokens: tokens, graph: g, conn: conn, now: now, logs: logs}
}

// stream returns the connector's stream by name.
func (e *env) stream(t testing.TB, name string) connectors.Stream {
	t.Helper()
	for _, s := range e.conn.Streams() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no stream %s", name)
	return nil
}

// pull runs one pull of a stream for a scope into a fresh sink.
func (e *env) pull(t *testing.T, stream string, scope connectors.Scope, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor, error) {
	t.Helper()
	sink := &connectortest.Sink{}
	next, err := e.stream(t, stream).Pull(context.Background(), scope, from, sink)
	return sink, next, err
}
