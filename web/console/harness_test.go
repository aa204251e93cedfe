package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/demo"
	"github.com/custos-msp/custos/web/auth"
)

// testCSRF is the CSRF token of every test session.
const testCSRF = "test-csrf-token"

// roleHeader carries, in tests, the role the request is made with; a request
// without it carries no credentials.
const roleHeader = "X-Test-Role"

// fakeAuth authenticates a request by the role it names in roleHeader.
type fakeAuth struct{}

func (fakeAuth) Authenticate(r *http.Request) (auth.Principal, error) {
	name := r.Header.Get(roleHeader)
	if name == "" {
		return auth.Principal{}, auth.ErrNoCredentials
	}
	role, err := auth.ParseRole(name)
	if err != nil {
		return auth.Principal{}, err
	}
	via, csrf := auth.ViaSession, testCSRF
	if r.Header.Get("Authorization") != "" {
		via, csrf = auth.ViaToken, ""
	}
	return auth.Principal{Subject: "test:" + name, Name: "Test " + name, Role: role, Via: via, CSRF: csrf}, nil
}

func (fakeAuth) Handler() http.Handler { return http.NotFoundHandler() }

// auditLog keeps the changes recorded, in order.
type auditLog struct {
	mu      stdsync.Mutex
	changes []auth.Change
}

func (l *auditLog) RecordChange(_ context.Context, c auth.Change) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, c)
	return nil
}

func (l *auditLog) all() []auth.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]auth.Change(nil), l.changes...)
}

// testConsole is a console on the demo's configuration and store, with no sync run
// unless the test runs one.
type testConsole struct {
	*Console
	App   *app.App
	Audit *auditLog
}

func newTestConsole(t testing.TB) *testConsole {
	t.Helper()
	env, err := demo.Start(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	cfg, err := app.LoadConfig(env.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(t.Context(), cfg, app.Options{Version: "test", LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	audit := &auditLog{}
	c, err := New(Deps{App: a, Auth: fakeAuth{}, Audit: audit, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return &testConsole{Console: c, App: a, Audit: audit}
}

// do makes a request as role ("" for none), with form values for a POST (and the
// session's CSRF token), and returns the answer.
func (tc *testConsole) do(t *testing.T, role, method, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		if form.Get(CSRFField) == "" {
			form.Set(CSRFField, testCSRF)
		}
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if role != "" {
		r.Header.Set(roleHeader, role)
	}
	w := httptest.NewRecorder()
	tc.ServeHTTP(w, r)
	return w
}

// recordServe serves r and returns the answer.
func recordServe(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// syncedConsole is a test console whose store holds the demo's records and findings.
func syncedConsole(t testing.TB) *testConsole {
	t.Helper()
	tc := newTestConsole(t)
	if results, err := tc.App.Sync(t.Context(), ""); err != nil && !demo.Planted(results) {
		t.Fatal(err)
	}
	if _, err := tc.App.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	return tc
}
