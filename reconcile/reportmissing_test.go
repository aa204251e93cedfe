package reconcile

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
)

func TestReportMissing(t *testing.T) {
	in := plantedM365()
	// Fires for the active customer with no receipt; not for the offboarded one.
	assertFindings(t, defaultRule(t, RuleReportMissing), in, m365Now,
		[]string{"report-missing:1:2026-10"}, "no RMM report for Contoso Ltd received for 2026-10 by day 5")

	t.Run("waits for its day and for the mailbox", func(t *testing.T) {
		r := defaultRule(t, RuleReportMissing)
		if fs := r.Evaluate(in, time.Date(2026, 11, 4, 23, 0, 0, 0, time.UTC)); len(fs) != 0 {
			t.Errorf("before day 5: %d findings", len(fs))
		}
		in.Receipts = []store.ReportReceipt{{CustomerRef: "CONTOSO LTD", Month: "2026-10"}}
		if fs := r.Evaluate(in, m365Now); len(fs) != 0 {
			t.Errorf("with a receipt named for the customer: %v", fs)
		}
		in.Receipts, in.ReportsRead = nil, false
		if fs := r.Evaluate(in, m365Now); len(fs) != 0 {
			t.Errorf("mailbox never read: %d findings", len(fs))
		}
	})
}
