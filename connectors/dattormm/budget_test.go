package dattormm

import (
	"context"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
)

// BenchmarkBudget runs the pulls of every stream and scope, four at once, against a
// fake enforcing Datto RMM's account limit at its documented rate (600 per rolling
// 60 s, 10/s) over a 2 s window instead of 60 s, with the default rate (0.9 of the
// ceiling). Metrics: ratio = requests/s achieved ÷ 10/s; over = requests the fake
// throttled (must be 0).
func BenchmarkBudget(b *testing.B) {
	def := config.Default().Connectors.DattoRMM
	const window = 2 * time.Second
	ceiling := float64(fx.LimitRequests) / fx.LimitWindow.Seconds()
	limit := config.Limit{Requests: int(ceiling * window.Seconds()), Window: window}
	e := newDemoEnv(b, func(c *config.DattoRMM) {
		c.RequestsPerSecond, c.MinRetryWait, c.MaxRetryWait = def.RequestsPerSecond, def.MinRetryWait, def.MaxRetryWait
		c.Timeout = duration.Duration(10 * time.Second)
		c.PageSize = 1
		c.Limit = limit // the fake's
	})
	e.srv.Faults().SetLimits(fx.Limit(limit.Requests, limit.Window))
	work, err := connectortest.EveryPull(context.Background(), e.conn)
	if err != nil {
		b.Fatal(err)
	}
	connectortest.Budget(b, e.srv.Faults(), ceiling, 4, 60, work)
}
