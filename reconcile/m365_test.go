package reconcile

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
)

func TestM365Rules_PlantedCasesAndNearMisses(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
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
	ga := `[{"id":"` + config.GlobalAdministratorRole + `","name":"Global Administrator"}]`
	helpdesk := `[{"id":"729827e3-9c14-49f7-bb1b-9608f156bbb8","name":"Helpdesk Administrator"}]`
	in := &Input{
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
	rules, err := FromConfig(config.Default().Rules, config.Default().Authorisations)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rule string
		// subjects are the findings' subjects, in order.
		subjects []string
		says     string
	}{
		{RuleGDAPGlobalAdmin, []string{"m365:relationship:ga"}, "grants Global Administrator"},
		{RuleGDAPExpiring, []string{"m365:relationship:expiring"}, "will not auto-extend"},
		{RuleGDAPCustomerInactive, []string{"m365:relationship:offboarded", "m365:relationship:unknown-tenant"}, "is active for"},
		{RuleAccessAfterRevoke, []string{"m365:after-revoke:t5:" + now.Add(-day).Format(time.DateOnly)}, "after GDAP relationship \"revoked\""},
		{RuleAuditGap, []string{"audit-gap:m365/signins/t2"}, "no successful read since"},
		{RuleConnectorUnhealthy, []string{"unhealthy:o365audit/t6", "unhealthy:m365/t7"}, "cannot read"},
		{RuleReportMissing, []string{"report-missing:1:2026-10"}, "no RMM report for Contoso Ltd received for 2026-10 by day 5"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			i := slices.IndexFunc(rules, func(r Rule) bool { return r.ID() == tt.rule })
			if i < 0 {
				t.Fatalf("%s is not built from the default config", tt.rule)
			}
			fs := rules[i].Evaluate(in, now)
			var subjects []string
			for _, f := range fs {
				subjects = append(subjects, f.Subject)
				if !strings.Contains(f.Summary, tt.says) {
					t.Errorf("%s: summary %q lacks %q", f.Subject, f.Summary, tt.says)
				}
			}
			if !slices.Equal(subjects, tt.subjects) {
				t.Errorf("subjects %q, want %q", subjects, tt.subjects)
			}
		})
	}

	t.Run("report missing waits for its day and for the mailbox", func(t *testing.T) {
		r := ReportMissing{Severity: "medium", Day: 5}
		if fs := r.Evaluate(in, time.Date(2026, 11, 4, 23, 0, 0, 0, time.UTC)); len(fs) != 0 {
			t.Errorf("before day 5: %d findings", len(fs))
		}
		in.Receipts = []store.ReportReceipt{{CustomerRef: "CONTOSO LTD", Month: "2026-10"}}
		if fs := r.Evaluate(in, now); len(fs) != 0 {
			t.Errorf("with a receipt named for the customer: %v", fs)
		}
		in.Receipts, in.ReportsRead = nil, false
		if fs := r.Evaluate(in, now); len(fs) != 0 {
			t.Errorf("mailbox never read: %d findings", len(fs))
		}
	})
	t.Run("connector unhealthy evidence lists each refused stream", func(t *testing.T) {
		fs := ConnectorUnhealthy{Severity: "high"}.Evaluate(in, now)
		if len(fs) == 0 || !slices.Equal(fs[0].Evidence, []string{"coverages:4", "coverages:5"}) {
			t.Errorf("evidence %v", fs)
		}
	})
}
