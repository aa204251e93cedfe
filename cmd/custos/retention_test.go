package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestRetention_DryRunThenRun runs retention on the demo's store two years and a
// half later: the dry run says what would go and changes nothing (a second dry run
// says the same), the run does what the dry run said, and a dry run after it finds
// nothing more to delete.
func TestRetention_DryRunThenRun(t *testing.T) {
	config, _ := demoStore(t)
	defer func(c func() time.Time) { clock = c }(clock)
	later := time.Now().AddDate(2, 6, 0)
	clock = func() time.Time { return later }

	dry := mustRun(t, "--config", config, "retention", "run", "--dry-run")
	if again := mustRun(t, "--config", config, "retention", "run", "--dry-run"); again != dry {
		t.Errorf("a second dry run differs, so the first changed something:\n%s\n---\n%s", dry, again)
	}
	if strings.Contains(dry, "access_events: 0 would be deleted") || !strings.Contains(dry, "would be deleted (past access_events)") {
		t.Errorf("the dry run 30 months later deletes no access event:\n%s", dry)
	}
	done := mustRun(t, "--config", config, "retention", "run")
	if want := strings.ReplaceAll(dry, "would be ", ""); done != want {
		t.Errorf("the run did not do what the dry run said:\n%s\n--- want\n%s", done, want)
	}
	if after := mustRun(t, "--config", config, "retention", "run", "--dry-run"); !strings.Contains(after, "access_events: 0 would be deleted") {
		t.Errorf("after the run, the dry run still finds access events to delete:\n%s", after)
	}
}

// TestRetention_PastMonthsStillAddUp runs retention on the demo's store seven months
// later, past personal_data: every access older than it has lost its technician's
// name, address and free text (read with the key, so what is sealed counts too),
// those of known technicians are named by their pseudonym, and every customer's
// report of every month with accesses counts exactly what it counted before.
func TestRetention_PastMonthsStillAddUp(t *testing.T) {
	config, db := demoStore(t)
	defer func(c func() time.Time) { clock = c }(clock)
	later := time.Now().AddDate(0, 7, 0)
	clock = func() time.Time { return later }

	before := demoReports(t, db, later)
	if len(before) == 0 {
		t.Fatal("the demo has no month with accesses to compare")
	}
	mustRun(t, "--config", config, "retention", "run")
	mustRun(t, "--config", config, "reconcile")
	after := demoReports(t, db, later)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("reports after retention differ:\n%v\n--- before\n%v", after, before)
	}

	st := openTestStore(t, db)
	defer st.Close()
	var events []store.AccessEvent
	if err := storetest.DB(context.Background(), st).Where("started_at < ?", later.AddDate(0, 0, -180)).Find(&events).Error; err != nil {
		t.Fatal(err)
	}
	pseudonymised := 0
	for _, e := range events {
		if e.ActorName != "" || e.SourceIP != "" || e.Detail != "" || e.Attributes != "" {
			t.Errorf("event %d of %s keeps name %q, address %q, detail %q, attributes %q", e.ID, e.StartedAt, e.ActorName, e.SourceIP, e.Detail, e.Attributes)
		}
		if e.TechnicianID != nil && e.ActorRef != store.TechnicianPseudonym(*e.TechnicianID) {
			t.Errorf("event %d of technician %d is by %q, not the pseudonym", e.ID, *e.TechnicianID, e.ActorRef)
		}
		if store.IsPseudonym(e.ActorRef) {
			pseudonymised++
		}
	}
	if len(events) == 0 || pseudonymised == 0 {
		t.Errorf("%d events past personal_data, %d pseudonymised: the test checks nothing", len(events), pseudonymised)
	}
}

// monthCounts is what a customer's report of a month counts: the summary, and each
// access with its outcome, the finding it raised and its known technician (an
// unknown actor's name is one of the values retention removes).
type monthCounts struct {
	Summary  report.Summary
	Accesses []string
}

// demoReports builds, as of now, every customer's report of every month the demo
// has accesses in, keyed "customer month".
func demoReports(t *testing.T, db string, now time.Time) map[string]monthCounts {
	t.Helper()
	ctx := context.Background()
	st := openTestStore(t, db)
	defer st.Close()
	var starts []time.Time
	if err := storetest.DB(ctx, st).Model(&store.AccessEvent{}).Order("started_at").Pluck("started_at", &starts).Error; err != nil || len(starts) == 0 {
		t.Fatalf("reading when the demo's accesses started: %d, %v", len(starts), err)
	}
	first, last := starts[0], starts[len(starts)-1]
	customers, err := st.Customers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]monthCounts{}
	for m := first.UTC(); !m.After(last.UTC().AddDate(0, 1, 0)); m = m.AddDate(0, 1, 0) {
		month := report.Month{Year: m.Year(), Month: m.Month()}
		for _, c := range customers {
			r, err := report.Build(ctx, st, c, month, report.Options{Now: now, Variant: report.VariantInternal})
			if errors.Is(err, report.ErrNoData) {
				continue // a month without accesses whose pulls retention deleted
			}
			if err != nil {
				t.Fatalf("report of %s %s: %v", c.Name, month, err)
			}
			if r.Summary.Accesses == 0 {
				continue
			}
			counts := monthCounts{Summary: r.Summary}
			for _, a := range r.Accesses {
				who := a.Technician
				if strings.HasSuffix(who, "(not a known technician)") {
					who = "unknown"
				}
				counts.Accesses = append(counts.Accesses, fmt.Sprintf("%d %s %s %s %d %s", a.ID, a.When.Format(time.RFC3339), a.Kind, a.Status, a.FindingID, who))
			}
			out[c.Name+" "+month.String()] = counts
		}
	}
	return out
}
