package store_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// Ingest benchmark size: benchPages pages of benchPageSize access events, each with
// the personal values a remote session carries (actor, name, address, detail,
// attributes) and a 1 KiB vendor payload.
const (
	benchPages    = 20
	benchPageSize = 500
)

// BenchmarkCommitPage_AccessEvents writes access events the way a sync does (one
// CommitPage per page) into a fresh SQLite store, with personal data sealed and
// without a key, so that the cost of sealing shows as the ratio of the two.
// events/s counts access events written.
func BenchmarkCommitPage_AccessEvents(b *testing.B) {
	pages := benchEventPages()
	for _, sealed := range []bool{false, true} {
		b.Run(fmt.Sprintf("sealed=%t", sealed), func(b *testing.B) {
			var events, elapsed float64
			for b.Loop() {
				b.StopTimer()
				var sealer store.Sealer
				if sealed {
					sealer = storetest.Keyring(b)
				}
				st := storetest.Open(b, "sqlite", sealer)
				b.StartTimer()
				start := time.Now()
				for _, p := range pages {
					if err := st.CommitPage(ctx, p); err != nil {
						b.Fatal(err)
					}
				}
				elapsed += time.Since(start).Seconds()
				b.StopTimer()
				var n int64
				storetest.DB(ctx, st).Model(&store.AccessEvent{}).Count(&n)
				if n != benchPages*benchPageSize {
					b.Fatalf("stored %d events, want %d", n, benchPages*benchPageSize)
				}
				events += float64(n)
				_ = st.Close()
				b.StartTimer()
			}
			b.ReportMetric(events/elapsed, "events/s")
		})
	}
}

func benchEventPages() []store.Page {
	payload := make([]byte, 1024)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pages := make([]store.Page, benchPages)
	for p := range pages {
		recs := make([]record.Record, benchPageSize)
		for i := range recs {
			n := p*benchPageSize + i
			tech := n % 40
			recs[i] = &record.AccessEvent{
				Source: "screenconnect", SourceID: strconv.Itoa(n), Kind: record.KindRemoteSession, Action: "Connected",
				StartedAt: at.Add(time.Duration(n) * time.Minute), CustomerRef: "site-" + strconv.Itoa(n%50),
				ActorRef: fmt.Sprintf("tech%02d@msp.example", tech), ActorName: fmt.Sprintf("Technician %02d", tech),
				DeviceRef: "pc-" + strconv.Itoa(n%400), DeviceName: "PC-" + strconv.Itoa(n%400),
				SourceIP: fmt.Sprintf("198.51.100.%d", tech), Detail: "Remote session of 42 minutes",
				Attributes: map[string]string{"session_id": strconv.Itoa(n), "participant": fmt.Sprintf("tech%02d@msp.example", tech)},
				Raw:        payload,
			}
		}
		pages[p] = store.Page{Key: store.StreamKey{Connector: "screenconnect", Stream: "connections", Scope: "account"},
			Records: recs, Cursor: strconv.Itoa(p), SeenAt: at}
	}
	return pages
}
