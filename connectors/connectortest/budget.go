package connectortest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/fixtures/fakehttp"
)

// Budget measures how much of a vendor's request budget a connector uses against a
// fake that enforces the vendor's limit (fakehttp.Limit): workers run work over and
// over, concurrently as the sync engine pulls scopes, until the fake has received
// requests requests. It reports, as benchmark metrics, the request rate achieved per
// limit key (the account, or each tenant) divided by ceiling (the limit's requests
// per second), the lowest over the keys in the last iteration, as "ratio"; and the requests the fake
// throttled because they were over the limit as "over".
//
// Each iteration starts as a sync run does, from a budget that has been quiet: it
// waits for quiet first, which refills what listing the scopes for work spent.
func Budget(b *testing.B, faults *fakehttp.Faults, ceiling float64, workers, requests int, work func(context.Context) error) {
	b.Helper()
	ratio := 0.0
	for b.Loop() {
		b.StopTimer()
		time.Sleep(quiet)
		b.StartTimer()
		start := len(faults.Log())
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					if err := work(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
						b.Error(err)
						cancel()
					}
				}
			})
		}
		for len(faults.Log())-start < requests && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		ratio = lowestRatio(faults.Log()[start:], ceiling)
	}
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(faults.Throttled()), "over")
}

// quiet is longer than any budget of the benchmarks takes to refill its burst.
const quiet = time.Second

// lowestRatio is, over the keys of log, the lowest request rate between a key's first
// and last request, divided by ceiling.
func lowestRatio(log []fakehttp.Logged, ceiling float64) float64 {
	type span struct {
		first, last time.Time
		n           int
	}
	spans := map[string]*span{}
	for _, l := range log {
		s, ok := spans[l.Key]
		if !ok {
			s = &span{first: l.At}
			spans[l.Key] = s
		}
		s.last = l.At
		s.n++
	}
	lowest := 0.0
	for _, s := range spans {
		d := s.last.Sub(s.first).Seconds()
		if s.n < 2 || d <= 0 {
			continue
		}
		r := float64(s.n-1) / d / ceiling
		if lowest == 0 || r < lowest {
			lowest = r
		}
	}
	return lowest
}

// EveryPull returns work for Budget that pulls, one call after the other and round
// the list again, every scope of every stream of conn from the empty cursor.
func EveryPull(ctx context.Context, conn connectors.Connector) (func(context.Context) error, error) {
	type pull struct {
		s     connectors.Stream
		scope connectors.Scope
	}
	var pulls []pull
	for _, s := range conn.Streams() {
		scopes, err := s.Scopes(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: listing scopes: %w", conn.Name(), s.Name(), err)
		}
		for _, sc := range scopes {
			pulls = append(pulls, pull{s, sc})
		}
	}
	if len(pulls) == 0 {
		return nil, fmt.Errorf("%s: nothing to pull", conn.Name())
	}
	nextPull := Cycle(pulls)
	return func(ctx context.Context) error {
		p := nextPull()
		_, err := p.s.Pull(ctx, p.scope, "", &Sink{})
		return err
	}, nil
}

// Cycle returns a function that returns the items in turn, round the list again, to
// concurrent callers.
func Cycle[T any](items []T) func() T {
	var (
		mu   sync.Mutex
		next int
	)
	return func() T {
		mu.Lock()
		defer mu.Unlock()
		it := items[next%len(items)]
		next++
		return it
	}
}
