package sweep

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// customerData builds one customer's events and authorisations over 30 days: ten
// technicians, fifty devices; most authorisations are ticket windows of 2 to 8 hours
// for one technician and device, some for any device, a tenth standing.
func customerData(r *rand.Rand, events, grants int) ([]Event, []Grant) {
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	span := 30 * 24 * time.Hour
	gs := make([]Grant, grants)
	for i := range gs {
		from := start.Add(time.Duration(r.Int64N(int64(span))))
		g := Grant{ID: uint(i + 1), Technician: uint(1 + r.IntN(10)), Device: uint(1 + r.IntN(50)), Scope: "remote", From: from}
		switch r.IntN(10) {
		case 0:
			g.Technician, g.Device = 0, 0 // standing, any technician
		case 1, 2:
			g.Device, g.Scope = 0, "any"
			g.To = from.Add(time.Duration(2+r.IntN(6)) * time.Hour)
		default:
			g.To = from.Add(time.Duration(2+r.IntN(6)) * time.Hour)
		}
		gs[i] = g
	}
	es := make([]Event, events)
	scopes := []string{"remote", "remote", "remote", "command", "admin"}
	for i := range es {
		s := start.Add(time.Duration(r.Int64N(int64(span))))
		es[i] = Event{ID: uint(i + 1), Scope: scopes[r.IntN(len(scopes))], Start: s, End: s.Add(time.Duration(r.IntN(90)) * time.Minute),
			Technician: uint(r.IntN(11)), Device: uint(1 + r.IntN(50))}
	}
	return es, gs
}

// BenchmarkMatch matches 500 customers' events at three sizes: 1,000,000 events and
// 100,000 authorisations in all, a tenth and a hundredth of that. Customers are built
// one at a time outside the timer, as reconcile streams them, so the peak heap is
// what matching one customer needs plus the decisions of that customer.
func BenchmarkMatch(b *testing.B) {
	for _, size := range []struct{ events, grants int }{{2000, 200}, {200, 20}, {20, 2}} {
		b.Run(fmt.Sprintf("events=%d/grants=%d", size.events*500, size.grants*500), func(b *testing.B) {
			opts := Options{Before: 15 * time.Minute, After: 30 * time.Minute}
			var covered, total int
			var peak uint64
			for b.Loop() {
				r := rand.New(rand.NewPCG(1, 2))
				for range 500 {
					b.StopTimer()
					es, gs := customerData(r, size.events, size.grants)
					b.StartTimer()
					ds := Match(es, gs, opts)
					b.StopTimer()
					for _, d := range ds {
						if d.CoveredBy != 0 {
							covered++
						}
					}
					total += len(ds)
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(100*float64(covered)/float64(total), "%covered")
		})
	}
}
