package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestPrune_AccessEvents blanks the personal data of events past personal_data (the
// columns the data inventory says expire so: address, name, free text) and replaces
// the actor of those linked to a technician by the technician's pseudonym (an
// unknown actor keeps its reference, the evidence of its finding),
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
				Detail: "Opened mailbox ceo@contoso.example", Attributes: `{"mailbox":"ceo@contoso.example"}`,
			}
		}
		removedAgent := func(id string, removed int) *store.Agent {
			return &store.Agent{Type: "support", Pulled: store.Pulled{Source: "screenconnect", SourceID: id, Stream: "sessions", Scope: "account",
				SeenAt: t0, RemovedAt: ptr(t0.AddDate(0, 0, -removed))}}
		}
		alice := &store.Technician{Name: "Alice Smith", Key: "alice"}
		create(t, st, alice)
		linked := event("linked", 16)
		linked.TechnicianID = &alice.ID
		create(t, st, event("young", 14), event("blank", 16), linked, event("gone", 51),
			removedAgent("agent-young", 19), removedAgent("agent-gone", 21))

		res, err := st.Prune(ctx, p, t0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.AccessEventsDeleted != 1 || res.AccessEventsBlanked != 2 || res.OthersDeleted != 1 {
			t.Errorf("result = %+v, want 1 event deleted, 2 blanked, 1 agent deleted", res)
		}
		var events []store.AccessEvent
		storetest.DB(ctx, st).Order("source_id").Find(&events)
		if len(events) != 3 {
			t.Fatalf("events left = %d, want 3", len(events))
		}
		blank, pseudonymised, young := events[0], events[1], events[2]
		for _, c := range []struct {
			e       store.AccessEvent
			wantRef string
		}{{blank, "Alice Smith"}, {pseudonymised, store.TechnicianPseudonym(alice.ID)}} {
			e := c.e
			if e.SourceIP != "" || e.ActorName != "" || e.Detail != "" || e.Attributes != "" || e.ActorRef != c.wantRef {
				t.Errorf("blanked event %s = ip %q name %q detail %q attributes %q ref %q; want all blank, ref %q",
					e.SourceID, e.SourceIP, e.ActorName, e.Detail, e.Attributes, e.ActorRef, c.wantRef)
			}
		}
		if pseudonymised.TechnicianID == nil || *pseudonymised.TechnicianID != alice.ID {
			t.Errorf("pseudonymised event's technician = %v, want %d: the past months no longer count it for them", pseudonymised.TechnicianID, alice.ID)
		}
		if young.SourceIP != "203.0.113.7" || young.ActorName != "Alice Smith" || young.Detail == "" || young.Attributes == "" {
			t.Errorf("young event lost its details: %+v", young)
		}
		var agents []string
		storetest.DB(ctx, st).Model(&store.Agent{}).Pluck("source_id", &agents)
		if len(agents) != 1 || agents[0] != "agent-young" {
			t.Errorf("agents left = %v, want agent-young", agents)
		}
	})
}

// TestPrune_GoneFromTheFile back-dates an event past personal_data and one past
// access_events on SQLite, prunes and reclaims, and reads the database files' bytes:
// none of the blanked or deleted values is left anywhere in them, while a young
// event's are.
func TestPrune_GoneFromTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "custos.db")
	st, err := store.Open(ctx, store.Options{Driver: "sqlite", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	event := func(id string, started int, name, ip, detail string) *store.AccessEvent {
		return &store.AccessEvent{
			Pulled: store.Pulled{Source: "screenconnect", SourceID: id, Stream: "connections", Scope: "account", SeenAt: t0},
			Kind:   "remote_session", Action: "Connected", StartedAt: t0.AddDate(0, 0, -started),
			ActorRef: "tech-" + id, ActorName: name, SourceIP: ip, Detail: detail, Attributes: `{"note":"` + detail + `"}`,
		}
	}
	zebedee := &store.Technician{Name: "Zebedee", Key: "zebedee"}
	create(t, st, zebedee)
	old := event("old", 200, "Zebedee Quux", "198.51.100.77", "opened mailbox zq@old.example")
	old.TechnicianID = &zebedee.ID
	create(t, st, old,
		event("gone", 800, "Gertrude Gone", "198.51.100.99", "deleted user gg@gone.example"),
		event("young", 1, "Yolanda Young", "192.0.2.44", "opened mailbox yy@young.example"))
	if _, err := st.Prune(ctx, store.RetentionPolicy{PersonalData: 180 * day, AccessEvents: 730 * day}, t0, 0); err != nil {
		t.Fatal(err)
	}
	if err := st.Reclaim(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var files []byte
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	for value, want := range map[string]bool{
		"Zebedee Quux": false, "198.51.100.77": false, "zq@old.example": false, "tech-old": false,
		"Gertrude Gone": false, "198.51.100.99": false, "gg@gone.example": false, "tech-gone": false,
		"Yolanda Young": true, "192.0.2.44": true, "yy@young.example": true,
	} {
		if got := bytes.Contains(files, []byte(value)); got != want {
			t.Errorf("%q in the database files: %t, want %t", value, got, want)
		}
	}
}
