package sizing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/sizing"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/synth"
)

func rules(t testing.TB) *reconcile.RuleSet {
	t.Helper()
	set, problems := reconcile.Configure(new(config.Default()))
	if len(problems) > 0 {
		t.Fatalf("Configure: %q", problems)
	}
	return set
}

// TestRun_MeasuresEveryPhaseOfAMappedStore checks that the synthetic data goes
// through ingest and mapping as a sync's would (every event reaches a customer, and
// technicians and devices are linked, or nothing would be covered) and that each
// phase did what its name says.
func TestRun_MeasuresEveryPhaseOfAMappedStore(t *testing.T) {
	size := synth.Size{Customers: 3, Events: 600, Authorisations: 300}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		phases, err := sizing.Run(context.Background(), st, sizing.Options{Size: size, Seed: 1, Rules: rules(t), Log: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]sizing.Phase{}
		for _, p := range phases {
			byName[p.Name] = p
			if p.Elapsed <= 0 || p.Peak.Heap == 0 || (p.Records == 0) != (p.Mapping > 0) || p.Mapping > p.Elapsed {
				t.Errorf("%s: elapsed %v (mapping %v), peak heap %d: not measured", p.Name, p.Elapsed, p.Mapping, p.Peak.Heap)
			}
		}
		records := size.Customers*(1+synth.DevicesPerCustomer) + size.Events + size.Authorisations
		checks := []struct {
			phase, what string
			got, want   int
		}{
			{sizing.PhaseIngest, "records", byName[sizing.PhaseIngest].Records, records},
			{sizing.PhaseFirstRun, "events checked", byName[sizing.PhaseFirstRun].Events, size.Events},
			{sizing.PhaseUnchanged, "events checked", byName[sizing.PhaseUnchanged].Events, 0},
			{sizing.PhaseUnchanged, "findings opened", byName[sizing.PhaseUnchanged].Opened, 0},
			{sizing.PhaseIngestChange, "records", byName[sizing.PhaseIngestChange].Records, size.Events/100 + 1},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: %s = %d, want %d", c.phase, c.what, c.got, c.want)
			}
		}
		if n := storetest.Count(t, st, &store.AccessEvent{}, "customer_id IS NULL OR technician_id IS NULL OR device_id IS NULL"); n > 0 {
			t.Errorf("%d access events are not mapped to a customer, technician and device", n)
		}
		if n := storetest.Count(t, st, &store.Authorisation{}, "customer_id IS NULL OR (technician_ref <> '' AND technician_id IS NULL) OR (device_ref <> '' AND device_id IS NULL)"); n > 0 {
			t.Errorf("%d authorisations are not mapped to their customer, technician and device", n)
		}
		first := byName[sizing.PhaseFirstRun]
		if first.Covered == 0 || first.Covered == first.Events || first.Opened == 0 {
			t.Errorf("first run covered %d of %d events and opened %d findings: want some covered, some not", first.Covered, first.Events, first.Opened)
		}
		if changed := byName[sizing.PhaseChangedRun]; changed.Events < size.Events/100 {
			t.Errorf("run after changes checked %d events, fewer than the %d new ones", changed.Events, size.Events/100)
		}
	})
}

// BenchmarkWhole measures ingest, then mapping and reconcile together (the first run,
// a run with nothing changed, and a run after a hundredth more events and a
// thousandth more authorisations in the last day), on SQLite and on PostgreSQL (with
// CUSTOS_TEST_POSTGRES_DSN), at 500 customers with 10,000, 100,000 and 1,000,000
// events and a tenth as many authorisations; -bench 'Whole/sqlite/events=(10000|100000)$'
// leaves out the largest, which takes many minutes. Every phase reports its seconds,
// its peak Go heap and the process's peak resident set in MiB.
func BenchmarkWhole(b *testing.B) {
	for _, driver := range []string{"sqlite", "postgres"} {
		for _, events := range []int{10_000, 100_000, 1_000_000} {
			size := synth.Size{Customers: 500, Events: events, Authorisations: events / 10}
			b.Run(fmt.Sprintf("%s/events=%d", driver, events), func(b *testing.B) {
				for range b.N {
					st := storetest.Open(b, driver, storetest.Keyring(b))
					phases, err := sizing.Run(context.Background(), st, sizing.Options{Size: size, Seed: 1, Rules: rules(b), Log: zerolog.Nop()})
					if err != nil {
						b.Fatal(err)
					}
					for _, p := range phases {
						unit := metricName(p.Name)
						b.ReportMetric(p.Elapsed.Seconds(), unit+"-s")
						if p.Records == 0 {
							b.ReportMetric(p.Mapping.Seconds(), unit+"-mapping-s")
						}
						b.ReportMetric(float64(p.Peak.Heap)/(1<<20), unit+"-heap-MiB")
						b.ReportMetric(float64(p.Peak.RSS)/(1<<20), unit+"-rss-MiB")
					}
				}
			})
		}
	}
}

func metricName(phase string) string {
	switch phase {
	case sizing.PhaseIngest:
		return "ingest"
	case sizing.PhaseFirstRun:
		return "first"
	case sizing.PhaseUnchanged:
		return "unchanged"
	case sizing.PhaseIngestChange:
		return "ingest-change"
	default:
		return "changed"
	}
}
