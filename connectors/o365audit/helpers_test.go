package o365audit

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/fixtures/entra"
	fx "github.com/custos-msp/custos/fixtures/o365audit"
	"github.com/custos-msp/custos/secret"
)

// The app registration the tests sign in as; the secret has the shape of a real one.
const (
	testClientID = "0e5c7a9b-3d1f-4b2a-8c6e-4f0a2b4c6d8e"
	testSecret   = "Qx8~Lm2.Vn7_Rt4-Kp9~Zs3.Wd6_Hj1-Bf5"
	manageAud    = "https://manage.office.com"
)

// clock is a settable clock shared by the fake and the connector.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// staticTenants is a TenantLister over a fixed list.
type staticTenants []connectors.Scope

func (s staticTenants) Tenants(context.Context) ([]connectors.Scope, error) { return s, nil }

// demoTenants are the demo's customer tenants.
var demoTenants = staticTenants{
	{ID: fx.DemoContosoTenantID, Name: "Contoso Ltd"},
	{ID: fx.DemoFabrikamTenantID, Name: "Fabrikam Inc"},
}

// env is a fake Entra, a fake Management Activity API serving the demo dataset and a
// connector that signs in through azidentity.
type env struct {
	now   time.Time
	clock *clock
	ds    *fx.Dataset
	entra *entra.Server
	srv   *fx.Server
	conn  *Connector
	logs  *connectortest.LogBuffer
}

// testConfig is the connector's section with short waits.
func testConfig(baseURL string) config.O365Audit {
	cfg := config.Default().Connectors.O365Audit
	cfg.Enabled = true
	cfg.BaseURL = baseURL
	cfg.HTTP = connectortest.FastHTTP(2 * time.Second)
	return cfg
}

// newEnv starts the fakes; srvOpts and cfgFn adjust the fake and the configuration.
func newEnv(t *testing.T, srvOpts *fx.Options, cfgFn func(*config.O365Audit)) *env {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	ds, err := fx.LoadDemo(now)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	e := &env{now: now, clock: &clock{t: now}, ds: ds, logs: &connectortest.LogBuffer{}}
	e.entra = entra.NewServer()
	t.Cleanup(e.entra.Close)
	for _, tenant := range demoTenants {
		e.entra.AddApp(tenant.ID, testClientID, testSecret)
	}
	opts := fx.Options{}
	if srvOpts != nil {
		opts = *srvOpts
	}
	opts.Now = e.clock.now
	opts.Verify = func(r *http.Request, tenant string) error { return e.entra.Verify(r, tenant, manageAud) }
	e.srv = fx.NewServer(ds, opts)
	t.Cleanup(e.srv.Close)
	cfg := testConfig(e.srv.URL())
	if cfgFn != nil {
		cfgFn(&cfg)
	}
	redactor := secret.NewRedactor()
	t.Setenv("CUSTOS_TEST_O365_SECRET", testSecret)
	creds, err := entraauth.NewCredentials(config.M365Auth{
		PartnerTenantID: fx.DemoPartnerTenantID, ClientID: testClientID,
		ClientSecret: secret.Ref{Env: "CUSTOS_TEST_O365_SECRET"},
	}, entraauth.Options{AuthorityHost: e.entra.AuthorityHost(), Transport: e.entra.Client(), Redactor: redactor})
	if err != nil {
		t.Fatalf("NewCredentials: %v", err)
	}
	deps := connectors.Deps{UserAgent: "Custos/test", Logger: zerolog.New(e.logs).Level(zerolog.DebugLevel), Redactor: redactor}
	partner := Partner{TenantID: fx.DemoPartnerTenantID, Domains: []string{fx.DemoPartnerDomain, fx.DemoPartnerMailDomain}}
	e.conn = New(cfg, partner, CredentialTokens(creds), demoTenants, deps)
	e.conn.now = e.clock.now
	return e
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

// pull runs the stream named name for tenant from a cursor.
func (e *env) pull(t *testing.T, name, tenant string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor, error) {
	t.Helper()
	sink := &connectortest.Sink{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next, err := e.stream(t, name).Pull(ctx, connectors.Scope{ID: tenant}, from, sink)
	return sink, next, err
}

// mustPull runs the stream for Contoso and fails the test on an error.
func (e *env) mustPull(t *testing.T, name string, from connectors.Cursor) (*connectortest.Sink, connectors.Cursor) {
	t.Helper()
	sink, next, err := e.pull(t, name, fx.DemoContosoTenantID, from)
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
			t.Errorf("%s shows a credential: %s", what, s)
		}
	}
}
