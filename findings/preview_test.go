package findings_test

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestPreview_SaysWhatApplyWouldDoAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		customer := store.Customer{Name: "Contoso Ltd", Key: "contoso", Status: store.CustomerActive}
		if err := storetest.DB(ctx, st).Create(&customer).Error; err != nil {
			t.Fatal(err)
		}
		in := func(fp string) findings.Input {
			return findings.Input{Rule: "R", Fingerprint: fp, Subject: fp, CustomerID: &customer.ID, Severity: "high", Summary: fp}
		}
		// open stays open, gone resolves, back was resolved and returns, muted is excluded.
		if _, err := findings.Apply(ctx, st, []string{"R"}, []findings.Input{in("open"), in("gone"), in("back")}, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := findings.Apply(ctx, st, []string{"R"}, []findings.Input{in("open"), in("gone")}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		muted := in("muted")
		muted.Rule = "M"
		if err := st.AddExclusion(ctx, &store.Exclusion{Rule: "M", Reason: "known", Owner: "Sam", ExpiresAt: t0.Add(48 * time.Hour)}, t0); err != nil {
			t.Fatal(err)
		}
		before, err := st.Findings(ctx, store.FindingFilter{})
		if err != nil {
			t.Fatal(err)
		}

		items, err := findings.Preview(ctx, st, []string{"R", "M"}, []findings.Input{in("open"), in("back"), in("new"), muted}, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, it := range items {
			got[it.Fingerprint] = it.Outcome
			if it.CustomerName != "Contoso Ltd" {
				t.Errorf("%s: customer name %q", it.Fingerprint, it.CustomerName)
			}
		}
		want := map[string]string{
			"open": findings.PreviewOpen, "back": findings.PreviewReopen, "new": findings.PreviewNew,
			"muted": findings.PreviewSuppressed, "gone": findings.PreviewResolve,
		}
		for fp, outcome := range want {
			if got[fp] != outcome {
				t.Errorf("%s: outcome %q, want %q", fp, got[fp], outcome)
			}
		}
		if len(got) != len(want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		after, err := st.Findings(ctx, store.FindingFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("preview changed the findings: %d, was %d", len(after), len(before))
		}
		for i := range after {
			if after[i].Status != before[i].Status || !after[i].LastSeen.Equal(before[i].LastSeen) {
				t.Errorf("preview changed finding %s: %s %v, was %s %v", after[i].Fingerprint,
					after[i].Status, after[i].LastSeen, before[i].Status, before[i].LastSeen)
			}
		}
	})
}
