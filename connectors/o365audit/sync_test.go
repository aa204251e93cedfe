package o365audit

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	fx "github.com/custos-msp/custos/fixtures/o365audit"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	custossync "github.com/custos-msp/custos/sync"
	"github.com/custos-msp/custos/vocab"
)

// TestSync_LateAndDuplicateRecordsStoredOnce runs the connector through the sync
// engine into both databases: a run before the late blob is published, a run after,
// and a run from lost cursors, which reads everything again.
func TestSync_LateAndDuplicateRecordsStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, nil, nil)
		engine := &custossync.Engine{Store: st, Log: zerolog.Nop(), BatchSize: 100, Concurrency: 2, Now: e.clock.now}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		count := func() (events int64, late bool) {
			t.Helper()
			if err := storetest.DB(ctx, st).Model(&store.AccessEvent{}).Where("source = ?", Name).Count(&events).Error; err != nil {
				t.Fatal(err)
			}
			var n int64
			storetest.DB(ctx, st).Model(&store.AccessEvent{}).Where("source = ? AND source_id = ?", Name, fx.DemoLateRoleChange).Count(&n)
			return events, n == 1
		}

		e.clock.set(e.now.Add(-2 * time.Hour))
		results, _ := engine.Run(ctx, e.conn)
		if n, late := count(); n != 6 || late {
			t.Fatalf("after the first run: %d events (late one stored: %v), want the 6 published on time", n, late)
		}
		for _, r := range results {
			want := vocab.OutcomeOK
			if r.Key.Scope == fx.DemoFabrikamTenantID {
				want = vocab.OutcomeAuditingDisabled
			}
			if r.Outcome != want {
				t.Errorf("%s: outcome %s, want %s (%v)", r.Key, r.Outcome, want, r.Err)
			}
		}

		e.clock.set(e.now)
		if _, err := engine.Run(ctx, e.conn); err == nil {
			t.Error("the second run reports no error for Fabrikam's disabled audit log")
		}
		if n, late := count(); n != 7 || !late {
			t.Errorf("after the re-read: %d events (late one stored: %v), want 7 with the late one", n, late)
		}

		if err := storetest.DB(ctx, st).Where("connector = ?", Name).Delete(&store.Checkpoint{}).Error; err != nil {
			t.Fatal(err)
		}
		_, _ = engine.Run(ctx, e.conn) // Fabrikam fails again, as it should
		if n, _ := count(); n != 7 {
			t.Errorf("after reading everything again: %d events, want 7 (stored once)", n)
		}
		var cov []store.Coverage
		storetest.DB(ctx, st).Where("connector = ? AND scope = ? AND outcome = ?", Name, fx.DemoFabrikamTenantID, string(vocab.OutcomeAuditingDisabled)).Find(&cov)
		if len(cov) != 3*4 {
			t.Errorf("%d auditing_disabled coverage rows for Fabrikam, want 12 (3 runs × 4 streams)", len(cov))
		}
	})
}
