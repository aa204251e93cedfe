package app

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

func TestCoverageCells_SayWhyACellIsNotOK(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	mine, other := uint(1), uint(2)
	ok := func(connector string, customer *uint, read time.Duration) store.StreamHealth {
		return store.StreamHealth{Connector: connector, Stream: "s", Scope: connector, CustomerID: customer,
			Last: store.Coverage{Outcome: vocab.OutcomeOK, StartedAt: *ago(read)}, LastOK: ago(read)}
	}
	failing := store.StreamHealth{Connector: "m365", Stream: "signins", Scope: "t1", CustomerID: &mine,
		Last:   store.Coverage{Outcome: vocab.OutcomeAccessDenied, Error: "not consented", StartedAt: *ago(time.Hour)},
		LastOK: ago(3 * time.Hour), FailingSince: ago(2 * time.Hour)}
	for _, tc := range []struct {
		name    string
		healths []store.StreamHealth
		want    string
		err     string
	}{
		{"read an hour ago", []store.StreamHealth{ok("itglue", &mine, time.Hour)}, CoverageOK, ""},
		{"an account-wide scope counts for every customer", []store.StreamHealth{ok("itglue", nil, time.Hour)}, CoverageOK, ""},
		{"read two days ago", []store.StreamHealth{ok("itglue", &mine, 48*time.Hour)}, CoverageStale, ""},
		{"only another customer's scope", []store.StreamHealth{ok("itglue", &other, time.Hour)}, CoverageNoScope, ""},
		{"never pulled", nil, CoverageNeverRead, ""},
		{"one scope failing", []store.StreamHealth{ok("m365", &mine, time.Hour), failing}, CoverageFailing, "not consented"},
		{"an account-wide scope failing fails every customer's cell",
			[]store.StreamHealth{ok("m365", &mine, time.Hour), withScope(failing, nil, false)}, CoverageFailing, "not consented"},
		{"a scope of an organization linked to no customer is not this customer's",
			[]store.StreamHealth{ok("m365", &mine, time.Hour), withScope(failing, nil, true)}, CoverageOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			connector := "itglue"
			if len(tc.healths) > 0 {
				connector = tc.healths[0].Connector
			}
			cells := CoverageCells([]string{connector}, tc.healths, mine, now, 24*time.Hour)
			if len(cells) != 1 || cells[0].State != tc.want || cells[0].Error != tc.err {
				t.Fatalf("cells = %+v, want one %s with error %q", cells, tc.want, tc.err)
			}
		})
	}
}

// withScope returns h as the scope of customer, or of no customer (unlinked: of an
// organization mapping linked to none).
func withScope(h store.StreamHealth, customer *uint, unlinked bool) store.StreamHealth {
	h.CustomerID, h.Unlinked = customer, unlinked
	return h
}
