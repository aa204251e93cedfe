package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/custos-msp/custos/demo"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/report"
)

// TestRMMReport_ReportAgreesWithReportMissing builds every demo customer's report of
// the last three months and evaluates REPORT-MISSING as it would run in the month
// after each: a report shows an RMM report received exactly when the rule finds none
// missing.
func TestRMMReport_ReportAgreesWithReportMissing(t *testing.T) {
	ctx := context.Background()
	a := openDemoApp(t, ctx, demoConfig(t, "sqlite"))
	defer a.Close()
	if results, err := a.Sync(ctx, ""); err != nil && !demo.Planted(results) {
		t.Fatal(err)
	}
	customers, err := a.ActiveCustomers(ctx)
	if err != nil || len(customers) == 0 {
		t.Fatalf("active customers: %v, %v", customers, err)
	}
	rule := reconcile.Configured[*reconcile.ReportMissing](a.Rules)
	if rule == nil {
		t.Fatal("REPORT-MISSING is not configured")
	}
	now := time.Now().UTC()
	seen := map[bool]int{}
	for back := 2; back >= 0; back-- {
		first := time.Date(now.Year(), now.Month()-time.Month(back), 1, 0, 0, 0, 0, time.UTC)
		month := report.Month{Year: first.Year(), Month: first.Month()}
		receipts, err := a.Store.ReportReceipts(ctx, month.String())
		if err != nil {
			t.Fatal(err)
		}
		in := &reconcile.Input{Customers: customers, Receipts: receipts, ReportsRead: true}
		missing := map[uint]bool{}
		for _, f := range rule.Evaluate(in, first.AddDate(0, 1, rule.Day)) {
			missing[*f.CustomerID] = true
		}
		for _, c := range customers {
			opts := report.OptionsFromConfig(a.Config, a.Rules, c.Name, nil, report.VariantCustomer, now)
			r, err := report.Build(ctx, a.Store, c, month, opts)
			if errors.Is(err, report.ErrNoData) {
				continue // nothing read: no report says anything
			}
			if err != nil {
				t.Fatalf("%s %s: %v", c.Name, month, err)
			}
			if !r.RMMReport.Configured {
				t.Fatalf("%s %s: the report says the report mailbox is not read", c.Name, month)
			}
			received := len(r.RMMReport.Receipts) > 0
			seen[received]++
			if received == missing[c.ID] {
				t.Errorf("%s %s: the report shows %d RMM report rows, REPORT-MISSING finds it missing: %v", c.Name, month, len(r.RMMReport.Receipts), missing[c.ID])
			}
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Errorf("reports with an RMM report: %d, without: %d; want both compared", seen[true], seen[false])
	}
}
