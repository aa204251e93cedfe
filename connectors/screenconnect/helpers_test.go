package screenconnect

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/screenconnect"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
)

// page is one sink.Page call.
type page struct {
	records []record.Record
	next    connectors.Cursor
}

// recordingSink collects pages and warnings; afterPage, when set, runs after each
// accepted page with the number of pages so far.
type recordingSink struct {
	mu        sync.Mutex
	pages     []page
	warns     []error
	afterPage func(n int)
	refuse    bool
}

func (s *recordingSink) Page(_ context.Context, records []record.Record, next connectors.Cursor) error {
	s.mu.Lock()
	if s.refuse {
		s.mu.Unlock()
		return errors.New("sink full")
	}
	s.pages = append(s.pages, page{records, next})
	n := len(s.pages)
	s.mu.Unlock()
	if s.afterPage != nil {
		s.afterPage(n)
	}
	return nil
}

func (s *recordingSink) Warn(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warns = append(s.warns, err)
}

func (s *recordingSink) records() []record.Record {
	var out []record.Record
	for _, p := range s.pages {
		out = append(out, p.records...)
	}
	return out
}

func (s *recordingSink) lastCursor() connectors.Cursor {
	if len(s.pages) == 0 {
		return ""
	}
	return s.pages[len(s.pages)-1].next
}

// events returns the access events by source id.
func (s *recordingSink) events() map[string]*record.AccessEvent {
	out := map[string]*record.AccessEvent{}
	for _, r := range s.records() {
		if e, ok := r.(*record.AccessEvent); ok {
			out[e.SourceID] = e
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// env is a fake ScreenConnect and a connector pointed at it.
type env struct {
	now  time.Time
	ds   *fx.Dataset
	srv  *fx.Server
	conn *Connector
	logs *syncBuffer
}

// testConfig is the ScreenConnect section with short timeouts and retry waits.
func testConfig(baseURL string) config.ScreenConnect {
	cfg := config.Default().Connectors.ScreenConnect
	cfg.Enabled = true
	cfg.BaseURL = baseURL
	cfg.RequestsPerSecond = 1000
	cfg.MaxRetries = 2
	cfg.Timeout = duration.Duration(300 * time.Millisecond)
	cfg.MinRetryWait = duration.Duration(10 * time.Millisecond)
	cfg.MaxRetryWait = duration.Duration(50 * time.Millisecond)
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
	password := cmpOr(o.password, fx.DemoPassword)
	logs := &syncBuffer{}
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

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pull runs the named stream of c from the cursor.
func pull(t *testing.T, c *Connector, stream string, from connectors.Cursor) (*recordingSink, connectors.Cursor, error) {
	t.Helper()
	sink := &recordingSink{}
	next, err := pullInto(t, c, stream, from, sink)
	return sink, next, err
}

func pullInto(t *testing.T, c *Connector, stream string, from connectors.Cursor, sink *recordingSink) (connectors.Cursor, error) {
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
func mustPull(t *testing.T, c *Connector, stream string, from connectors.Cursor) (*recordingSink, connectors.Cursor) {
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

func mustContain(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%q does not contain %q", s, p)
		}
	}
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
