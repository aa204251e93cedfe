package dattormm

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
)

// testKey and testSecret have the shape of real Datto RMM API keys; the secret holds
// characters that change when form-encoded.
const (
	testKey    = "UJ4NQ8RB3C7D1E6F2G9H5K0LMP"
	testSecret = "Zr7+Kq2/Wm9=Xv4&Tp1!Ns8Lb3Hd6Fj0"
)

// sinkPage is one sink.Page call.
type sinkPage struct {
	records []record.Record
	next    connectors.Cursor
}

// recordingSink collects pages, cursors and warnings.
type recordingSink struct {
	mu    sync.Mutex
	pages []sinkPage
	warns []error
	// onPage, when set, runs after each accepted page with the number of pages so far.
	onPage func(n int)
	// failAfter makes Page fail once this many pages were accepted (0: never).
	failAfter int
}

func (s *recordingSink) Page(_ context.Context, records []record.Record, next connectors.Cursor) error {
	s.mu.Lock()
	if s.failAfter > 0 && len(s.pages) >= s.failAfter {
		s.mu.Unlock()
		return errors.New("sink full")
	}
	s.pages = append(s.pages, sinkPage{records: records, next: next})
	n := len(s.pages)
	s.mu.Unlock()
	if s.onPage != nil {
		s.onPage(n)
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

// ids returns the SourceIDs of every record, in order.
func (s *recordingSink) ids() []string {
	var out []string
	for _, r := range s.records() {
		out = append(out, r.RecordKey().SourceID)
	}
	return out
}

func (s *recordingSink) lastCursor() connectors.Cursor {
	if len(s.pages) == 0 {
		return ""
	}
	return s.pages[len(s.pages)-1].next
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
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

// env is a fake Datto RMM platform and a connector pointed at it.
type env struct {
	now  time.Time
	ds   *fx.Dataset
	srv  *fx.Server
	conn *Connector
	logs *syncBuffer
}

// testConfig is the Datto RMM section with short timeouts and retry waits.
func testConfig(baseURL string) config.DattoRMM {
	cfg := config.Default().Connectors.DattoRMM
	cfg.Enabled = true
	cfg.BaseURL = baseURL
	cfg.RequestsPerSecond = 1000
	cfg.MaxRetries = 2
	cfg.Timeout = duration.Duration(300 * time.Millisecond)
	cfg.MinRetryWait = duration.Duration(10 * time.Millisecond)
	cfg.MaxRetryWait = duration.Duration(50 * time.Millisecond)
	return cfg
}

// newEnv serves the demo dataset to a connector built with cfgFn's changes; key and
// secret are what the connector is given (the server knows testKey and testSecret).
func newEnv(t *testing.T, cfgFn func(*config.DattoRMM), key, sec string) *env {
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
	logs := &syncBuffer{}
	deps := connectors.Deps{UserAgent: "Custos/test", Logger: zerolog.New(logs), Redactor: secret.NewRedactor()}
	return &env{now: now, ds: ds, srv: srv, conn: New(cfg, secret.New(key), secret.New(sec), deps), logs: logs}
}

// newDemoEnv serves the demo dataset to a connector with the right credentials.
func newDemoEnv(t *testing.T, cfgFn func(*config.DattoRMM)) *env {
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
func (e *env) pull(t *testing.T, name string, from connectors.Cursor, sink *recordingSink) (*recordingSink, connectors.Cursor, error) {
	t.Helper()
	if sink == nil {
		sink = &recordingSink{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	next, err := e.stream(t, name).Pull(ctx, connectors.Account, from, sink)
	return sink, next, err
}

// mustPull runs the stream and fails the test on an error.
func (e *env) mustPull(t *testing.T, name string, from connectors.Cursor) (*recordingSink, connectors.Cursor) {
	t.Helper()
	sink, next, err := e.pull(t, name, from, nil)
	if err != nil {
		t.Fatalf("%s Pull: %v", name, err)
	}
	return sink, next
}

func mustContain(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%q does not contain %q", s, p)
		}
	}
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
