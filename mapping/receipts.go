package mapping

import "github.com/custos-msp/custos/store"

// CustomerReceipts returns, in their order, the RMM report receipts of month
// ("2026-10") that belong to the customer: a receipt that mapping tied to a customer
// (customer_id) belongs to that customer only; one that is not tied belongs to the
// customer whose name the subject's company name matches once both are normalised
// (NormaliseName). The monthly report's RMM section and REPORT-MISSING both ask this
// function, so the two never disagree about whether a report arrived.
func CustomerReceipts(all []store.ReportReceipt, c store.Customer, month string) []store.ReportReceipt {
	var out []store.ReportReceipt
	name := NormaliseName(c.Name)
	for _, rc := range all {
		if rc.Month != month {
			continue
		}
		if rc.CustomerID != nil && *rc.CustomerID == c.ID || rc.CustomerID == nil && name != "" && NormaliseName(rc.CustomerRef) == name {
			out = append(out, rc)
		}
	}
	return out
}
