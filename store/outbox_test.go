package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestOutbox_RouteEnqueueDeliver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		in := []findings.Input{
			{Rule: "R1", Fingerprint: "a", Subject: "s", Severity: "high", Summary: "a"},
			{Rule: "R1", Fingerprint: "b", Subject: "s", Severity: "low", Summary: "b"},
		}
		if _, err := findings.Apply(ctx, st, []string{"R1"}, in, t0); err != nil {
			t.Fatal(err)
		}
		entries, err := st.Outbox(ctx)
		if err != nil || len(entries) != 2 {
			t.Fatalf("outbox = %v, %v", entries, err)
		}
		// a goes to two receivers, b to none.
		routed := []store.OutboxEntry{entries[0], entries[0]}
		routed[0].Receiver, routed[1].Receiver = "teams", "email"
		if err := st.RouteOutbox(ctx, []uint{entries[0].ID, entries[1].ID}, routed); err != nil {
			t.Fatal(err)
		}
		entries, _ = st.Outbox(ctx)
		if len(entries) != 2 || routed[0].ID != entries[0].ID || routed[1].ID != entries[1].ID {
			t.Errorf("RouteOutbox set ids %d, %d; the outbox holds %+v", routed[0].ID, routed[1].ID, entries)
		}
		var receivers []string
		for _, e := range entries {
			receivers = append(receivers, e.Fingerprint+"@"+e.Receiver)
		}
		if !slices.Equal(receivers, []string{"a@teams", "a@email"}) {
			t.Fatalf("routed outbox = %v", receivers)
		}

		enq := store.Enqueue{
			Delivery: store.Delivery{
				Receiver: "teams", Kind: "alert", GroupKey: "teams/0/1", IdempotencyKey: "k1",
				Findings: 1, Body: "sealed", Status: store.DeliveryPending, NextAttemptAt: t0, CreatedAt: t0,
			},
			Claimed: []uint{entries[0].ID},
		}
		d, err := st.EnqueueDelivery(ctx, enq)
		if err != nil || d.ID == 0 || d.Status != store.DeliveryPending {
			t.Fatalf("EnqueueDelivery = %+v, %v", d, err)
		}
		// The same key again (a re-run after a crash) stores nothing new.
		again, err := st.EnqueueDelivery(ctx, enq)
		if err != nil || again.ID != d.ID {
			t.Errorf("second EnqueueDelivery = %+v, %v; want the first delivery", again, err)
		}
		if n := count(t, st, &store.Delivery{}); n != 1 {
			t.Errorf("deliveries = %d, want 1", n)
		}
		// Queued is not told: the entry stays, claimed, and nothing is logged.
		if n := count(t, st, &store.OutboxEntry{}, "delivery_id = ?", d.ID); n != 1 {
			t.Errorf("outbox entries claimed = %d, want 1 (a@teams)", n)
		}
		if logs, _ := st.NotifyLogs(ctx); len(logs) != 0 {
			t.Errorf("notify log written on queueing: %+v", logs)
		}
		groups, err := st.GroupFlushes(ctx)
		if err != nil || !groups["teams/0/1"].Equal(t0) {
			t.Errorf("group flushes = %v, %v", groups, err)
		}

		if due, _ := st.PendingDeliveries(ctx, t0.Add(-time.Second), 10); len(due) != 0 {
			t.Errorf("delivery due before its time: %v", due)
		}
		retry := t0.Add(time.Minute)
		if err := st.RecordAttempt(ctx, d.ID, store.Attempt{Status: store.DeliveryPending, NextAttemptAt: retry, LastError: "HTTP 503"}); err != nil {
			t.Fatal(err)
		}
		if due, _ := st.PendingDeliveries(ctx, t0.Add(30*time.Second), 10); len(due) != 0 {
			t.Errorf("delivery due before its retry: %v", due)
		}
		due, err := st.PendingDeliveries(ctx, retry, 10)
		if err != nil || len(due) != 1 || due[0].Attempts != 1 || due[0].Body != "sealed" || due[0].LastError != "HTTP 503" {
			t.Fatalf("due at retry = %+v, %v", due, err)
		}
		logged := []store.NotifyLog{{Fingerprint: "a", Receiver: "teams", State: store.LogFiring, Severity: "high", NotifiedAt: t0}}
		if err := st.RecordAttempt(ctx, d.ID, store.Attempt{Status: store.DeliverySent, At: retry, SentAt: retry, Logs: logged}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, st, &store.OutboxEntry{}); n != 1 {
			t.Errorf("outbox entries left = %d, want 1 (a@email)", n)
		}
		logs, err := st.NotifyLogs(ctx)
		if err != nil || len(logs) != 1 || logs[0].Receiver != "teams" || logs[0].Fingerprint != "a" ||
			logs[0].DeliveryID != d.ID || logs[0].State != store.LogFiring {
			t.Errorf("notify log = %+v, %v", logs, err)
		}
		health, err := st.ReceiverHealths(ctx)
		if err != nil || len(health) != 1 || health[0].Receiver != "teams" || health[0].FailingSince != nil ||
			health[0].LastAcceptedAt == nil || !health[0].LastAcceptedAt.Equal(retry) || health[0].LastError != "HTTP 503" {
			t.Errorf("receiver health after the retry was accepted = %+v, %v", health, err)
		}
		receipts, err := st.Deliveries(ctx, store.DeliveryFilter{Receiver: "teams"})
		if err != nil || len(receipts) != 1 {
			t.Fatalf("receipts = %v, %v", receipts, err)
		}
		r := receipts[0]
		if r.Status != store.DeliverySent || r.Attempts != 2 || r.SentAt == nil || !r.SentAt.Equal(retry) || r.LastError != "" {
			t.Errorf("receipt = %+v", r)
		}
		if n := count(t, st, &store.Delivery{}, "body <> ''"); n != 0 {
			t.Error("a delivered body was kept")
		}
		if due, _ := st.PendingDeliveries(ctx, retry.Add(time.Hour), 10); len(due) != 0 {
			t.Errorf("a delivered message is due again: %v", due)
		}
	})
}

func TestOutbox_FailedForGoodGivesEntriesBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		in := []findings.Input{{Rule: "R1", Fingerprint: "a", Subject: "s", Severity: "high", Summary: "a"}}
		if _, err := findings.Apply(ctx, st, []string{"R1"}, in, t0); err != nil {
			t.Fatal(err)
		}
		entries, _ := st.Outbox(ctx)
		routed := []store.OutboxEntry{entries[0]}
		routed[0].Receiver = "hook"
		if err := st.RouteOutbox(ctx, []uint{entries[0].ID}, routed); err != nil {
			t.Fatal(err)
		}
		enqueue := func(key string) store.Delivery {
			d, err := st.EnqueueDelivery(ctx, store.Enqueue{Claimed: []uint{routed[0].ID}, Delivery: store.Delivery{
				Receiver: "hook", Kind: "alert", IdempotencyKey: key, Body: "sealed", Status: store.DeliveryPending, NextAttemptAt: t0, CreatedAt: t0,
			}})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		steps := []struct {
			key      string
			at       time.Time
			status   string
			returned int
		}{
			{"k1", t0.Add(time.Minute), store.DeliveryPending, 0}, // a retry keeps the claim
			{"k1", t0.Add(2 * time.Minute), store.DeliveryFailed, 1},
			{"k2", t0.Add(time.Hour), store.DeliveryFailed, 2},
		}
		for _, s := range steps {
			d := enqueue(s.key)
			if err := st.RecordAttempt(ctx, d.ID, store.Attempt{Status: s.status, At: s.at, LastError: "HTTP 404 at " + s.key}); err != nil {
				t.Fatal(err)
			}
			got, _ := st.Outbox(ctx)
			claimed := s.status == store.DeliveryPending
			if len(got) != 1 || (got[0].DeliveryID != nil) != claimed || got[0].Returned != s.returned {
				t.Errorf("after %s %s: outbox = %+v, want the entry claimed %v, returned %d", s.key, s.status, got, claimed, s.returned)
			}
			health, err := st.ReceiverHealths(ctx)
			if err != nil || len(health) != 1 || health[0].FailingSince == nil || !health[0].FailingSince.Equal(t0.Add(time.Minute)) ||
				!health[0].LastFailedAt.Equal(s.at) || health[0].LastError != "HTTP 404 at "+s.key || health[0].Waiting != 1 {
				t.Errorf("after %s %s: health = %+v, %v; want failing since the first failure, one finding waiting", s.key, s.status, health, err)
			}
		}
		if n := count(t, st, &store.Delivery{}, "body <> ''"); n != 0 {
			t.Error("a body was kept after the delivery failed for good")
		}
	})
}

func TestFindingsByID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		c := store.Customer{Name: "Contoso Ltd", Key: "contoso"}
		if err := storetest.DB(ctx, st).Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		in := []findings.Input{
			{Rule: "R1", Fingerprint: "a", Subject: "s", Severity: "high", Summary: "a", CustomerID: &c.ID},
			{Rule: "R1", Fingerprint: "b", Subject: "s", Severity: "low", Summary: "b"},
		}
		if _, err := findings.Apply(ctx, st, []string{"R1"}, in, t0); err != nil {
			t.Fatal(err)
		}
		entries, _ := st.Outbox(ctx)
		got, err := st.FindingsByID(ctx, []uint{entries[0].FindingID, entries[1].FindingID, 999})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[entries[0].FindingID].CustomerName != "Contoso Ltd" || got[entries[1].FindingID].Summary != "b" {
			t.Errorf("FindingsByID = %+v", got)
		}
	})
}

func TestPrune_Deliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		keep := 30 * day
		rows := []store.Delivery{
			{IdempotencyKey: "old-sent", Status: store.DeliverySent, CreatedAt: past(keep)},
			{IdempotencyKey: "old-failed", Status: store.DeliveryFailed, CreatedAt: past(keep)},
			// A pending delivery is never pruned, however old: it has not been delivered.
			{IdempotencyKey: "old-pending", Status: store.DeliveryPending, Body: "sealed", CreatedAt: past(keep)},
			{IdempotencyKey: "new-sent", Status: store.DeliverySent, Body: "left behind", CreatedAt: within(keep)},
		}
		for i := range rows {
			rows[i].Receiver, rows[i].Kind, rows[i].NextAttemptAt = "r", "alert", rows[i].CreatedAt
			create(t, st, &rows[i])
		}
		create(t, st,
			&store.NotifyLog{Fingerprint: "a", Receiver: "r", State: store.LogFiring, Severity: "high", NotifiedAt: past(keep)},
			&store.NotifyLog{Fingerprint: "b", Receiver: "r", State: store.LogFiring, Severity: "high", NotifiedAt: within(keep)},
		)
		res, err := st.Prune(ctx, store.RetentionPolicy{Deliveries: keep}, t0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if res.DeliveriesDeleted != 2 || res.DeliveryBodiesCleared != 1 || res.NotifyLogsDeleted != 1 {
			t.Errorf("prune result = %+v", res)
		}
		if got := pluck(t, st, &store.Delivery{}, "idempotency_key"); !slices.Equal(got, []string{"new-sent", "old-pending"}) {
			t.Errorf("deliveries kept = %v", got)
		}
		if got := pluck(t, st, &store.Delivery{}, "idempotency_key", "body <> ''"); !slices.Equal(got, []string{"old-pending"}) {
			t.Errorf("bodies kept = %v, want only the pending one", got)
		}
		if got := pluck(t, st, &store.NotifyLog{}, "fingerprint"); !slices.Equal(got, []string{"b"}) {
			t.Errorf("notify log kept = %v", got)
		}
		// With no retention the receipts stay, but no body outlives its delivery.
		if _, err := st.Prune(ctx, store.RetentionPolicy{}, t0.Add(365*day), 0); err != nil {
			t.Fatal(err)
		}
		if n := count(t, st, &store.Delivery{}); n != 2 {
			t.Errorf("deliveries after a prune with no retention = %d, want 2", n)
		}
	})
}
