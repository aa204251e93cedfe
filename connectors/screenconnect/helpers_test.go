package screenconnect

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/screenconnect"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
)

// events returns the access events by source id.
func events(s *connectortest.Sink) map[string]*record.AccessEvent {
	return connectortest.ByID[*record.AccessEvent](s.Records())
}

// env is a fake ScreenConnect and a connector pointed at it.
type env struct {
	now  time.Time
	ds   *fx.Dataset
	srv  *fx.Server
	conn *Connector
	logs *connectortest.LogBuffer
}

// testConfig is the ScreenConnect section with short timeouts and retry waits.
func testConfig(baseURL string) config.ScreenConnect {
	cfg := config.Default().Connectors.ScreenConnect
	cfg.Enabled = true
	cfg.BaseURL = baseURL
	cfg.HTTP = connectortest.FastHTTP(300 * time.Millisecond)
	return cfg
}

type options struct {
	cfg      func(*config.ScreenConnect)
	password string
	ds       func(*fx.Dataset)
}

// newEnv serves the demo dataset (changed by o.ds) and builds the connector.
func newEnv(t *testing.T, o options) *env {
	t.Helper()
	now := time.Now().UTC()
	ds, err := fx.LoadDemo(now)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	if o.ds != nil {
		o.ds(ds)
	}
	srv := fx.NewServer(ds, fx.DemoUsername, fx.DemoPassword)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL())
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	password := cmp.Or(o.password, fx.DemoPassword)
	logs := &connectortest.LogBuffer{}
	deps := connectors.Deps{UserAgent: "Custos/test", Logger: zerolog.New(logs), Redactor: secret.NewRedactor()}
	conn := New(cfg, secret.New(fx.DemoUsername), secret.New(password), deps)
	return &env{now: now, ds: ds, srv: srv, conn: conn, logs: logs}
}

// newDBEnv writes the env's dataset as a Session.db and returns a connector reading it.
func (e *env) dbConnector(t *testing.T, drop ...string) *Connector {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Session.db")
	if err := fx.WriteSessionDB(e.ds, path, drop...); err != nil {
		t.Fatalf("WriteSessionDB: %v", err)
	}
	cfg := config.Default().Connectors.ScreenConnect
	cfg.SessionDB = path
	cfg.ItemLimit = e.conn.cfg.ItemLimit
	return New(cfg, secret.Value{}, secret.Value{}, connectors.Deps{Logger: zerolog.New(e.logs)})
}

// pull runs the named stream of c from the cursor.
func pull(t *testing.T, c *Connector, stream string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor, error) {
	t.Helper()
	sink := &connectortest.Sink{}
	next, err := pullInto(t, c, stream, from, sink)
	return sink, next, err
}

func pullInto(t *testing.T, c *Connector, stream string, from connectors.Cursor, sink *connectortest.Sink) (connectors.Cursor, error) {
	t.Helper()
	for _, s := range c.Streams() {
		if s.Name() == stream {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return s.Pull(ctx, connectors.Account, from, sink)
		}
	}
	t.Fatalf("no stream %q", stream)
	return "", nil
}

// mustPull pulls and fails the test on an error.
func mustPull(t *testing.T, c *Connector, stream string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor) {
	t.Helper()
	sink, next, err := pull(t, c, stream, from)
	if err != nil {
		t.Fatalf("Pull %s: %v", stream, err)
	}
	return sink, next
}

func ids(recs []record.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.RecordKey().SourceID)
	}
	slices.Sort(out)
	return out
}

func near(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || got.Sub(want).Abs() > time.Millisecond {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// time1 is i minutes.
func time1(i int) time.Duration { return time.Duration(i) * time.Minute }

func depsFor(t *testing.T) connectors.Deps {
	return connectors.Deps{Logger: zerolog.New(zerolog.NewTestWriter(t))}
}
