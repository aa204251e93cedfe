package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func TestMayTake(t *testing.T) {
	held := store.JobLease{Name: "sync", Holder: "a", Slot: t0, ExpiresAt: t0.Add(time.Minute)}
	tests := []struct {
		name   string
		holder string
		slot   time.Time
		now    time.Time
		want   bool
	}{
		{"a later slot once the lease expired", "b", t0.Add(time.Hour), t0.Add(2 * time.Minute), true},
		{"a later slot by the holder before expiry", "a", t0.Add(time.Hour), t0.Add(30 * time.Second), true},
		{"a later slot by another before expiry", "b", t0.Add(time.Hour), t0.Add(30 * time.Second), false},
		{"the same slot again", "a", t0, t0.Add(2 * time.Minute), false},
		{"an earlier slot", "b", t0.Add(-time.Hour), t0.Add(2 * time.Minute), false},
	}
	for _, tt := range tests {
		if got := mayTake(held, tt.holder, tt.slot, tt.now); got != tt.want {
			t.Errorf("%s: mayTake = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLease_OneHolderPerSlot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		slot1, slot2 := t0, t0.Add(time.Hour)
		ttl := time.Minute
		steps := []struct {
			name   string
			holder string
			slot   time.Time
			now    time.Time
			want   bool
		}{
			{"a takes slot 1", "a", slot1, t0, true},
			{"b cannot take slot 1 again", "b", slot1, t0.Add(2 * time.Minute), false},
			{"b cannot take slot 2 while a holds the lease", "b", slot2, t0.Add(30 * time.Second), false},
			{"b takes slot 2 once a's lease expired", "b", slot2, t0.Add(2 * time.Minute), true},
			{"a cannot take slot 2 that b took", "a", slot2, t0.Add(time.Hour), false},
			{"an earlier slot is never taken", "a", slot1, t0.Add(2 * time.Hour), false},
		}
		for _, s := range steps {
			got, err := acquireLease(context.Background(), st, "sync", s.holder, s.slot, ttl, s.now)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got != s.want {
				t.Errorf("%s: acquired = %v, want %v", s.name, got, s.want)
			}
		}
		if ok, _ := renewLease(context.Background(), st, "sync", "a", ttl, t0.Add(2*time.Minute)); ok {
			t.Error("a renewed a lease b holds")
		}
		if ok, _ := renewLease(context.Background(), st, "sync", "b", ttl, t0.Add(2*time.Minute)); !ok {
			t.Error("b could not renew its lease")
		}
		if err := releaseLease(context.Background(), st, "sync", "b", t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := acquireLease(context.Background(), st, "sync", "a", slot2.Add(time.Hour), ttl, t0.Add(3*time.Minute+time.Second)); !ok {
			t.Error("a released lease was not free for the next slot")
		}
	})
}

func TestLease_ConcurrentReplicasTakeEachSlotOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const replicas, slots = 3, 20
		won := make(chan string, replicas*slots)
		done := make(chan struct{})
		for r := range replicas {
			holder := string(rune('a' + r))
			go func() {
				defer func() { done <- struct{}{} }()
				for i := range slots {
					slot := t0.Add(time.Duration(i) * time.Minute)
					ok, err := acquireLease(context.Background(), st, "reconcile", holder, slot, time.Millisecond, slot.Add(time.Second))
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						won <- slot.String()
					}
				}
			}()
		}
		for range replicas {
			<-done
		}
		close(won)
		seen := map[string]int{}
		for s := range won {
			seen[s]++
		}
		for s, n := range seen {
			if n != 1 {
				t.Errorf("slot %s taken %d times", s, n)
			}
		}
	})
}
