package autotask

import (
	"context"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/autotask"
)

// BenchmarkBudget runs the pulls of every stream and scope, four at once, against a
// fake enforcing Autotask's database limit (10,000 per rolling 60 minutes, 2.78/s).
// Time runs 4 times faster than the vendor's, so that a run takes seconds: the fake
// allows 20 requests per 1.8 s (11.1/s) and the connector runs at 0.9 of that, as its
// default runs at 0.9 of the real ceiling. Metrics: ratio = requests/s achieved ÷
// 11.1/s; over = requests the fake throttled (must be 0).
func BenchmarkBudget(b *testing.B) {
	const speedup = 4
	ceiling := speedup * float64(fx.LimitRequests) / fx.LimitWindow.Seconds()
	def := config.Default().Connectors.Autotask
	const requests = 20
	limit := config.Limit{Requests: requests, Window: time.Duration(requests / ceiling * float64(time.Second))}
	e := newEnv(b, withConfig(func(c *config.Autotask) {
		c.RequestsPerSecond = speedup * def.RequestsPerSecond
		c.MinRetryWait, c.MaxRetryWait = def.MinRetryWait, def.MaxRetryWait
		c.Timeout = duration.Duration(10 * time.Second)
		c.Limit = limit // the fake's
	}))
	e.srv.Faults().SetLimits(fx.Limit(limit.Requests, limit.Window))
	work, err := connectortest.EveryPull(context.Background(), e.conn)
	if err != nil {
		b.Fatal(err)
	}
	connectortest.Budget(b, e.srv.Faults(), ceiling, 4, 60, work)
}
