package itglue

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	fx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/secret"
)

// pullAll lists the configurations stream's scopes (which starts a sync run) and
// pulls every one of them concurrently, as the sync engine does.
func (e *env) pullAll(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := e.configurations()
	scopes, err := s.Scopes(ctx)
	if err != nil {
		t.Fatalf("Scopes: %v", err)
	}
	var wg sync.WaitGroup
	for _, sc := range scopes {
		wg.Go(func() {
			if _, err := s.Pull(ctx, sc, "", &connectortest.Sink{}); err != nil {
				t.Errorf("scope %s: %v", sc.ID, err)
			}
		})
	}
	wg.Wait()
}

// TestRetryAfter_PausesEveryScope: IT Glue's limit is account-wide, so a 429 with
// Retry-After to one organization's request holds back the requests of every other
// organization: the fake receives nothing from the moment it sent the 429 until the
// Retry-After has passed, and every scope still completes.
func TestRetryAfter_PausesEveryScope(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		pause      time.Duration
	}{
		{"delay seconds", "1", time.Second},
		{"two seconds", "2", 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now().UTC()
			ds := fx.Generate(4, 20, 0, now)
			// A rate of a few requests a second leaves no request in flight when
			// the 429 arrives: the pause, not luck, keeps the others back.
			e := newEnv(t, now, ds, withConfig(func(c *config.ITGlue) {
				c.RequestsPerSecond = 8
				c.PageSize = 10
				c.MaxRetryWait = duration.Duration(5 * time.Second)
			}))
			// The second request of one organization, when every scope is sending.
			throttled, seen := ds.Organizations[2].ID, 0
			e.srv.Inject(fakehttp.Fault{Path: "/configurations", Times: 1, Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter,
				Match: func(r *http.Request) bool {
					if r.URL.Query().Get("filter[organization_id]") != throttled {
						return false
					}
					seen++
					return seen == 2
				}})
			e.pullAll(t)

			// The 429 was answered when its request arrived; the client pauses once
			// it has the answer, so nothing may arrive in the Retry-After after it.
			log := e.srv.Faults().Log()
			at := throttledAt(t, log)
			after := 0
			for _, l := range log {
				switch {
				case l.At.After(at) && l.At.Before(at.Add(tt.pause)):
					t.Errorf("%s received %s after the 429, inside its Retry-After of %s", l.Path, l.At.Sub(at), tt.pause)
				case l.At.After(at):
					after++
				}
			}
			if after == 0 {
				t.Errorf("no request after the pause: the test proves nothing")
			}
		})
	}
}

// throttledAt returns when the one 429 in log was answered.
func throttledAt(t *testing.T, log []fakehttp.Logged) time.Time {
	t.Helper()
	var at []time.Time
	for _, l := range log {
		if l.Status == http.StatusTooManyRequests {
			at = append(at, l.At)
		}
	}
	if len(at) != 1 {
		t.Fatalf("%d requests answered 429, want 1", len(at))
	}
	return at[0]
}

// TestConfigurationTypes_ReadOncePerRun: the pulls of every organization in one sync
// run share one listing of the configuration types, and the next run (the daemon keeps
// the connector) reads them again, so a renamed type is seen.
func TestConfigurationTypes_ReadOncePerRun(t *testing.T) {
	tests := []struct {
		orgs, runs int
	}{
		{1, 1},
		{5, 1},
		{5, 3},
	}
	for _, tt := range tests {
		now := time.Now().UTC()
		e := newEnv(t, now, fx.Generate(tt.orgs, 8, 0, now))
		for range tt.runs {
			e.pullAll(t)
		}
		if got := e.srv.Requests("/configuration_types"); got != tt.runs {
			t.Errorf("%d organizations, %d runs: %d listings of the configuration types, want %d", tt.orgs, tt.runs, got, tt.runs)
		}
	}
}

// BenchmarkBudget runs the pulls of every stream and organization, four at once, against a fake enforcing IT Glue's limit at its documented rate (3,000 per
// 5 minutes, 10/s) over a 2 s window instead of 5 minutes, with the default rate
// (0.9 of the ceiling). Metrics: ratio = requests/s achieved ÷ 10/s; over = requests
// the fake throttled (must be 0).
func BenchmarkBudget(b *testing.B) {
	now := time.Now().UTC()
	ds := fx.Generate(40, 30, 0, now)
	srv := fx.NewServer(ds, testKey)
	defer srv.Close()
	const window = 2 * time.Second
	ceiling := float64(fx.LimitRequests) / fx.LimitWindow.Seconds()
	srv.Faults().SetLimits(fx.Limit(int(ceiling*window.Seconds()), window))
	cfg := testConfig(srv.URL())
	def := config.Default().Connectors.ITGlue
	cfg.RequestsPerSecond, cfg.MinRetryWait, cfg.MaxRetryWait = def.RequestsPerSecond, def.MinRetryWait, def.MaxRetryWait
	cfg.Limit = config.Limit{Requests: int(ceiling * window.Seconds()), Window: window} // the fake's
	cfg.Timeout = duration.Duration(10 * time.Second)
	cfg.PageSize = 5
	work, err := connectortest.EveryPull(context.Background(), New(cfg, secret.New(testKey), connectors.Deps{}))
	if err != nil {
		b.Fatal(err)
	}
	connectortest.Budget(b, srv.Faults(), ceiling, 4, 60, work)
}
