package findings_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
)

// outboxEvents lists the outbox as "fingerprint:event:severity", in write order.
func outboxEvents(t *testing.T, st *store.Store) []string {
	t.Helper()
	entries, err := st.Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%s:%s:%s", e.Fingerprint, e.Event, e.Severity))
	}
	return out
}

func TestApply_WritesOutboxInItsTransaction(t *testing.T) {
	in := func(fp string, severity vocab.Severity) findings.Input {
		return findings.Input{Rule: "R1", Fingerprint: fp, Subject: "s-" + fp, Severity: severity, Summary: "about " + fp}
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		steps := []struct {
			name  string
			found []findings.Input
			want  []string
		}{
			{"two open", []findings.Input{in("a", "medium"), in("b", "high")}, []string{"a:opened:medium", "b:opened:high"}},
			{"unchanged writes nothing", []findings.Input{in("a", "medium"), in("b", "high")}, nil},
			{"a escalates, b de-escalates", []findings.Input{in("a", "critical"), in("b", "low")}, []string{"a:escalated:critical"}},
			{"b resolves", []findings.Input{in("a", "critical")}, []string{"b:resolved:low"}},
			{"b re-opens", []findings.Input{in("a", "critical"), in("b", "low")}, []string{"b:reopened:low"}},
		}
		for i, s := range steps {
			if err := storetest.DB(ctx, st).Where("1 = 1").Delete(&store.OutboxEntry{}).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := findings.Apply(ctx, st, []string{"R1"}, s.found, t0.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := outboxEvents(t, st); !slices.Equal(got, s.want) {
				t.Errorf("%s: outbox = %v, want %v", s.name, got, s.want)
			}
		}

		// A failed evaluation rolls back its outbox entries with its findings.
		before := outboxEvents(t, st)
		_, err := findings.Apply(ctx, st, []string{"R1"}, []findings.Input{in("c", "high"), {Rule: "R9", Fingerprint: "x"}}, t0.Add(9*time.Hour))
		if err == nil {
			t.Fatal("Apply accepted a finding of a rule it was not evaluating")
		}
		if n := storetest.Count(t, st, &store.Finding{}, "fingerprint = ?", "c"); n != 0 {
			t.Errorf("finding c kept after a failed evaluation")
		}
		if got := outboxEvents(t, st); !slices.Equal(got, before) {
			t.Errorf("outbox after a failed evaluation = %v, want it unchanged: %v", got, before)
		}
	})
}

func TestApply_SuppressedFindingsWriteNoOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		x := store.Exclusion{Rule: "R1", Reason: "maintenance", Owner: "ops", ExpiresAt: t0.Add(2 * time.Hour)}
		if err := storetest.DB(ctx, st).Create(&x).Error; err != nil {
			t.Fatal(err)
		}
		f := findings.Input{Rule: "R1", Fingerprint: "a", Subject: "s", Severity: "high", Summary: "a"}
		if _, err := findings.Apply(ctx, st, []string{"R1"}, []findings.Input{f}, t0); err != nil {
			t.Fatal(err)
		}
		if got := outboxEvents(t, st); len(got) != 0 {
			t.Errorf("outbox for a suppressed finding = %v", got)
		}
		// The exclusion expires: the finding opens, and that is news.
		if _, err := findings.Apply(ctx, st, []string{"R1"}, []findings.Input{f}, t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := outboxEvents(t, st); !slices.Equal(got, []string{"a:reopened:high"}) {
			t.Errorf("outbox after the exclusion expired = %v", got)
		}
	})
}

func TestApply_Lifecycle(t *testing.T) {
	in := func(fp string) findings.Input {
		return findings.Input{Rule: "R1", Fingerprint: fp, Subject: "s-" + fp, Severity: "high", Summary: "about " + fp}
	}
	status := func(t *testing.T, st *store.Store, fp string) string {
		var f store.Finding
		if err := storetest.DB(ctx, st).Where("fingerprint = ?", fp).Take(&f).Error; err != nil {
			t.Fatal(err)
		}
		return f.Status
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		steps := []struct {
			name  string
			rules []string
			found []findings.Input
			want  findings.Result
			stat  map[string]string
		}{
			{"open two", []string{"R1"}, []findings.Input{in("a"), in("b")}, findings.Result{Opened: 2}, map[string]string{"a": "open", "b": "open"}},
			{"same again", []string{"R1"}, []findings.Input{in("a"), in("b"), in("a")}, findings.Result{Updated: 2}, map[string]string{"a": "open", "b": "open"}},
			{"b clears", []string{"R1"}, []findings.Input{in("a")}, findings.Result{Updated: 1, Resolved: 1}, map[string]string{"a": "open", "b": "resolved"}},
			{"rule not evaluated", []string{"R2"}, nil, findings.Result{}, map[string]string{"a": "open", "b": "resolved"}},
			{"b returns", []string{"R1"}, []findings.Input{in("a"), in("b")}, findings.Result{Updated: 1, Reopened: 1}, map[string]string{"a": "open", "b": "open"}},
		}
		for i, s := range steps {
			got, err := findings.Apply(ctx, st, s.rules, s.found, t0.Add(time.Duration(i)*time.Hour))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got.Result != s.want {
				t.Errorf("%s: result %+v, want %+v", s.name, got, s.want)
			}
			for fp, want := range s.stat {
				if got := status(t, st, fp); got != want {
					t.Errorf("%s: finding %s is %s, want %s", s.name, fp, got, want)
				}
			}
		}
		if n := storetest.Count(t, st, &store.Finding{}); n != 2 {
			t.Errorf("findings = %d, want 2 (no duplicates)", n)
		}
		var a store.Finding
		_ = storetest.DB(ctx, st).Where("fingerprint = ?", "a").Take(&a).Error
		if !a.FirstSeen.Equal(t0) || !a.LastSeen.Equal(t0.Add(4*time.Hour)) {
			t.Errorf("finding a first/last seen = %v/%v", a.FirstSeen, a.LastSeen)
		}
	})
}

func TestApplyCustomer_LeavesOtherCustomersAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a, b := uint(1), uint(2)
		in := func(fp string, customer *uint) findings.Input {
			return findings.Input{Rule: "R1", Fingerprint: fp, Subject: fp, CustomerID: customer, Severity: "high", Summary: fp}
		}
		if _, err := findings.Apply(ctx, st, []string{"R1"}, []findings.Input{in("a1", &a), in("a2", &a), in("b1", &b)}, t0); err != nil {
			t.Fatal(err)
		}
		got, err := findings.ApplyCustomer(ctx, st, []string{"R1"}, a, nil, []findings.Input{in("a1", &a), in("a3", &a)}, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := (findings.Result{Opened: 1, Updated: 1, Resolved: 1}); got.Result != want {
			t.Errorf("result %+v, want %+v (a2 resolves, b1 is another customer's)", got, want)
		}
		if _, err := findings.ApplyCustomer(ctx, st, []string{"R1"}, a, nil, []findings.Input{in("b1", &b)}, t0.Add(2*time.Hour)); err == nil {
			t.Error("a finding of customer 2 was accepted in an evaluation of customer 1")
		}
		open, err := st.CustomersWithFindings(ctx, []string{"R1"})
		if err != nil || len(open) != 2 {
			t.Errorf("customers with findings = %v, %v; want [1 2]", open, err)
		}
		var b1 store.Finding
		if err := storetest.DB(ctx, st).Where("fingerprint = ?", "b1").Take(&b1).Error; err != nil || b1.Status != store.StatusOpen || !b1.LastSeen.Equal(t0) {
			t.Errorf("customer 2's finding = %s last seen %v, %v; want open and untouched", b1.Status, b1.LastSeen, err)
		}
	})
}

func TestApplyCustomers_RecordsEveryCustomerOfTheBatchOrNone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a, b, c := uint(1), uint(2), uint(3)
		in := func(fp string, customer *uint) findings.Input {
			return findings.Input{Rule: "R1", Fingerprint: fp, Subject: "subject " + fp, CustomerID: customer, Severity: "high", Summary: "summary " + fp}
		}
		event := store.AccessEvent{Kind: "remote_session", Action: "a", StartedAt: t0, CustomerID: &a}
		event.Source, event.SourceID, event.Stream, event.Scope = "s", "e1", "s", "s"
		if err := storetest.DB(ctx, st).Create(&event).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := findings.Apply(ctx, st, []string{"R1"}, []findings.Input{in("c1", &c)}, t0); err != nil {
			t.Fatal(err)
		}
		decided := []store.DecisionUpdate{{EventID: event.ID, Decision: "no authorisation for Dana Ortiz"}}

		// Customer 3's evaluation names another customer's finding: the batch fails
		// and nothing of customers 1 and 2 is kept, their decisions neither.
		_, err := findings.ApplyCustomers(ctx, st, []string{"R1"}, []findings.Customer{
			{ID: a, Found: []findings.Input{in("a1", &a)}, Decisions: decided},
			{ID: b, Found: []findings.Input{in("b1", &b)}},
			{ID: c, Found: []findings.Input{in("a2", &a)}},
		}, t0.Add(time.Hour))
		if err == nil {
			t.Fatal("a batch with a finding of customer 1 in the evaluation of customer 3 was recorded")
		}
		var stored store.AccessEvent
		if err := storetest.DB(ctx, st).Take(&stored, event.ID).Error; err != nil || stored.Decision != "" {
			t.Errorf("decision after the failed batch = %q, %v; want none", stored.Decision, err)
		}
		if n := storetest.Count(t, st, &store.Finding{}); n != 1 {
			t.Errorf("%d findings after the failed batch, want customer 3's one", n)
		}

		got, err := findings.ApplyCustomers(ctx, st, []string{"R1"}, []findings.Customer{
			{ID: a, Found: []findings.Input{in("a1", &a), in("a2", &a)}, Decisions: decided},
			{ID: b, Found: []findings.Input{in("b1", &b)}},
			{ID: c},
		}, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := (findings.Result{Opened: 3, Resolved: 1}); got.Result != want {
			t.Errorf("result %+v, want %+v (three opened, customer 3's resolved)", got.Result, want)
		}
		if err := storetest.DB(ctx, st).Take(&stored, event.ID).Error; err != nil || stored.Decision != decided[0].Decision {
			t.Errorf("decision = %q, %v; want %q", stored.Decision, err, decided[0].Decision)
		}
		fs, err := st.Findings(ctx, store.FindingFilter{})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]uint{}
		for _, f := range fs {
			ids[f.Fingerprint] = f.ID
			if f.Subject != "subject "+f.Fingerprint || f.Summary != "summary "+f.Fingerprint {
				t.Errorf("finding %s reads %q, %q; want its subject and summary", f.Fingerprint, f.Subject, f.Summary)
			}
		}
		for _, ch := range got.Changes {
			if ch.Finding.ID == 0 || ch.Finding.ID != ids[ch.Finding.Fingerprint] {
				t.Errorf("change %s of %s names finding %d, stored as %d", ch.Kind, ch.Finding.Fingerprint, ch.Finding.ID, ids[ch.Finding.Fingerprint])
			}
		}
		entries, err := st.Outbox(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var told []string
		for _, e := range entries {
			if e.FindingID != ids[e.Fingerprint] {
				t.Errorf("outbox entry of %s names finding %d, stored as %d", e.Fingerprint, e.FindingID, ids[e.Fingerprint])
			}
			told = append(told, e.Fingerprint+":"+e.Event)
		}
		if want := []string{"c1:opened", "a1:opened", "a2:opened", "b1:opened", "c1:resolved"}; !slices.Equal(told, want) {
			t.Errorf("outbox = %v, want %v", told, want)
		}
	})
}

func TestSuppressedBy_CountsTheFindingsOfOneExclusion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// Exclusion 1 suppresses rule R1, exclusion 12 rule R2: "exclusion 1 " must not count 12's.
		for id, rule := range map[uint]string{1: "R1", 12: "R2"} {
			if err := storetest.DB(ctx, st).Create(&store.Exclusion{ID: id, Rule: rule, Reason: "known", Owner: "Sam", ExpiresAt: t0.Add(time.Hour)}).Error; err != nil {
				t.Fatal(err)
			}
		}
		in := func(rule, fp string) findings.Input {
			return findings.Input{Rule: rule, Fingerprint: fp, Subject: fp, Severity: "high", Summary: fp}
		}
		found := []findings.Input{in("R1", "a"), in("R2", "b"), in("R2", "c"), in("R3", "d")}
		if _, err := findings.Apply(ctx, st, []string{"R1", "R2", "R3"}, found, t0); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[uint]int64{1: 1, 12: 2, 2: 0} {
			if n, err := findings.SuppressedBy(ctx, st, id); err != nil || n != want {
				t.Errorf("exclusion %d suppresses %d, %v; want %d", id, n, err, want)
			}
		}
	})
}
