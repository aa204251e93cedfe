package sync_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestRun_ReportShowsTheDaysNoPullRead runs a windowed stream through the engine
// twice, the second time after the source lost three days (the pulls stopped for
// longer than it keeps its log), and checks that the month's report shows those
// three days as a gap in what was read.
func TestRun_ReportShowsTheDaysNoPullRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		customer := store.Customer{Name: "Contoso Ltd", Key: "contoso"}
		if err := storetest.DB(ctx, st).Create(&customer).Error; err != nil {
			t.Fatal(err)
		}
		first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		var clock time.Time
		e := engine(st, 4)
		e.Now = func() time.Time { return clock }

		clock = first.AddDate(0, 0, 10).Add(time.Hour)
		if _, err := e.Run(ctx, testConnector{&windowStream{first: first, days: 10}}); err != nil {
			t.Fatal(err)
		}
		clock = first.AddDate(0, 0, 31).Add(time.Hour)
		if _, err := e.Run(ctx, testConnector{&windowStream{first: first, days: 31, skipTo: 14}}); err != nil {
			t.Fatal(err)
		}

		r, err := report.Build(ctx, st, customer, report.Month{Year: 2026, Month: time.October}, report.Options{
			Location: time.UTC, Now: clock.Add(time.Hour), GapTolerance: report.DefaultGapTolerance,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Coverage) != 1 {
			t.Fatalf("coverage = %+v, want the test stream only", r.Coverage)
		}
		c := r.Coverage[0]
		spans := func(ss []report.Span) string {
			var out []string
			for _, s := range ss {
				out = append(out, s.From.UTC().Format("01-02 15:04")+"–"+s.To.UTC().Format("01-02 15:04"))
			}
			return fmt.Sprint(out)
		}
		if got, want := spans(c.Windows), "[10-01 00:00–10-11 00:00 10-14 00:00–11-01 00:00]"; got != want {
			t.Errorf("windows read = %s, want %s", got, want)
		}
		if got, want := spans(c.Gaps), "[10-11 00:00–10-14 00:00]"; got != want || c.Status != report.CoverageGaps {
			t.Errorf("gaps = %s, status %s; want %s, %s", got, c.Status, want, report.CoverageGaps)
		}
	})
}
