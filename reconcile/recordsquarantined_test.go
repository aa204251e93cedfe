package reconcile

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
)

func TestRecordsQuarantined(t *testing.T) {
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	q := func(id uint, source, scope, sourceID, err string, seen time.Duration) store.QuarantinedRecord {
		return store.QuarantinedRecord{ID: id, Source: source, Stream: "s", Scope: scope, SourceID: sourceID,
			Error: err, Page: "GET /x page 1", FirstSeenAt: at.Add(seen)}
	}
	customer := uint(7)
	in := &Input{
		Quarantined: []store.QuarantinedRecord{
			q(1, "dattormm", "account", "2284101", "hostname: want a string", time.Hour),
			q(2, "dattormm", "account", "", "device has no numeric id", 0),
			q(3, "itglue", "2519664", "31200533", "attributes.created-at: not a timestamp", 0),
		},
		Health:    []store.StreamHealth{{Connector: "itglue", Stream: "s", Scope: "2519664", CustomerID: &customer}},
		Customers: []store.Customer{{ID: customer, Name: "Contoso Ltd"}},
	}
	// Fires once per source and scope; none without quarantined records.
	fs := assertFindings(t, defaultRule(t, RuleRecordsQuarantined), in, at,
		[]string{"quarantined:dattormm/account", "quarantined:itglue/2519664"}, "did not decode")
	if len(fs) != 2 {
		t.FailNow()
	}
	datto, itglue := fs[0], fs[1]
	for _, want := range []string{"2 dattormm record(s) of the whole dattormm account", "ids 2284101", "1 without an id, so no row of the scope is marked removed",
		"first error: device has no numeric id (GET /x page 1)"} {
		if !strings.Contains(datto.Summary, want) {
			t.Errorf("summary %q lacks %q", datto.Summary, want)
		}
	}
	if !slices.Equal(datto.Evidence, []string{"quarantined_records:1", "quarantined_records:2"}) || datto.CustomerID != nil {
		t.Errorf("dattormm finding: evidence %v, customer %v; want both rows and no customer", datto.Evidence, datto.CustomerID)
	}
	if itglue.CustomerID == nil || *itglue.CustomerID != customer || !strings.Contains(itglue.Summary, "of Contoso Ltd") {
		t.Errorf("itglue finding: customer %v, summary %q; want Contoso Ltd's", itglue.CustomerID, itglue.Summary)
	}
	if got := defaultRule(t, RuleRecordsQuarantined).Evaluate(&Input{}, at); len(got) != 0 {
		t.Errorf("findings without quarantined records: %+v", got)
	}
}
