package reconcile_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestEngine_InterruptedRunResumesWithoutGapsOrDuplicates: a run that fails midway
// (the database refuses the decisions of its third customer with events, after
// two batches were committed) keeps what it committed and its journal marks
// claimed; the next run leaves every finding and decision exactly as one
// uninterrupted run of the same world does, and tells of no change twice.
func TestEngine_InterruptedRunResumesWithoutGapsOrDuplicates(t *testing.T) {
	reconcile.SetBatchRows(t, 1) // each customer a batch of its own
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const seed = 7
		w := newWorld(t, st, seed)
		customers, err := st.AccessCustomers(ctx, w.now.AddDate(-1, 0, 0))
		w.must(err)
		if len(customers) < 4 {
			t.Fatalf("the world has %d customers with events, want at least 4", len(customers))
		}
		refuse, allow := refuseDecisions(st.Driver(), customers[2])
		db := storetest.DB(ctx, st)
		for _, stmt := range refuse {
			w.must(db.Exec(stmt).Error)
		}
		if _, err := w.eng.Run(ctx, w.now); err == nil {
			t.Fatal("the run went through the customer whose decisions the database refuses")
		}
		interrupted := w.snapshot()
		w.must(db.Exec(allow).Error)
		if _, err := w.eng.Run(ctx, w.now); err != nil {
			t.Fatal(err)
		}
		got := w.snapshot()

		clean := newWorld(t, storetest.Open(t, st.Driver(), storetest.Keyring(t)), seed)
		if _, err := clean.eng.Run(ctx, clean.now); err != nil {
			t.Fatal(err)
		}
		want := clean.snapshot()
		if !slices.Equal(got, want) {
			t.Fatalf("interrupted and resumed differs from uninterrupted:\n%s", diff(got, want))
		}
		if slices.Equal(interrupted, want) || slices.Equal(interrupted, snapshotBefore(t, seed, st.Driver())) {
			t.Error("the interrupted run recorded all or nothing; it should have stopped midway")
		}
		entries, err := st.Outbox(ctx)
		w.must(err)
		told := map[string]int{}
		for _, e := range entries {
			if told[e.Fingerprint+" "+e.Event]++; told[e.Fingerprint+" "+e.Event] > 1 {
				t.Errorf("outbox tells %s of %s twice", e.Event, e.Fingerprint)
			}
		}
	})
}

// refuseDecisions returns the statements that make the database refuse any
// decision about customer's access events, and the one that lifts it.
func refuseDecisions(driver string, customer uint) (refuse []string, allow string) {
	if driver == "postgres" {
		return []string{
			"CREATE FUNCTION refuse_decision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'decision refused'; END $$",
			fmt.Sprintf("CREATE TRIGGER refuse_decision BEFORE UPDATE ON access_events FOR EACH ROW WHEN (NEW.customer_id = %d) EXECUTE FUNCTION refuse_decision()", customer),
		}, "DROP TRIGGER refuse_decision ON access_events"
	}
	return []string{fmt.Sprintf("CREATE TRIGGER refuse_decision BEFORE UPDATE ON access_events WHEN NEW.customer_id = %d "+
		"BEGIN SELECT RAISE(ABORT, 'decision refused'); END", customer)}, "DROP TRIGGER refuse_decision"
}

// snapshotBefore is the snapshot of the world of seed before any run.
func snapshotBefore(t *testing.T, seed uint64, driver string) []string {
	return newWorld(t, storetest.Open(t, driver, storetest.Keyring(t)), seed).snapshot()
}
