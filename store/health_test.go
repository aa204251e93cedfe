package store_test

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// TestStreamHealths_TellAnUnlinkedOrganizationFromTheAccount: a scope linked to a
// customer carries its id, a scope that is an organization mapping linked to no
// customer is marked unlinked, and an account-wide scope is neither.
func TestStreamHealths_TellAnUnlinkedOrganizationFromTheAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		db := storetest.DB(ctx, st)
		now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
		customer := store.Customer{Name: "Contoso Ltd", Key: "contoso", Status: "active"}
		if err := db.Create(&customer).Error; err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.Organization{
			{Pulled: store.Pulled{Source: "m365", SourceID: "tenant-linked", Stream: "customers", Scope: "account", SeenAt: now}, Name: "Contoso", CustomerID: &customer.ID},
			{Pulled: store.Pulled{Source: "m365", SourceID: "tenant-unlinked", Stream: "customers", Scope: "account", SeenAt: now}, Name: "Woodgrove"},
		} {
			if err := db.Create(&o).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Create(&store.Link{Source: "m365", Kind: store.LinkCustomer, SourceID: "tenant-linked", TargetID: customer.ID, Method: "manual", CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		for _, scope := range []string{"tenant-linked", "tenant-unlinked", store.AccountScope} {
			c := store.Coverage{Connector: "m365", Stream: "signins", Scope: scope, StartedAt: now, FinishedAt: now, Outcome: vocab.OutcomeOK}
			if err := st.RecordCoverage(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		healths, err := st.StreamHealths(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, h := range healths {
			switch {
			case h.CustomerID != nil:
				got[h.Scope] = "customer"
			case h.Unlinked:
				got[h.Scope] = "unlinked"
			default:
				got[h.Scope] = "account-wide"
			}
		}
		want := map[string]string{"tenant-linked": "customer", "tenant-unlinked": "unlinked", store.AccountScope: "account-wide"}
		for scope, w := range want {
			if got[scope] != w {
				t.Errorf("scope %s: %q, want %q (all: %v)", scope, got[scope], w, got)
			}
		}
	})
}
