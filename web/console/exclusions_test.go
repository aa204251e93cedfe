package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestExclusions_AskToConfirmThenSuppressThenEnd(t *testing.T) {
	tc := syncedConsole(t)
	var list customersPage
	getJSON(t, tc, "viewer", "/api/v1/customers", &list)
	busiest := list.Customers[0]
	for _, cu := range list.Customers {
		if cu.OpenFindings > busiest.OpenFindings {
			busiest = cu
		}
	}
	if busiest.OpenFindings <= 10 {
		t.Fatalf("no demo customer has more than 10 open findings: %+v", list.Customers)
	}
	form := url.Values{"customer": {fmt.Sprint(busiest.ID)}, "reason": {"migration week"}, "owner": {"Sam Lee"}, "expires": {"14d"}}

	// Unconfirmed: the API refuses with 409, the form asks, and nothing is added.
	w := tc.post(t, "operator", "/api/v1/exclusions", form, nil)
	if e := errorOf(t, w); w.Code != http.StatusConflict || e.Code != "confirm" || !strings.Contains(e.Message, fmt.Sprintf("%d open finding(s)", busiest.OpenFindings)) {
		t.Errorf("unconfirmed API: %d %+v, want 409 saying it would suppress %d", w.Code, e, busiest.OpenFindings)
	}
	w = tc.post(t, "operator", "/exclusions", form, nil)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Confirm the exclusion") || !strings.Contains(body, `name="confirm" value="yes"`) ||
		!strings.Contains(body, `name="reason" value="migration week"`) {
		t.Errorf("unconfirmed form: %d, want a page asking to confirm with the fields kept: %s", w.Code, body)
	}
	changes := tc.Audit.all()
	if last := changes[len(changes)-1]; !strings.HasPrefix(last.Outcome, "not made") {
		t.Errorf("the unconfirmed change's audit entry = %+v, want not made", last)
	}
	var none exclusionsPage
	getJSON(t, tc, "viewer", "/api/v1/exclusions?all=1", &none)
	if none.Paging.Total != 0 {
		t.Fatalf("an unconfirmed exclusion was added: %+v", none)
	}

	// Confirmed through the form: it suppresses the customer's open findings.
	form.Set("confirm", "yes")
	w = tc.post(t, "operator", "/exclusions", form, nil)
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.Contains(loc, "suppresses") {
		t.Fatalf("confirmed: %d to %q: %s", w.Code, loc, w.Body)
	}
	var in exclusionsPage
	getJSON(t, tc, "viewer", "/api/v1/exclusions", &in)
	if len(in.Exclusions) != 1 || in.Exclusions[0].Customer != busiest.Name || in.Exclusions[0].Owner != "Sam Lee" || in.Exclusions[0].Status != "active" {
		t.Fatalf("exclusions in force = %+v", in.Exclusions)
	}
	id := in.Exclusions[0].ID
	var after customerPage
	getJSON(t, tc, "viewer", fmt.Sprintf("/api/v1/customers/%d", busiest.ID), &after)
	if after.Customer.OpenFindings != 0 {
		t.Errorf("customer %d has %d open findings under the exclusion, want 0", busiest.ID, after.Customer.OpenFindings)
	}
	page := tc.do(t, "operator", http.MethodGet, "/exclusions", nil).Body.String()
	if !strings.Contains(page, "migration week") || !strings.Contains(page, fmt.Sprintf(`action="/exclusions/%d/end"`, id)) {
		t.Error("the page does not show an operator the exclusion with a way to end it")
	}
	if page := tc.page(t, "/exclusions"); !strings.Contains(page, "migration week") || strings.Contains(page, "/end") {
		t.Error("the page does not show a viewer the exclusion, or offers to end it")
	}

	// Ended through the API: its findings open again.
	w = tc.post(t, "operator", fmt.Sprintf("/api/v1/exclusions/%d/end", id), url.Values{}, nil)
	var ended exclusionEnded
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &ended) != nil || ended.Reopened != busiest.OpenFindings {
		t.Errorf("ending: %d %s, want %d reopened", w.Code, w.Body, busiest.OpenFindings)
	}
	if w := tc.post(t, "operator", fmt.Sprintf("/api/v1/exclusions/%d/end", id), url.Values{}, nil); w.Code != http.StatusNotFound {
		t.Errorf("ending twice: %d %s, want 404", w.Code, w.Body)
	}
	if last := tc.Audit.all()[len(tc.Audit.all())-1]; last.Target != fmt.Sprintf("exclusion %d", id) || last.Action != "endExclusion" {
		t.Errorf("audit entry = %+v", last)
	}
}

func TestExclusions_RefuseBadInputNamingTheField(t *testing.T) {
	tc := syncedConsole(t)
	good := url.Values{"rule": {"AGENT-LINGERING"}, "reason": {"r"}, "owner": {"o"}, "expires": {"7d"}}
	with := func(k, v string) url.Values { return withField(good, k, v) }
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no scope", with("rule", ""), "customer"},
		{"a rule that is none", with("rule", "NO-SUCH-RULE"), "rule"},
		{"no reason", with("reason", ""), "reason"},
		{"no owner", with("owner", ""), "owner"},
		{"no expiry", with("expires", ""), "expires"},
		{"an expiry in the past", with("expires", "2020-01-01"), "expires"},
		{"an unknown technician", with("technician", "Nobody Atall"), "technician"},
		{"an unknown customer", with("customer", "99999"), "customer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := tc.post(t, "operator", "/api/v1/exclusions", c.form, nil)
			if e := errorOf(t, w); w.Code != http.StatusBadRequest || e.Field != c.field {
				t.Errorf("API: %d %+v, want 400 naming %s", w.Code, e, c.field)
			}
			if w := tc.post(t, "operator", "/exclusions", c.form, nil); w.Code != http.StatusBadRequest {
				t.Errorf("form: %d, want 400", w.Code)
			}
		})
	}
	if w := tc.do(t, "viewer", http.MethodGet, "/api/v1/exclusions?all=yes", nil); w.Code != http.StatusBadRequest || errorOf(t, w).Field != "all" {
		t.Errorf("?all=yes: %d %s, want 400 naming all", w.Code, w.Body)
	}
}
