package autotask

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/autotask"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
)

// Test credentials with the shape of real ones.
const (
	testUser   = "custos-api@msp.example"
	testSecret = "Sk3#9vQ!r7Lm$2Wp"
	testCode   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ1"
)

// authorisations returns the authorisations by SourceID.
func authorisations(s *connectortest.Sink) map[string]*record.Authorisation {
	return connectortest.ByID[*record.Authorisation](s.Records())
}

// keys returns the sorted SourceIDs of the records of type T.
func keys[T record.Record](recs []record.Record) []string {
	var out []string
	for _, r := range recs {
		if _, ok := r.(T); ok {
			out = append(out, r.RecordKey().SourceID)
		}
	}
	sort.Strings(out)
	return out
}

// env is a fake Autotask tenant and a connector pointed at it.
type env struct {
	now  time.Time
	ds   *fx.Dataset
	srv  *fx.Server
	conn *Connector
	logs *connectortest.LogBuffer
}

// option changes the configuration or the connector's credentials.
type option func(cfg *config.Autotask, secret *string)

func withConfig(f func(*config.Autotask)) option {
	return func(c *config.Autotask, _ *string) { f(c) }
}

func withSecret(s string) option { return func(_ *config.Autotask, v *string) { *v = s } }

// newEnv serves the demo dataset, loaded at now, to a connector with short timeouts
// and retry waits, whose clock stands at now.
func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	ds, err := fx.LoadDemo(now)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	srv := fx.NewServer(ds, testUser, testSecret, testCode)
	t.Cleanup(srv.Close)
	cfg := config.Default().Connectors.Autotask
	cfg.Enabled = true
	cfg.BaseURL = srv.URL()
	cfg.ZoneURL = srv.ZoneInformationURL()
	cfg.ContactField = "Authorisation Contact"
	cfg.HTTP = connectortest.FastHTTP(300 * time.Millisecond)
	sec := testSecret
	for _, o := range opts {
		o(&cfg, &sec)
	}
	logs := &connectortest.LogBuffer{}
	deps := connectors.Deps{UserAgent: "Custos/test", Logger: zerolog.New(logs), Redactor: secret.NewRedactor()}
	conn := New(cfg, secret.New(testUser), secret.New(sec), secret.New(testCode), deps)
	conn.now = func() time.Time { return now }
	return &env{now: now, ds: ds, srv: srv, conn: conn, logs: logs}
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

// pull runs the stream named name from the cursor.
func (e *env) pull(t *testing.T, name string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor, error) {
	t.Helper()
	sink := &connectortest.Sink{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	next, err := e.stream(t, name).Pull(ctx, connectors.Account, from, sink)
	return sink, next, err
}

// mustPull runs the stream and fails the test on an error.
func (e *env) mustPull(t *testing.T, name string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor) {
	t.Helper()
	sink, next, err := e.pull(t, name, from)
	if err != nil {
		t.Fatalf("Pull %s: %v", name, err)
	}
	return sink, next
}

// ago returns the demo instant now − d.
func (e *env) ago(d time.Duration) time.Time { return e.now.Add(-d) }

// statusOf returns the HTTP status inside err, or 0.
func statusOf(err error) int {
	var se *connectors.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}
