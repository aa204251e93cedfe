package reconcile

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
)

// m365Now is the evaluation time of plantedM365.
var m365Now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// plantedM365 holds, for the Microsoft 365 and coverage rules, a planted case of
// each and its near misses: relationships, partner access, stream health and the
// report mailbox, at m365Now.
func plantedM365() *Input {
	now := m365Now
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	const day = 24 * time.Hour
	active, offboarded := uint(1), uint(2)
	rel := func(id, tenant, status string, customer *uint, roles string, f func(*store.Relationship)) store.Relationship {
		r := store.Relationship{ID: uint(len(id)), Pulled: store.Pulled{SourceID: id}, CustomerRef: tenant, CustomerID: customer,
			CustomerName: "Customer " + tenant, DisplayName: id, Status: status, StartedAt: at(-300 * day), EndsAt: at(400 * day), Roles: roles}
		if f != nil {
			f(&r)
		}
		return r
	}
	ga := `[{"id":"` + GlobalAdministratorRole + `","name":"Global Administrator"}]`
	helpdesk := `[{"id":"729827e3-9c14-49f7-bb1b-9608f156bbb8","name":"Helpdesk Administrator"}]`
	return &Input{
		Customers: []store.Customer{{ID: active, Name: "Contoso Ltd", Status: store.CustomerActive}, {ID: offboarded, Name: "Old Co", Status: store.CustomerOffboarded}},
		Relationships: []store.Relationship{
			rel("ga", "t1", "active", &active, ga, nil),
			rel("ga-terminated", "t1", "terminated", &active, ga, func(r *store.Relationship) { r.EndedAt = at(-30 * day) }),
			rel("least-privilege", "t1", "active", &active, helpdesk, nil),
			rel("expiring", "t2", "active", &active, helpdesk, func(r *store.Relationship) { r.EndsAt = at(10 * day) }),
			rel("expiring-but-extends", "t2", "active", &active, helpdesk, func(r *store.Relationship) { r.EndsAt = at(10 * day); r.AutoExtendDays = 180 }),
			rel("expiring-later", "t2", "active", &active, helpdesk, func(r *store.Relationship) { r.EndsAt = at(31 * day) }),
			rel("offboarded", "t3", "active", &offboarded, helpdesk, nil),
			rel("unknown-tenant", "t4", "active", nil, helpdesk, nil),
			rel("unknown-but-ended", "t4b", "expired", nil, helpdesk, func(r *store.Relationship) { r.EndedAt = at(-day) }),
			rel("revoked", "t5", "terminated", &active, helpdesk, func(r *store.Relationship) { r.EndedAt = at(-2 * day) }),
		},
		PartnerAccess: []store.AccessEvent{
			{ID: 10, CustomerRef: "t5", Kind: "m365_signin", ActorRef: "user_ab12@msp.onmicrosoft.com", StartedAt: now.Add(-3 * day)}, // before the end
			{ID: 11, CustomerRef: "t5", Kind: "m365_signin", ActorRef: "user_ab12@msp.onmicrosoft.com", StartedAt: now.Add(-day)},     // after
			{ID: 12, CustomerRef: "t1", Kind: "m365_admin", ActorRef: "user_ab12@msp.onmicrosoft.com", StartedAt: now.Add(-day)},      // another relationship active
		},
		Health: []store.StreamHealth{
			{Connector: "m365", Stream: "signins", Scope: "t1", CustomerID: &active, Last: store.Coverage{ID: 1, Outcome: "ok", StartedAt: now.Add(-time.Hour)}, LastOK: at(-time.Hour)},
			{Connector: "m365", Stream: "signins", Scope: "t2", Last: store.Coverage{ID: 2, Outcome: "failed", StartedAt: now.Add(-time.Hour)}, LastOK: at(-30 * time.Hour)},
			{Connector: "m365", Stream: "signins", Scope: "t3", Last: store.Coverage{ID: 3, Outcome: "not_licensed", StartedAt: now.Add(-time.Hour)}},
			{Connector: "o365audit", Stream: "exchange", Scope: "t6", Last: store.Coverage{ID: 4, Outcome: "auditing_disabled", StartedAt: now.Add(-time.Hour), Error: "auditing is off"}},
			{Connector: "o365audit", Stream: "general", Scope: "t6", Last: store.Coverage{ID: 5, Outcome: "auditing_disabled", StartedAt: now.Add(-time.Hour)}},
			{Connector: "m365", Stream: "directoryaudits", Scope: "t7", Last: store.Coverage{ID: 6, Outcome: "access_denied", StartedAt: now.Add(-2 * time.Hour)}, LastOK: at(-3 * time.Hour)},
			{Connector: "m365", Stream: "rmmreports", Scope: "account", Last: store.Coverage{ID: 7, Outcome: "ok", StartedAt: now}, LastOK: &now},
			{Connector: "itglue", Stream: "configurations", Scope: "o1", Last: store.Coverage{ID: 8, Outcome: "ok", StartedAt: now.Add(-40 * day)}, LastOK: at(-40 * day)},
		},
		ReportsRead: true,
	}
}

// defaultRule is the rule id as the default configuration builds it.
func defaultRule(t *testing.T, id string) Rule {
	t.Helper()
	set, problems := Configure(new(config.Default()))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	i := slices.IndexFunc(set.Rules, func(r Rule) bool { return r.ID() == id })
	if i < 0 {
		t.Fatalf("%s is not built from the default config", id)
	}
	return set.Rules[i]
}

// assertFindings evaluates r over in at now and checks the findings' subjects, in
// order, and that each summary says says.
func assertFindings(t *testing.T, r Rule, in *Input, now time.Time, subjects []string, says string) []Finding {
	t.Helper()
	fs := r.Evaluate(in, now)
	var got []string
	for _, f := range fs {
		got = append(got, f.Subject)
		if !strings.Contains(f.Summary, says) {
			t.Errorf("%s: summary %q lacks %q", f.Subject, f.Summary, says)
		}
	}
	if !slices.Equal(got, subjects) {
		t.Errorf("subjects %q, want %q", got, subjects)
	}
	return fs
}
