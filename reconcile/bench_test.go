package reconcile_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/sizing"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// scale is a synthetic store of customers, each with forty devices and a team of ten
// of fifty technicians, and the seeded random source that writes their events and
// grants.
type scale struct {
	b         *testing.B
	st        *store.Store
	r         *rand.Rand
	techs     []store.Technician
	customers []scaleCustomer
	next      int
}

type scaleCustomer struct {
	id      uint
	devices []store.Device
	team    []store.Technician
}

// scaleStart and scaleSpan are when the synthetic events and grants fall: October 2026.
var (
	scaleStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	scaleSpan  = 30 * 24 * time.Hour
)

// seedScale writes customers, each with perCustomer events and grants over 30 days
// (ten of fifty technicians, forty devices each), straight into st, an empty store,
// as if synced and mapped.
func seedScale(b *testing.B, st *store.Store, customers, events, grants int) *scale {
	b.Helper()
	s := &scale{b: b, st: st, r: rand.New(rand.NewPCG(1, 2)), techs: make([]store.Technician, 50)}
	db := storetest.DB(ctx, st)
	for i := range s.techs {
		s.techs[i] = store.Technician{Name: fmt.Sprintf("Tech %02d", i), Key: fmt.Sprintf("tech %02d", i)}
	}
	s.must(db.CreateInBatches(s.techs, 500).Error)
	for c := range customers {
		cust := store.Customer{Name: fmt.Sprintf("Customer %03d", c), Key: fmt.Sprintf("customer %03d", c), Status: store.CustomerActive}
		s.must(db.Create(&cust).Error)
		devices := make([]store.Device, 40)
		for i := range devices {
			devices[i] = store.Device{CustomerID: &cust.ID, Name: fmt.Sprintf("C%03d-PC-%02d", c, i), HostKey: fmt.Sprintf("c%03dpc%02d", c, i)}
		}
		s.must(db.CreateInBatches(devices, 500).Error)
		sc := scaleCustomer{id: cust.ID, devices: devices, team: s.techs[s.r.IntN(40):][:10]}
		s.customers = append(s.customers, sc)
		s.grants(sc, grants, scaleStart, scaleSpan)
		s.events(sc, events, scaleStart, scaleSpan)
	}
	return s
}

func (s *scale) must(err error) {
	s.b.Helper()
	if err != nil {
		s.b.Fatal(err)
	}
}

func (s *scale) pulled(at time.Time) store.Pulled {
	s.next++
	return store.Pulled{Source: "bench", SourceID: strconv.Itoa(s.next), Stream: "bench", Scope: "bench", SeenAt: at}
}

// grants writes n of c's grants valid from a random time in [from, from+span).
func (s *scale) grants(c scaleCustomer, n int, from time.Time, span time.Duration) {
	auths := make([]store.Authorisation, n)
	for i := range auths {
		valid := from.Add(time.Duration(s.r.Int64N(int64(span))))
		to := valid.Add(time.Duration(2+s.r.IntN(6)) * time.Hour)
		a := store.Authorisation{Pulled: s.pulled(from), AccessScope: record.ScopeRemote, ValidFrom: valid, ValidTo: &to,
			CustomerID: &c.id, TechnicianID: &c.team[s.r.IntN(10)].ID, DeviceID: &c.devices[s.r.IntN(40)].ID, RecordedAt: from}
		switch s.r.IntN(10) {
		case 0:
			a.TechnicianID, a.DeviceID, a.ValidTo = nil, nil, nil // standing, any technician
		case 1, 2:
			a.DeviceID, a.AccessScope = nil, record.ScopeAny
		}
		auths[i] = a
	}
	if n > 0 {
		s.must(storetest.DB(ctx, s.st).CreateInBatches(auths, 1000).Error)
	}
}

// events writes n of c's events starting at a random time in [from, from+span).
func (s *scale) events(c scaleCustomer, n int, from time.Time, span time.Duration) {
	kinds := []string{record.KindRemoteSession, record.KindRemoteSession, record.KindRemoteSession, record.KindCommand, record.KindM365Admin}
	evs := make([]store.AccessEvent, n)
	for i := range evs {
		start := from.Add(time.Duration(s.r.Int64N(int64(span))))
		end := start.Add(time.Duration(s.r.IntN(90)) * time.Minute)
		tech := c.team[s.r.IntN(10)]
		evs[i] = store.AccessEvent{Pulled: s.pulled(from), Kind: kinds[s.r.IntN(len(kinds))], Action: "bench",
			StartedAt: start, EndedAt: &end, CustomerID: &c.id, TechnicianID: &tech.ID, DeviceID: &c.devices[s.r.IntN(40)].ID,
			ActorRef: tech.Key + "@msp.example", ActorName: tech.Name, SourceIP: "198.51.100.7", Detail: "Remote session"}
	}
	if n > 0 {
		s.must(storetest.DB(ctx, s.st).CreateInBatches(evs, 1000).Error)
	}
}

// change adds a hundredth more events and a thousandth more grants, over random
// customers, all in the last day of the span, as a day's syncs do.
func (s *scale) change(events, grants int) {
	day := scaleStart.Add(scaleSpan - 24*time.Hour)
	add := func(total int, write func(scaleCustomer, int)) {
		per := map[int]int{}
		for range max(1, total) {
			per[s.r.IntN(len(s.customers))]++
		}
		for i, n := range per {
			write(s.customers[i], n)
		}
	}
	add(events/100, func(c scaleCustomer, n int) { s.events(c, n, day, 24*time.Hour) })
	add(grants/1000, func(c scaleCustomer, n int) { s.grants(c, n, day, 24*time.Hour) })
}

// BenchmarkReconcile_SQLite runs the whole reconcile — reading each customer's
// events and authorisations, matching, storing every decision and the findings —
// over an SQLite store of 500 customers with 1,000,000 events and 100,000
// authorisations, and a tenth and a hundredth of that (these two also with personal
// data sealed, to show what sealing costs); then again on unchanged data (rerun-s, a
// run of the changed customers: none), again checking every customer
// (full-rerun-s), and once more after a hundredth more events and a thousandth more
// authorisations over random customers in the last day (change-1pct-s). Peak heap
// is sampled every 10 ms during the first three runs. The first run and the full
// rerun also report the processor time the process spent (-cpu-s): on SQLite all of
// the work, on PostgreSQL all but the server's.
func BenchmarkReconcile_SQLite(b *testing.B) {
	benchmarkReconcile(b, func(b *testing.B, sealer store.Sealer) *store.Store {
		st, err := store.Open(ctx, store.Options{Driver: "sqlite", Path: filepath.Join(b.TempDir(), "bench.db"), Sealer: sealer})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	})
}

// BenchmarkReconcile_PostgreSQL is BenchmarkReconcile_SQLite on a fresh schema of
// the PostgreSQL server CUSTOS_TEST_POSTGRES_DSN names; skipped without it.
func BenchmarkReconcile_PostgreSQL(b *testing.B) {
	benchmarkReconcile(b, func(b *testing.B, sealer store.Sealer) *store.Store { return storetest.Open(b, "postgres", sealer) })
}

// benchmarkReconcile runs the reconcile benchmark on the stores open opens.
func benchmarkReconcile(b *testing.B, open func(*testing.B, store.Sealer) *store.Store) {
	set := configured(b, new(config.Default()))
	for _, size := range []struct {
		events, grants int
		sealed         bool
	}{{20, 2, false}, {20, 2, true}, {200, 20, false}, {200, 20, true}, {2000, 200, false}} {
		b.Run(fmt.Sprintf("events=%d/grants=%d/sealed=%t", size.events*500, size.grants*500, size.sealed), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				var sealer store.Sealer
				if size.sealed {
					sealer = storetest.Keyring(b)
				}
				sc := seedScale(b, open(b, sealer), 500, size.events, size.grants)
				eng := &reconcile.Engine{Store: sc.st, Rules: set.Rules, Log: zerolog.Nop(), Access: set.Access}
				runtime.GC()
				stop := sizing.SamplePeak()
				b.StartTimer()
				at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
				// timed runs run, returning its result, wall time and processor time.
				timed := func(run func(context.Context, time.Time) (reconcile.Result, error)) (reconcile.Result, time.Duration, time.Duration) {
					at = at.Add(time.Hour)
					t0, cpu0 := time.Now(), processCPU(b)
					res, err := run(ctx, at)
					if err != nil {
						b.Fatal(err)
					}
					return res, time.Since(t0), processCPU(b) - cpu0
				}
				res, first, firstCPU := timed(eng.Run)
				again, rerun, _ := timed(eng.Run)
				full, fullRerun, fullCPU := timed(eng.RunFull)
				peak := stop()
				b.StopTimer()
				sc.change(size.events*500, size.grants*500)
				b.StartTimer()
				changed, changeRun, _ := timed(eng.Run)
				if res.Events != size.events*500 || again.Opened != 0 || again.Events != 0 || full.Events != res.Events || changed.Events <= 0 {
					b.Fatalf("checked %d events (want %d); re-run opened %d and checked %d events, full re-run %d, run after changes %d",
						res.Events, size.events*500, again.Opened, again.Events, full.Events, changed.Events)
				}
				b.ReportMetric(first.Seconds(), "first-run-s")
				b.ReportMetric(firstCPU.Seconds(), "first-run-cpu-s")
				b.ReportMetric(rerun.Seconds(), "rerun-s")
				b.ReportMetric(fullRerun.Seconds(), "full-rerun-s")
				b.ReportMetric(fullCPU.Seconds(), "full-rerun-cpu-s")
				b.ReportMetric(changeRun.Seconds(), "change-1pct-s")
				b.ReportMetric(float64(peak.Heap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(100*float64(res.Covered)/float64(res.Events), "%covered")
				b.ReportMetric(float64(res.Opened), "findings")
			}
		})
	}
}

// processCPU is the processor time the process has used so far, user and system:
// on a machine others share, a run's wall time says as much about them as about
// the run.
func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
