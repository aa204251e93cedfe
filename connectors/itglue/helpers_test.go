package itglue

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
)

// testKey has the shape of a real IT Glue API key.
const testKey = "ITG.9f3c2e1a7b6d4c0e8a5f1b2c3d4e5f60.Zq8xWm3kLp0RtYb7Nv2Hs5JdQ4cF6gE1"

func configurations(s *connectortest.Sink) []*record.Configuration {
	var out []*record.Configuration
	for _, r := range s.Records() {
		out = append(out, r.(*record.Configuration))
	}
	return out
}

func configuration(s *connectortest.Sink, name string) *record.Configuration {
	for _, c := range configurations(s) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func names(s *connectortest.Sink) []string {
	var out []string
	for _, r := range s.Records() {
		switch v := r.(type) {
		case *record.Configuration:
			out = append(out, v.Name)
		case *record.Organization:
			out = append(out, v.Name)
		}
	}
	return out
}

// env is a fake IT Glue server and a connector pointed at it.
type env struct {
	now  time.Time
	ds   *fx.Dataset
	srv  *fx.Server
	conn *Connector
	logs *connectortest.LogBuffer
}

// testConfig is the IT Glue section with short timeouts and retry waits.
func testConfig(baseURL string) config.ITGlue {
	cfg := config.Default().Connectors.ITGlue
	cfg.Enabled = true
	cfg.BaseURL = baseURL
	cfg.HTTP = connectortest.FastHTTP(300 * time.Millisecond)
	return cfg
}

type envOption func(*config.ITGlue, *connectors.Deps, *string)

func withConfig(f func(*config.ITGlue)) envOption {
	return func(c *config.ITGlue, _ *connectors.Deps, _ *string) { f(c) }
}

func withKey(key string) envOption {
	return func(_ *config.ITGlue, _ *connectors.Deps, k *string) { *k = key }
}

func withUserAgent(ua string) envOption {
	return func(_ *config.ITGlue, d *connectors.Deps, _ *string) { d.UserAgent = ua }
}

// newDemoEnv serves the demo dataset.
func newDemoEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	now := time.Now().UTC()
	ds, err := fx.LoadDemo(now)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	return newEnv(t, now, ds, opts...)
}

func newEnv(t *testing.T, now time.Time, ds *fx.Dataset, opts ...envOption) *env {
	t.Helper()
	srv := fx.NewServer(ds, testKey)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL())
	logs := &connectortest.LogBuffer{}
	deps := connectors.Deps{
		UserAgent: "Custos/test",
		Logger:    zerolog.New(logs),
		Redactor:  secret.NewRedactor(),
	}
	key := testKey
	for _, o := range opts {
		o(&cfg, &deps, &key)
	}
	return &env{now: now, ds: ds, srv: srv, conn: New(cfg, secret.New(key), deps), logs: logs}
}

func (e *env) organizations() *OrganizationsStream { return e.conn.Streams()[0].(*OrganizationsStream) }

func (e *env) configurations() *ConfigurationsStream {
	return e.conn.Streams()[1].(*ConfigurationsStream)
}

// scope returns the scope of the organization named name.
func (e *env) scope(t *testing.T, name string) connectors.Scope {
	t.Helper()
	o := e.ds.Organization(name)
	if o == nil {
		t.Fatalf("no organization %q in the dataset", name)
	}
	return connectors.Scope{ID: o.ID, Name: name}
}

// pull runs the configurations stream for the organization named org.
func (e *env) pull(t *testing.T, org string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor, error) {
	t.Helper()
	sink := &connectortest.Sink{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	next, err := e.configurations().Pull(ctx, e.scope(t, org), from, sink)
	return sink, next, err
}
