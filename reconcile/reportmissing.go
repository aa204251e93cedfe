package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleReportMissing is the id of REPORT-MISSING.
const RuleReportMissing = "REPORT-MISSING"

var reportMissing = Spec{
	Key: "report_missing", Severity: vocab.Medium,
	Description: "an active customer got no monthly RMM report for last month by `day` of the month",
	New:         func() Settings { return &ReportMissing{Day: 5} },
}

// ReportMissing flags an active customer with no RMM report for the month just
// past once Day of the month has come; it runs only when the report mailbox is read.
type ReportMissing struct {
	Base
	// Day is the day of the month by which last month's RMM report must have arrived.
	Day int `toml:"day"`
}

// ID implements Rule.
func (ReportMissing) ID() string { return RuleReportMissing }

// Validate checks the settings.
func (r *ReportMissing) Validate() []config.Problem {
	if r.Day < 1 || r.Day > 28 {
		return []config.Problem{{Key: "day", Reason: "must be between 1 and 28"}}
	}
	return nil
}

// Evaluate implements Rule.
func (r ReportMissing) Evaluate(in *Input, now time.Time) []Finding {
	if !in.ReportsRead || now.UTC().Day() < r.Day {
		return nil
	}
	month := previousMonth(now)
	var out []Finding
	for _, c := range in.Customers {
		if c.Status != store.CustomerActive || len(mapping.CustomerReceipts(in.Receipts, c, month)) > 0 {
			continue
		}
		id := c.ID
		out = append(out, Finding{
			Rule: RuleReportMissing, Subject: fmt.Sprintf("report-missing:%d:%s", c.ID, month), CustomerID: &id, Severity: r.Severity,
			Summary: fmt.Sprintf("no RMM report for %s received for %s by day %d of the month", c.Name, month, r.Day),
		})
	}
	return out
}

// previousMonth is the month before now's, as "2026-10".
func previousMonth(now time.Time) string {
	y, m, _ := now.UTC().Date()
	return time.Date(y, m-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}
