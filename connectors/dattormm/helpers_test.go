package dattormm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/secret"
)

// testKey and testSecret have the shape of real Datto RMM API keys; the secret holds
// characters that change when form-encoded.
const (
	testKey    = "UJ4NQ8RB3C7D1E6F2G9H5K0LMP"
	testSecret = "Zr7+Kq2/Wm9=Xv4&Tp1!Ns8Lb3Hd6Fj0"
)

// env is a fake Datto RMM platform and a connector pointed at it.
type env struct {
	now  time.Time
	ds   *fx.Dataset
	srv  *fx.Server
	conn *Connector
	logs *connectortest.LogBuffer
}

// testConfig is the Datto RMM section with short timeouts and retry waits.
func testConfig(baseURL string) config.DattoRMM {
	cfg := config.Default().Connectors.DattoRMM
	cfg.Enabled = true
	cfg.BaseURL = baseURL
	cfg.HTTP = connectortest.FastHTTP(300 * time.Millisecond)
	return cfg
}

// newEnv serves the demo dataset to a connector built with cfgFn's changes; key and
// secret are what the connector is given (the server knows testKey and testSecret).
func newEnv(t testing.TB, cfgFn func(*config.DattoRMM), key, sec string) *env {
	t.Helper()
	now := time.Now().UTC()
	ds, err := fx.LoadDemo(now)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	srv := fx.NewServer(ds, testKey, testSecret)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL())
	if cfgFn != nil {
		cfgFn(&cfg)
	}
	logs := &connectortest.LogBuffer{}
	deps := connectors.Deps{UserAgent: "Custos/test", Logger: zerolog.New(logs), Redactor: secret.NewRedactor()}
	return &env{now: now, ds: ds, srv: srv, conn: New(cfg, secret.New(key), secret.New(sec), deps), logs: logs}
}

// newDemoEnv serves the demo dataset to a connector with the right credentials.
func newDemoEnv(t testing.TB, cfgFn func(*config.DattoRMM)) *env {
	t.Helper()
	return newEnv(t, cfgFn, testKey, testSecret)
}

// stream returns the connector's stream named name.
func (e *env) stream(t *testing.T, name string) connectors.Stream {
	t.Helper()
	for _, s := range e.conn.Streams() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no stream %q", name)
	return nil
}

// pull runs the stream named name with sink (a new one when nil).
func (e *env) pull(t *testing.T, name string, from connectors.Cursor, sink *connectortest.Sink) (*connectortest.Sink, connectors.Cursor, error) {
	t.Helper()
	if sink == nil {
		sink = &connectortest.Sink{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	next, err := e.stream(t, name).Pull(ctx, connectors.Account, from, sink)
	return sink, next, err
}

// mustPull runs the stream and fails the test on an error.
func (e *env) mustPull(t *testing.T, name string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor) {
	t.Helper()
	sink, next, err := e.pull(t, name, from, nil)
	if err != nil {
		t.Fatalf("%s Pull: %v", name, err)
	}
	return sink, next
}

// mustNotLeak fails when s shows a credential.
func mustNotLeak(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s shows a credential %q: %s", what, sec, s)
		}
	}
}
