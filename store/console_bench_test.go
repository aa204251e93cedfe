package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// BenchmarkCustomerTimeline reads a page of one customer's access timeline and the
// findings citing it, as the customer's page does, when the customer has 100,000
// access events over 30 days and 20,000 access findings citing 5 events each: the
// first page, and one deep in the list.
func BenchmarkCustomerTimeline(b *testing.B) {
	for _, driver := range []string{"sqlite", "postgres"} {
		b.Run(driver, func(b *testing.B) {
			st := storetest.Open(b, driver, storetest.Keyring(b))
			db := storetest.DB(ctx, st)
			c := store.Customer{Name: "Big", Key: "big"}
			if err := db.Create(&c).Error; err != nil {
				b.Fatal(err)
			}
			const events, perFinding = 100_000, 5
			rows := make([]store.AccessEvent, events)
			for i := range rows {
				rows[i] = store.AccessEvent{Pulled: store.Pulled{Source: "s", SourceID: fmt.Sprint(i), Stream: "s", Scope: "s", SeenAt: t0},
					Kind: "session", Action: "connect", StartedAt: t0.Add(time.Duration(i) * 30 * 24 * time.Hour / events), CustomerID: &c.ID,
					ActorName: "tech", Decision: "no authorisation"}
			}
			if err := db.CreateInBatches(rows, 1000).Error; err != nil {
				b.Fatal(err)
			}
			var findings []store.Finding
			for i := 0; i < events; i += perFinding {
				refs := make([]string, perFinding)
				for j := range refs {
					refs[j] = store.Ref[store.AccessEvent](rows[i+j].ID)
				}
				findings = append(findings, store.Finding{Rule: "ACCESS-UNAUTHORISED", Fingerprint: fmt.Sprint(i), Subject: "s", CustomerID: &c.ID,
					Severity: "high", Summary: "s", Status: store.StatusOpen, Evidence: strings.Join(refs, ","),
					Day: rows[i].StartedAt.UTC().Format(time.DateOnly)})
			}
			if err := db.CreateInBatches(findings, 1000).Error; err != nil {
				b.Fatal(err)
			}
			for _, p := range []store.Rows{{Limit: 50}, {Limit: 50, Offset: 50_000}} {
				b.Run(fmt.Sprintf("offset=%d", p.Offset), func(b *testing.B) {
					for b.Loop() {
						page, total, err := st.CustomerAccessPage(ctx, c.ID, p)
						if err != nil || total != events || len(page) != 50 {
							b.Fatalf("page = %d of %d, %v", len(page), total, err)
						}
						citing, err := st.FindingsCitingEvents(ctx, c.ID, page)
						if err != nil || len(citing) != 50 {
							b.Fatalf("%d findings cite the page, %v", len(citing), err)
						}
					}
				})
			}
		})
	}
}
