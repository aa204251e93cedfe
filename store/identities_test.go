package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestPropagate_FillsOnlyTheMissingIDs propagates the customer, technician and
// device links together: each event gets the ids it lacks, an id a row has is kept
// even where its link now says otherwise, and the change journal marks the day of
// each event changed under the customer it has.
func TestPropagate_FillsOnlyTheMissingIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		key := store.StreamKey{Connector: "screenconnect", Stream: "sessions", Scope: "account"}
		event := func(id string) *record.AccessEvent {
			return &record.AccessEvent{Source: "screenconnect", SourceID: id, Kind: record.KindRemoteSession, Action: "Connected",
				StartedAt: t0, CustomerRef: "Contoso", ActorRef: "alice", DeviceRef: "guest-1"}
		}
		if err := st.CommitPage(ctx, store.Page{Key: key, Records: []record.Record{event("e1"), event("e2")}, SeenAt: t0}); err != nil {
			t.Fatal(err)
		}
		var contoso, fabrikam store.Customer
		var alice store.Technician
		var pc store.Device
		propagate := func(prepare func(ids *store.Identities) error) {
			t.Helper()
			err := st.ResolveIdentities(ctx, func(ids *store.Identities) error {
				if err := prepare(ids); err != nil {
					return err
				}
				return ids.Propagate(store.LinkCustomer, store.LinkTechnician, store.LinkDevice)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		propagate(func(ids *store.Identities) error {
			contoso, fabrikam = store.Customer{Name: "Contoso", Key: "contoso"}, store.Customer{Name: "Fabrikam", Key: "fabrikam"}
			alice, pc = store.Technician{Name: "Alice", Key: "alice"}, store.Device{Name: "PC-1", HostKey: "pc-1"}
			for _, err := range []error{ids.CreateCustomer(&contoso), ids.CreateCustomer(&fabrikam), ids.SaveTechnician(&alice), ids.SaveDevice(&pc)} {
				if err != nil {
					return err
				}
			}
			for _, l := range []store.Link{
				{Source: "screenconnect", Kind: store.LinkCustomer, SourceID: "Contoso", TargetID: contoso.ID, Method: "manual"},
				{Source: "screenconnect", Kind: store.LinkTechnician, SourceID: "alice", TargetID: alice.ID, Method: "manual"},
				{Source: "screenconnect", Kind: store.LinkDevice, SourceID: "guest-1", TargetID: pc.ID, Method: "manual"},
			} {
				if err := ids.CreateLink(&l); err != nil {
					return err
				}
			}
			return nil
		})
		claim := func() store.Changes {
			t.Helper()
			c, err := st.ClaimChanges(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CompleteChanges(ctx, c, "", t0, false); err != nil {
				t.Fatal(err)
			}
			return c
		}
		day := t0.Truncate(24 * time.Hour)
		if c := claim(); !slices.Equal(c.Customers, []uint{contoso.ID}) || !slices.EqualFunc(c.Of[contoso.ID].Events, []time.Time{day}, time.Time.Equal) {
			t.Errorf("after the first propagation the journal says %v changed (%+v), want Contoso's events of %s", c.Customers, c.Of, day)
		}
		// e2 was moved to Fabrikam by hand and has lost its technician.
		db := storetest.DB(ctx, st)
		if err := db.Model(&store.AccessEvent{}).Where("source_id = ?", "e2").
			Updates(map[string]any{"customer_id": fabrikam.ID, "technician_id": nil}).Error; err != nil {
			t.Fatal(err)
		}
		claim()
		propagate(func(*store.Identities) error { return nil })

		want := map[string][3]uint{"e1": {contoso.ID, alice.ID, pc.ID}, "e2": {fabrikam.ID, alice.ID, pc.ID}}
		var events []store.AccessEvent
		if err := db.Order("source_id").Find(&events).Error; err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			got := [3]uint{deref(e.CustomerID), deref(e.TechnicianID), deref(e.DeviceID)}
			if got != want[e.SourceID] {
				t.Errorf("%s: customer, technician, device = %v, want %v", e.SourceID, got, want[e.SourceID])
			}
		}
		if c := claim(); !slices.Equal(c.Customers, []uint{fabrikam.ID}) {
			t.Errorf("after refilling e2's technician the journal says %v changed, want only Fabrikam (%d)", c.Customers, fabrikam.ID)
		}
	})
}

func deref(id *uint) uint {
	if id == nil {
		return 0
	}
	return *id
}
