package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestRecordFindings_WritesInBatchesInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		scope := store.FindingScope{Rules: []string{"R1"}}
		const n = 2401 // each half spans more than two batches
		var rows []store.Finding
		for i := range n {
			fp := fmt.Sprintf("f%04d", i)
			rows = append(rows, store.Finding{Rule: "R1", Fingerprint: fp, Subject: fp, Severity: "high", Summary: fp,
				FirstSeen: t0, LastSeen: t0, Status: store.StatusOpen})
		}
		err := st.RecordFindings(ctx, scope, t0, func(state store.FindingState) (store.FindingWrites, error) {
			if len(state.Existing) != 0 {
				t.Errorf("an empty store has %d findings", len(state.Existing))
			}
			return store.FindingWrites{Insert: rows, Outbox: []store.OutboxEntry{{Fingerprint: "f0007", Event: store.EventOpened, Severity: "high", CreatedAt: t0}}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		outbox, err := st.Outbox(ctx)
		if err != nil || len(outbox) != 1 || outbox[0].FindingID == 0 {
			t.Fatalf("outbox = %+v, %v; want one entry with the inserted finding's id", outbox, err)
		}

		// The first half is seen again, the second half resolves; both span batches
		// and two runs of different values each.
		t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
		err = st.RecordFindings(ctx, scope, t1, func(state store.FindingState) (store.FindingWrites, error) {
			var w store.FindingWrites
			for i, f := range state.Existing {
				if i < n/2 {
					f.LastSeen = map[bool]time.Time{true: t1, false: t2}[i < n/4]
					w.Seen = append(w.Seen, f)
					continue
				}
				at := t1
				f.Status, f.StatusBy, f.StatusReason, f.ResolvedAt = store.StatusResolved, "custos", map[bool]string{true: "note 0", false: "note 1"}[i < 3*n/4], &at
				w.StatusOnly = append(w.StatusOnly, f)
			}
			return w, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := count(t, st, &store.Finding{}, "last_seen = ?", t1); got != n/4 {
			t.Errorf("%d findings last seen at t1, want %d", got, n/4)
		}
		if got := count(t, st, &store.Finding{}, "last_seen = ?", t2); got != n/2-n/4 {
			t.Errorf("%d findings last seen at t2, want %d", got, n/2-n/4)
		}
		if got := count(t, st, &store.Finding{}, "status = ? AND resolved_at = ? AND last_seen = ?", store.StatusResolved, t1, t0); got != n-n/2 {
			t.Errorf("%d findings resolved at t1 with last seen kept, want %d", got, n-n/2)
		}
		if got := count(t, st, &store.Finding{}, "status_reason = ?", "note 1"); got != n-3*n/4 {
			t.Errorf("%d findings with note 1, want %d", got, n-3*n/4)
		}

		// A plan that fails, or an outbox entry for no finding, keeps nothing.
		refused := errors.New("refused")
		for _, plan := range []func(store.FindingState) (store.FindingWrites, error){
			func(store.FindingState) (store.FindingWrites, error) { return store.FindingWrites{}, refused },
			func(state store.FindingState) (store.FindingWrites, error) {
				return store.FindingWrites{
					Insert: []store.Finding{{Rule: "R1", Fingerprint: "late", Subject: "late", Severity: "low", Summary: "late", Status: store.StatusOpen}},
					Outbox: []store.OutboxEntry{{Fingerprint: "nowhere", Event: store.EventOpened, Severity: "low", CreatedAt: t2}},
				}, nil
			},
		} {
			if err := st.RecordFindings(ctx, scope, t2, plan); err == nil {
				t.Error("a failed plan was recorded")
			}
		}
		if got := count(t, st, &store.Finding{}, "fingerprint = ?", "late"); got != 0 {
			t.Error("a finding was kept from a failed transaction")
		}
	})
}
