package dattormm

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/vocab"
)

// checkConcurrently runs n Checks at once and fails the test on an error.
func checkConcurrently(t *testing.T, c *Connector, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = c.Check(context.Background()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
	}
}

func TestToken_ConcurrentCallersShareOneRequest(t *testing.T) {
	e := newDemoEnv(t, nil)
	// Hold the token answers back so that every caller waits for the one under way.
	e.srv.Inject(fakehttp.Fault{Path: fx.TokenPath, Delay: 200 * time.Millisecond, Times: 2})
	checkConcurrently(t, e.conn, 8)
	if n := e.srv.Requests(fx.TokenPath); n != 1 {
		t.Errorf("%d token requests for 8 concurrent callers, want 1", n)
	}
	e.srv.ExpireTokens()
	checkConcurrently(t, e.conn, 8)
	if n := e.srv.Requests(fx.TokenPath); n != 2 {
		t.Errorf("%d token requests after the token expired under 8 callers, want 2", n)
	}
	// 8, then 8 refused and 8 repeated with the new token.
	if n := e.srv.Requests(fx.AccountPath); n != 24 {
		t.Errorf("%d account requests, want 24", n)
	}
}

func TestToken_RenewedOn401MidWalk(t *testing.T) {
	e := newDemoEnv(t, func(c *config.DattoRMM) { c.PageSize = 1 })
	sink := &connectortest.Sink{AfterPage: func(n int) {
		if n == 2 {
			e.srv.ExpireTokens()
		}
	}}
	if _, _, err := e.pull(t, "sites", "", sink); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if n := len(sink.Records()); n != 4 {
		t.Errorf("%d sites, want 4", n)
	}
	if n := e.srv.Requests(fx.TokenPath); n != 2 {
		t.Errorf("%d token requests, want 2 (one renewal)", n)
	}
	// 4 pages, and page 3 once more after the refusal.
	if n := e.srv.Requests(fx.SitesPath); n != 5 {
		t.Errorf("%d sites requests, want 5", n)
	}
}

func TestToken_RenewedAt75PercentOfItsLifetime(t *testing.T) {
	e := newDemoEnv(t, nil)
	clock := time.Now()
	e.conn.now = func() time.Time { return clock }
	for _, step := range []struct {
		advance    time.Duration
		wantTokens int
	}{
		{0, 1},
		{74 * time.Hour, 1},
		{2 * time.Hour, 2}, // 76 hours: past 75 % of 100 hours
		{74 * time.Hour, 2},
	} {
		clock = clock.Add(step.advance)
		if err := e.conn.Check(context.Background()); err != nil {
			t.Fatalf("Check: %v", err)
		}
		if n := e.srv.Requests(fx.TokenPath); n != step.wantTokens {
			t.Errorf("after %v more: %d token requests, want %d", step.advance, n, step.wantTokens)
		}
	}
}

func TestToken_RefusedIsAccessDenied(t *testing.T) {
	tests := []struct {
		name        string
		key, secret string
		fault       *fakehttp.Fault
	}{
		{"wrong key", "WRONGKEY00000000000000000", testSecret, nil},
		{"wrong secret", testKey, "wrong-secret-0000000000000", nil},
		{"400 invalid_grant", testKey, testSecret, &fakehttp.Fault{Path: fx.TokenPath, Status: http.StatusBadRequest, EchoCredentials: true}},
		{"401 echoing the secret", testKey, testSecret, &fakehttp.Fault{Path: fx.TokenPath, Status: http.StatusUnauthorized, EchoCredentials: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, tt.key, tt.secret)
			if tt.fault != nil {
				e.srv.Inject(*tt.fault)
			}
			_, _, err := e.pull(t, "sites", "", nil)
			if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
				t.Fatalf("Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
			}
			connectortest.MustContain(t, err.Error(), "dattormm", "POST /auth/oauth/token", "the API key, the API secret or the platform is wrong")
			mustNotLeak(t, "error", err.Error(), tt.key, tt.secret, testSecret)
			mustNotLeak(t, "logs", e.logs.String(), tt.key, tt.secret, testSecret)
			if n := e.srv.Requests(fx.SitesPath); n != 0 {
				t.Errorf("%d sites requests without a token, want none", n)
			}
			if n := e.srv.Requests(fx.TokenPath); n != 1 {
				t.Errorf("%d token requests, want 1 (a refusal is not retried)", n)
			}
		})
	}
}

func TestToken_401AfterRenewalIsAccessDenied(t *testing.T) {
	e := newDemoEnv(t, nil)
	e.srv.Inject(fakehttp.Fault{Path: fx.AccountPath, Status: http.StatusUnauthorized, EchoCredentials: true})
	err := e.conn.Check(context.Background())
	if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
		t.Fatalf("Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
	}
	if n := e.srv.Requests(fx.TokenPath); n != 2 {
		t.Errorf("%d token requests, want 2 (one renewal, no more)", n)
	}
	if n := e.srv.Requests(fx.AccountPath); n != 2 {
		t.Errorf("%d account requests, want 2 (one repeat after the renewal)", n)
	}
	connectortest.MustContain(t, err.Error(), "GET /api/v2/account", "HTTP 401", "Request with credential [REDACTED] refused")
	mustNotLeak(t, "error", err.Error(), e.conn.tokens.tok)
}

func TestCheck(t *testing.T) {
	e := newDemoEnv(t, nil)
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if e.srv.Requests(fx.TokenPath) != 1 || e.srv.Requests(fx.AccountPath) != 1 {
		t.Errorf("%d token and %d account requests, want one each", e.srv.Requests(fx.TokenPath), e.srv.Requests(fx.AccountPath))
	}
	bad := newEnv(t, nil, testKey, "revoked-secret-000000000000")
	err := bad.conn.Check(context.Background())
	if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
		t.Errorf("Check with a revoked secret: Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
	}
	if !strings.HasPrefix(err.Error(), "dattormm: checking the connection") {
		t.Errorf("err = %v, want it to say what was being done", err)
	}
}
