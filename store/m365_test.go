package store_test

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestM365_RelationshipsAndReceiptsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ends := t0.Add(10 * 24 * time.Hour)
		rels := []record.Record{
			&record.Relationship{Source: "m365", SourceID: "rel-b", CustomerRef: "tenant-2", Status: "terminated", EndedAt: &t0},
			&record.Relationship{Source: "m365", SourceID: "rel-a", CustomerRef: "tenant-1", CustomerName: "Contoso Ltd", Status: "active",
				EndsAt: &ends, DurationDays: 730, AutoExtendDays: 180,
				Roles:       []record.Role{{ID: "62e90394-69f5-4237-9190-012177145e10", Name: "Global Administrator"}},
				Assignments: []record.RoleAssignment{{ID: "as-1", Status: "active", GroupID: "g-1", Roles: []record.Role{{ID: "r"}}}}},
			&record.ReportReceipt{Source: "m365", SourceID: "<b@x>", CustomerRef: "Fabrikam Inc", Month: "2026-10", ReceivedAt: t0.Add(time.Hour)},
			&record.ReportReceipt{Source: "m365", SourceID: "<a@x>", CustomerRef: "Contoso Ltd", Month: "2026-10", ReceivedAt: t0,
				Attachments: []record.ReportAttachment{{Name: "r.pdf", Size: 10, SHA256: "ab"}}},
			&record.ReportReceipt{Source: "m365", SourceID: "<c@x>", CustomerRef: "Contoso Ltd", Month: "2026-09", ReceivedAt: t0},
		}
		for range 2 { // a re-pull updates, never duplicates
			if err := st.CommitPage(ctx, store.Page{Key: store.StreamKey{Connector: "m365", Stream: "relationships", Scope: "account"}, Records: rels, SeenAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.Relationships(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].SourceID != "rel-a" || got[0].AutoExtendDays != 180 || !got[0].EndsAt.Equal(ends) {
			t.Fatalf("relationships = %+v", got)
		}
		roles, err := got[0].RoleList()
		if err != nil || len(roles) != 1 || roles[0].Name != "Global Administrator" {
			t.Errorf("roles = %+v, %v", roles, err)
		}
		as, err := got[0].AssignmentList()
		if err != nil || len(as) != 1 || as[0].GroupID != "g-1" {
			t.Errorf("assignments = %+v, %v", as, err)
		}
		receipts, err := st.ReportReceipts(ctx, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		if len(receipts) != 2 || receipts[0].CustomerRef != "Contoso Ltd" || receipts[1].CustomerRef != "Fabrikam Inc" {
			t.Fatalf("receipts = %+v", receipts)
		}
		atts, err := receipts[0].AttachmentList()
		if err != nil || len(atts) != 1 || atts[0].SHA256 != "ab" {
			t.Errorf("attachments = %+v, %v", atts, err)
		}
	})
}
