package reconcile_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// seedScale writes customers, each with perCustomer events and grants over 30 days
// (ten of fifty technicians, forty devices each), straight into a fresh SQLite
// store, as if synced and mapped; with sealer, personal data is sealed.
func seedScale(b *testing.B, customers, events, grants int, sealer store.Sealer) *store.Store {
	b.Helper()
	st, err := store.Open(ctx, store.Options{Driver: "sqlite", Path: filepath.Join(b.TempDir(), "bench.db"), Sealer: sealer})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	db := storetest.DB(ctx, st)
	techs := make([]store.Technician, 50)
	for i := range techs {
		techs[i] = store.Technician{Name: fmt.Sprintf("Tech %02d", i), Key: fmt.Sprintf("tech %02d", i)}
	}
	if err := db.CreateInBatches(techs, 500).Error; err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	span := int64(30 * 24 * time.Hour)
	r := rand.New(rand.NewPCG(1, 2))
	scopes := []string{record.KindRemoteSession, record.KindRemoteSession, record.KindRemoteSession, record.KindCommand, record.KindM365Admin}
	pulled := func(source string, id int) store.Pulled {
		return store.Pulled{Source: source, SourceID: strconv.Itoa(id), Stream: "bench", Scope: "bench", SeenAt: start}
	}
	var nextEvent, nextGrant int
	for c := range customers {
		cust := store.Customer{Name: fmt.Sprintf("Customer %03d", c), Key: fmt.Sprintf("customer %03d", c), Status: store.CustomerActive}
		if err := db.Create(&cust).Error; err != nil {
			b.Fatal(err)
		}
		devices := make([]store.Device, 40)
		for i := range devices {
			devices[i] = store.Device{CustomerID: &cust.ID, Name: fmt.Sprintf("C%03d-PC-%02d", c, i), HostKey: fmt.Sprintf("c%03dpc%02d", c, i)}
		}
		if err := db.CreateInBatches(devices, 500).Error; err != nil {
			b.Fatal(err)
		}
		team := techs[r.IntN(40):][:10]
		auths := make([]store.Authorisation, grants)
		for i := range auths {
			nextGrant++
			from := start.Add(time.Duration(r.Int64N(span)))
			to := from.Add(time.Duration(2+r.IntN(6)) * time.Hour)
			a := store.Authorisation{Pulled: pulled("bench", nextGrant), AccessScope: record.ScopeRemote, ValidFrom: from, ValidTo: &to,
				CustomerID: &cust.ID, TechnicianID: &team[r.IntN(10)].ID, DeviceID: &devices[r.IntN(40)].ID, RecordedAt: start}
			switch r.IntN(10) {
			case 0:
				a.TechnicianID, a.DeviceID, a.ValidTo = nil, nil, nil // standing, any technician
			case 1, 2:
				a.DeviceID, a.AccessScope = nil, record.ScopeAny
			}
			auths[i] = a
		}
		if err := db.CreateInBatches(auths, 1000).Error; err != nil {
			b.Fatal(err)
		}
		evs := make([]store.AccessEvent, events)
		for i := range evs {
			nextEvent++
			s := start.Add(time.Duration(r.Int64N(span)))
			end := s.Add(time.Duration(r.IntN(90)) * time.Minute)
			tech := team[r.IntN(10)]
			evs[i] = store.AccessEvent{Pulled: pulled("bench", nextEvent), Kind: scopes[r.IntN(len(scopes))], Action: "bench",
				StartedAt: s, EndedAt: &end, CustomerID: &cust.ID, TechnicianID: &tech.ID, DeviceID: &devices[r.IntN(40)].ID,
				ActorRef: tech.Key + "@msp.example", ActorName: tech.Name, SourceIP: "198.51.100.7", Detail: "Remote session"}
		}
		if err := db.CreateInBatches(evs, 1000).Error; err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkReconcile_SQLite runs the whole reconcile — reading each customer's
// events and authorisations, matching, storing every decision and the findings —
// over an SQLite store of 500 customers with 1,000,000 events and 100,000
// authorisations, and a tenth and a hundredth of that (these two also with personal
// data sealed, to show what sealing costs); then again on unchanged data.
// Peak heap is sampled every 10 ms while the run goes.
func BenchmarkReconcile_SQLite(b *testing.B) {
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
				st := seedScale(b, 500, size.events, size.grants, sealer)
				eng := &reconcile.Engine{Store: st, Rules: set.Rules, Log: zerolog.Nop(), Access: set.Access}
				runtime.GC()
				stop := samplePeakHeap()
				b.StartTimer()
				t0 := time.Now()
				res, err := eng.Run(ctx, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
				first := time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				again, err := eng.Run(ctx, time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC))
				rerun := time.Since(t1)
				if err != nil {
					b.Fatal(err)
				}
				peak := stop()
				if res.Events != size.events*500 || again.Opened != 0 {
					b.Fatalf("checked %d events (want %d); re-run opened %d", res.Events, size.events*500, again.Opened)
				}
				b.ReportMetric(first.Seconds(), "first-run-s")
				b.ReportMetric(rerun.Seconds(), "rerun-s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(100*float64(res.Covered)/float64(res.Events), "%covered")
				b.ReportMetric(float64(res.Opened), "findings")
				b.StartTimer()
			}
		})
	}
}

// samplePeakHeap samples the heap in use until the returned function is called,
// which returns the highest sample.
func samplePeakHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); <-stopped; return peak.Load() }
}
