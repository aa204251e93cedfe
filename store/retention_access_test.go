package store_test

import (
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestPrune_AccessEvents blanks the personal data of events past personal_data,
// deletes events past access_events, deletes removed agents and endpoints past
// removed_records, and leaves everything younger alone.
func TestPrune_AccessEvents(t *testing.T) {
	p := store.RetentionPolicy{PersonalData: 15 * day, AccessEvents: 50 * day, RemovedRecords: 20 * day}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		event := func(id string, started int) *store.AccessEvent {
			return &store.AccessEvent{
				Pulled: store.Pulled{Source: "screenconnect", SourceID: id, Stream: "connections", Scope: "account", SeenAt: t0},
				Kind:   "remote_session", Action: "Connected", StartedAt: t0.AddDate(0, 0, -started),
				ActorRef: "Alice Smith", ActorName: "Alice Smith", SourceIP: "203.0.113.7",
			}
		}
		removedAgent := func(id string, removed int) *store.Agent {
			return &store.Agent{Type: "support", Pulled: store.Pulled{Source: "screenconnect", SourceID: id, Stream: "sessions", Scope: "account",
				SeenAt: t0, RemovedAt: ptr(t0.AddDate(0, 0, -removed))}}
		}
		create(t, st, event("young", 14), event("blank", 16), event("gone", 51),
			removedAgent("agent-young", 19), removedAgent("agent-gone", 21))

		res, err := st.Prune(ctx, p, t0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.AccessEventsDeleted != 1 || res.AccessEventsBlanked != 1 || res.OthersDeleted != 1 {
			t.Errorf("result = %+v, want 1 event deleted, 1 blanked, 1 agent deleted", res)
		}
		var events []store.AccessEvent
		storetest.DB(ctx, st).Order("source_id").Find(&events)
		if len(events) != 2 {
			t.Fatalf("events left = %d, want 2", len(events))
		}
		blank, young := events[0], events[1]
		if blank.SourceIP != "" || blank.ActorName != "" || blank.ActorRef != "Alice Smith" {
			t.Errorf("blanked event = ip %q name %q ref %q, want ip and name blank, ref kept", blank.SourceIP, blank.ActorName, blank.ActorRef)
		}
		if young.SourceIP != "203.0.113.7" || young.ActorName != "Alice Smith" {
			t.Errorf("young event lost its details: %+v", young)
		}
		var agents []string
		storetest.DB(ctx, st).Model(&store.Agent{}).Pluck("source_id", &agents)
		if len(agents) != 1 || agents[0] != "agent-young" {
			t.Errorf("agents left = %v, want agent-young", agents)
		}
	})
}
