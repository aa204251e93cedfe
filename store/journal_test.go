package store_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// journalCustomers makes two customers and returns their ids.
func journalCustomers(t *testing.T, db *gorm.DB) (a, b uint) {
	t.Helper()
	ca := store.Customer{Name: "A", Key: "a", Status: store.CustomerActive}
	cb := store.Customer{Name: "B", Key: "b", Status: store.CustomerActive}
	if err := db.Create(&ca).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&cb).Error; err != nil {
		t.Fatal(err)
	}
	return ca.ID, cb.ID
}

// journalEvent is an access event of customer, not yet written.
func journalEvent(id string, customer uint) store.AccessEvent {
	return store.AccessEvent{Pulled: store.Pulled{Source: "test", SourceID: id, Stream: "s", Scope: "s", SeenAt: t0},
		Kind: record.KindRemoteSession, Action: "x", StartedAt: t0, CustomerID: &customer}
}

// TestJournal_MarksEachChangeOnce makes each kind of change and checks which
// customers the next claim names: events marked once per customer however many, a
// relinked event both its customers, a technician renamed every customer, and the
// decisions reconcile saves nothing; a completed run's marks are gone.
func TestJournal_MarksEachChangeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.DB(ctx, st)
		a, b := journalCustomers(t, db)
		tech := store.Technician{Name: "Alice", Key: "alice"}
		if err := db.Create(&tech).Error; err != nil {
			t.Fatal(err)
		}
		claim := func(name string, customers []uint, every bool) {
			t.Helper()
			c, err := st.ClaimChanges(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Customers, customers) || c.Every != every {
				t.Errorf("%s: claimed customers %v, every %t; want %v, %t", name, c.Customers, c.Every, customers, every)
			}
			if err := st.CompleteChanges(ctx, c, "settings", t0, false); err != nil {
				t.Fatal(err)
			}
		}
		claim("customers created", nil, false)
		events := []store.AccessEvent{journalEvent("1", a), journalEvent("2", a), journalEvent("3", a)}
		if err := db.Create(&events).Error; err != nil {
			t.Fatal(err)
		}
		var marks int64
		if err := db.Model(&store.ReconcileChange{}).Count(&marks).Error; err != nil || marks != 1 {
			t.Errorf("three events of one customer left %d marks (%v), want 1", marks, err)
		}
		claim("events added", []uint{a}, false)
		if err := st.SaveDecisions(ctx, []store.DecisionUpdate{{EventID: events[0].ID, Decision: "no authorisation"}}); err != nil {
			t.Fatal(err)
		}
		claim("decision saved", nil, false)
		if err := db.Model(&events[1]).Update("customer_id", b).Error; err != nil {
			t.Fatal(err)
		}
		claim("event relinked", []uint{a, b}, false)
		if err := db.Model(&tech).Update("name", "Alice Smith").Error; err != nil {
			t.Fatal(err)
		}
		claim("technician renamed", nil, true)
		if err := db.Model(&tech).Update("name", "Alice Smith").Error; err != nil {
			t.Fatal(err)
		}
		claim("technician saved with the same name", nil, false)
	})
}

// TestJournal_MarksTheDaysChanged: events, authorisations and verified backups mark
// the UTC days they touched, old row and new (an event's start; an authorisation's
// earliest time; a backup's time taken), each day once however many rows; a contact
// marks the whole customer.
func TestJournal_MarksTheDaysChanged(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.DB(ctx, st)
		a, b := journalCustomers(t, db)
		claim := func(name string, want map[uint]store.CustomerChanges) {
			t.Helper()
			c, err := st.ClaimChanges(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(c.Of); got != fmt.Sprint(want) {
				t.Errorf("%s: claimed %s, want %s", name, got, fmt.Sprint(want))
			}
			if err := st.CompleteChanges(ctx, c, "settings", t0, false); err != nil {
				t.Fatal(err)
			}
		}
		claim("customers created", map[uint]store.CustomerChanges{})
		var events []store.AccessEvent
		for i, at := range []time.Time{day(30).Add(23 * time.Hour), day(30).Add(time.Hour), day(28).Add(23*time.Hour + 59*time.Minute),
			// 01:30 at UTC+2 is the day before in UTC.
			time.Date(2026, 10, 26, 1, 30, 0, 0, time.FixedZone("UTC+2", 2*60*60))} {
			e := journalEvent(strconv.Itoa(i), a)
			e.StartedAt = at
			events = append(events, e)
		}
		if err := db.Create(&events).Error; err != nil {
			t.Fatal(err)
		}
		claim("events added", map[uint]store.CustomerChanges{a: {Events: []time.Time{day(25), day(28), day(30)}}})
		if err := db.Model(&events[0]).Updates(map[string]any{"started_at": day(31), "customer_id": b}).Error; err != nil {
			t.Fatal(err)
		}
		claim("event moved to another day and customer", map[uint]store.CustomerChanges{a: {Events: []time.Time{day(30)}}, b: {Events: []time.Time{day(31)}}})
		to, revoked := day(29), day(27).Add(12*time.Hour)
		grant := store.Authorisation{Pulled: store.Pulled{Source: "test", SourceID: "g", Stream: "s", Scope: "s", SeenAt: t0},
			CustomerID: &a, AccessScope: record.ScopeRemote, ValidFrom: day(28), ValidTo: &to}
		if err := db.Create(&grant).Error; err != nil {
			t.Fatal(err)
		}
		claim("authorisation added", map[uint]store.CustomerChanges{a: {Grants: []time.Time{day(28)}}})
		if err := db.Model(&grant).Update("revoked_at", revoked).Error; err != nil {
			t.Fatal(err)
		}
		claim("authorisation revoked before it began", map[uint]store.CustomerChanges{a: {Grants: []time.Time{day(27), day(28)}}})
		backup := store.VerifiedBackup{CustomerID: &b, What: "server", TakenAt: day(20).Add(time.Hour), VerifiedAt: day(21), VerifiedBy: "Jane", Evidence: "x"}
		if err := db.Create(&backup).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&store.Contact{Pulled: store.Pulled{Source: "test", SourceID: "c", Stream: "s", Scope: "s", SeenAt: t0}, Name: "Jane", CustomerID: &a}).Error; err != nil {
			t.Fatal(err)
		}
		claim("backup and contact added", map[uint]store.CustomerChanges{a: {Whole: true}, b: {Backups: []time.Time{day(20)}}})
		if db.Dialector.Name() == "sqlite" { // PostgreSQL refuses such a time
			if err := db.Exec("UPDATE access_events SET started_at = 'soon' WHERE id = ?", events[1].ID).Error; err != nil {
				t.Fatal(err)
			}
			claim("an event's start that is no time", map[uint]store.CustomerChanges{a: {Whole: true, Events: []time.Time{day(30)}}})
		}
	})
}

// TestJournal_ClaimWaitsForAnOpenChange holds a change open on PostgreSQL while a run
// claims the journal: the claim waits for the change to commit, so the run that
// claimed the customer's mark reads the change; it never deletes a mark whose change
// it could not see.
func TestJournal_ClaimWaitsForAnOpenChange(t *testing.T) {
	st := storetest.Open(t, "postgres", storetest.Keyring(t))
	db := storetest.DB(ctx, st)
	a, _ := journalCustomers(t, db)
	first := journalEvent("1", a)
	if err := db.Create(&first).Error; err != nil {
		t.Fatal(err)
	}
	tx := db.Begin()
	defer tx.Rollback()
	open := journalEvent("2", a)
	if err := tx.Create(&open).Error; err != nil {
		t.Fatal(err)
	}
	claimed := make(chan store.Changes, 1)
	go func() {
		c, err := st.ClaimChanges(ctx)
		if err != nil {
			t.Error(err)
		}
		claimed <- c
	}()
	select {
	case <-claimed:
		t.Fatal("the claim returned while a change to its customer was still open")
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	c := <-claimed
	if !slices.Equal(c.Customers, []uint{a}) {
		t.Fatalf("claimed %v, want customer %d", c.Customers, a)
	}
	var n int64
	if err := db.Model(&store.AccessEvent{}).Where("customer_id = ?", a).Count(&n).Error; err != nil || n != 2 {
		t.Errorf("after the claim the run reads %d events of the customer (%v), want 2", n, err)
	}
}
