package store_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestSubject_FindAndErase finds a technician by e-mail address with every row tied
// to them or naming them, erases them, and checks on both databases that what must
// stay stays under the pseudonym, their names are gone, and the erasure is recorded.
func TestSubject_FindAndErase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		alice := &store.Technician{Name: "Alice Smith", Key: "asmith", Email: "alice@msp.example", Aliases: "Ally S"}
		bob := &store.Technician{Name: "Bob Jones", Key: "bjones"}
		create(t, st, alice, bob)
		event := func(id string, tech *uint, actor, detail string) *store.AccessEvent {
			return &store.AccessEvent{
				Pulled: store.Pulled{Source: "screenconnect", SourceID: id, Stream: "connections", Scope: "account", SeenAt: t0},
				Kind:   "remote_session", Action: "Connected", StartedAt: t0, TechnicianID: tech,
				ActorRef: actor, ActorName: actor, SourceIP: "203.0.113.9", Detail: detail,
			}
		}
		own := event("own", &alice.ID, "alice@msp.example", "session on PC-1")
		named := event("named", &bob.ID, "bob@msp.example", "Bob handed over to Ally S")
		other := event("other", &bob.ID, "bob@msp.example", "session on PC-2")
		create(t, st, own, named, other,
			&store.Link{Source: "screenconnect", Kind: store.LinkTechnician, SourceID: "alice@msp.example", TargetID: alice.ID, Method: "manual"})

		subj, err := st.FindSubject(ctx, "ALICE@msp.example")
		if err != nil {
			t.Fatal(err)
		}
		if subj.TechnicianID == nil || *subj.TechnicianID != alice.ID {
			t.Fatalf("subject = %+v, want technician %d", subj, alice.ID)
		}
		sections, err := st.SubjectRecords(ctx, subj)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, s := range sections {
			got[s.Table] = len(s.Rows)
		}
		if want := (map[string]int{"technicians": 1, "links": 1, "access_events": 2}); !maps.Equal(got, want) {
			t.Errorf("records = %v, want %v", got, want)
		}

		erased, err := st.EraseSubject(ctx, subj, "the DPO", "request 7", t0)
		if err != nil {
			t.Fatal(err)
		}
		pseudonym := store.TechnicianPseudonym(alice.ID)
		if erased.Erasure.Pseudonym != pseudonym || erased.Changed["links"] != 1 || erased.Changed["access_events"] != 2 {
			t.Errorf("erased = %+v", erased)
		}
		var events []store.AccessEvent
		storetest.DB(ctx, st).Order("source_id").Find(&events)
		byID := map[string]store.AccessEvent{}
		for _, e := range events {
			byID[e.SourceID] = e
		}
		if e := byID["own"]; e.ActorRef != pseudonym || e.ActorName != pseudonym || e.SourceIP != "" || e.TechnicianID == nil || *e.TechnicianID != alice.ID {
			t.Errorf("their own access = ref %q name %q ip %q technician %v; want the pseudonym, no address, still theirs", e.ActorRef, e.ActorName, e.SourceIP, e.TechnicianID)
		}
		if e := byID["named"]; e.Detail != "Bob handed over to "+pseudonym || e.ActorRef != "bob@msp.example" || e.SourceIP == "" {
			t.Errorf("an access naming them = detail %q ref %q ip %q; want only their name replaced", e.Detail, e.ActorRef, e.SourceIP)
		}
		if e := byID["other"]; e.Detail != "session on PC-2" || e.SourceIP == "" {
			t.Errorf("an access not about them changed: %+v", e)
		}
		var techs []store.Technician
		storetest.DB(ctx, st).Order("id").Find(&techs)
		if a := techs[0]; a.Name != pseudonym || a.Key != pseudonym || a.Email != "" || a.Aliases != "" {
			t.Errorf("their technician record = %+v, want only the pseudonym", a)
		}
		if b := techs[1]; b.Name != "Bob Jones" {
			t.Errorf("another technician changed: %+v", b)
		}

		again, err := st.FindSubject(ctx, "alice@msp.example")
		if err != nil {
			t.Fatal(err)
		}
		if again.TechnicianID != nil {
			t.Errorf("after the erasure the address still finds technician %d", *again.TechnicianID)
		}
		if left, err := st.SubjectRecords(ctx, again); err != nil || len(left) != 0 {
			t.Errorf("after the erasure records about them = %+v, %v", left, err)
		}
		nobody, err := st.FindSubject(ctx, "nobody@nowhere.example")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.EraseSubject(ctx, nobody, "the DPO", "request 8", t0); !errors.Is(err, store.ErrNoSubject) {
			t.Errorf("erasing someone no record names = %v, want ErrNoSubject and no erasure recorded", err)
		}
		if _, err := st.FindSubject(ctx, "technician:999"); !errors.Is(err, store.ErrNoSubject) {
			t.Errorf("an unknown technician id = %v, want ErrNoSubject", err)
		}
		list, err := st.Erasures(ctx)
		if err != nil || len(list) != 1 || list[0].RequestedBy != "the DPO" || strings.Contains(list[0].Counts, "alice") {
			t.Errorf("erasures = %+v, %v", list, err)
		}
	})
}
