package console

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// overviewAnswer is the overview as the API answers it.
type overviewAnswer struct {
	NeverSynced bool `json:"never_synced"`
	BySeverity  []struct {
		Severity     vocab.Severity `json:"severity"`
		Open         int            `json:"open"`
		Acknowledged int            `json:"acknowledged"`
	} `json:"by_severity"`
	ByCustomer []struct {
		CustomerID *uint                  `json:"customer_id"`
		Customer   string                 `json:"customer"`
		Open       map[vocab.Severity]int `json:"open"`
		OpenTotal  int                    `json:"open_total"`
	} `json:"by_customer"`
	Week      []findingRow            `json:"opened_this_week"`
	WeekTotal int64                   `json:"opened_this_week_total"`
	Sources   []app.Source            `json:"sources"`
	Unchecked []app.UncheckedCustomer `json:"unchecked_customers"`
}

func TestOverview_NeverSyncedSaysNothingWasRead(t *testing.T) {
	tc := newTestConsole(t)
	var got overviewAnswer
	getJSON(t, tc, "viewer", "/api/v1/overview", &got)
	if !got.NeverSynced || len(got.Sources) == 0 || !got.Sources[0].NeverRead() {
		t.Errorf("an unsynced store: %+v, want never_synced and every source never read", got)
	}
	body := tc.do(t, "viewer", http.MethodGet, "/overview", nil).Body.String()
	for _, want := range []string{"Nothing has been synced yet", "Never read", "nothing has been read yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview of an unsynced store lacks %q", want)
		}
	}
	if strings.Contains(body, "All read") || strings.Contains(body, "No open or acknowledged findings") {
		t.Error("the overview of an unsynced store says all is well")
	}
}

func TestOverview_CountsWhatTheFindingsListLists(t *testing.T) {
	tc := syncedConsole(t)
	ctx := t.Context()
	open, err := tc.App.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	all, err := tc.App.Findings(ctx, store.FindingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got overviewAnswer
	getJSON(t, tc, "viewer", "/api/v1/overview", &got)
	if got.NeverSynced {
		t.Error("a synced store is said never synced")
	}
	bySeverity, byCustomer := map[vocab.Severity]int{}, map[string]int{}
	for _, f := range open {
		bySeverity[f.Severity]++
		byCustomer[f.CustomerName]++
	}
	if len(got.BySeverity) != len(vocab.Severities) || got.BySeverity[0].Severity != vocab.Critical {
		t.Errorf("by severity %+v, want every severity, critical first", got.BySeverity)
	}
	for _, s := range got.BySeverity {
		if s.Open != bySeverity[s.Severity] || s.Acknowledged != 0 {
			t.Errorf("%s: %d open, %d acknowledged; the list has %d open", s.Severity, s.Open, s.Acknowledged, bySeverity[s.Severity])
		}
	}
	total := 0
	for _, c := range got.ByCustomer {
		if c.CustomerID != nil && c.OpenTotal != byCustomer[c.Customer] {
			t.Errorf("%s: %d open, the list has %d", c.Customer, c.OpenTotal, byCustomer[c.Customer])
		}
		total += c.OpenTotal
	}
	if total != len(open) {
		t.Errorf("the customers' counts add up to %d, %d are open", total, len(open))
	}
	// The demo's findings were all first seen now.
	if got.WeekTotal != int64(len(all)) || len(got.Week) != min(len(all), 10) {
		t.Errorf("opened this week: %d (%d listed), want %d", got.WeekTotal, len(got.Week), len(all))
	}
	// Each customer a source cannot read (CONNECTOR-UNHEALTHY, which the demo
	// plants) is unchecked.
	unhealthy, err := tc.App.Findings(ctx, store.FindingFilter{Rule: "CONNECTOR-UNHEALTHY", Status: store.StatusOpen})
	if err != nil || len(unhealthy) == 0 {
		t.Fatalf("the demo has no open CONNECTOR-UNHEALTHY finding (%v)", err)
	}
	// Each customer's own scopes that are failing or were never read, by connector.
	healths, err := tc.App.Store.StreamHealths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, h := range healths {
		if h.CustomerID != nil && (h.FailingSince != nil || h.LastOK == nil) {
			want[fmt.Sprintf("%d/%s", *h.CustomerID, h.Connector)] = true
		}
	}
	gotUnchecked := map[string]bool{}
	for _, u := range got.Unchecked {
		for _, s := range u.Sources {
			gotUnchecked[fmt.Sprintf("%d/%s", u.CustomerID, s.Connector)] = true
		}
	}
	if len(want) == 0 || !maps.Equal(gotUnchecked, want) {
		t.Errorf("unchecked customer/connector %v, the stream healths say %v", gotUnchecked, want)
	}
	failingFor := map[string]bool{} // customer/connector
	for _, u := range got.Unchecked {
		for _, s := range u.Sources {
			failingFor[u.Customer+"/"+s.Connector] = s.Failing > 0
		}
	}
	for _, f := range unhealthy {
		// Its subject is unhealthy:<connector>/<scope>.
		connector, _, _ := strings.Cut(strings.TrimPrefix(f.Subject, "unhealthy:"), "/")
		if f.CustomerID != nil && !failingFor[f.CustomerName+"/"+connector] {
			t.Errorf("%s: %q, but the overview does not list %s failing for it: %+v", f.CustomerName, f.Summary, connector, got.Unchecked)
		}
	}

	body := tc.do(t, "viewer", http.MethodGet, "/overview", nil).Body.String()
	for _, want := range []string{unhealthy[0].CustomerName + "</a>:", `href="/findings?severity=critical&amp;status=open"`, "Opened this week"} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	failing := 0
	for _, s := range got.Sources {
		if s.Failing > 0 && !s.NeverRead() {
			failing++
			if !strings.Contains(body, `Failing</span> `+s.Connector+": ") {
				t.Errorf("the overview does not list %s, failing for %d of %d scopes, as unchecked", s.Connector, s.Failing, s.Scopes)
			}
		}
	}
	if failing == 0 || strings.Contains(body, "All read") {
		t.Errorf("the demo plants failing sources (%d seen), and the overview must not say all is read", failing)
	}
	if strings.Contains(body, "Nothing has been synced yet") {
		t.Error("the overview of a synced store says nothing was synced")
	}
}
