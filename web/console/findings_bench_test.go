package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// benchFindings is how many open findings BenchmarkFindingsPage_100k stores.
const benchFindings = 100_000

// firstByte records when the handler first writes to the answer.
type firstByte struct {
	*httptest.ResponseRecorder
	start, first time.Time
}

func (w *firstByte) mark() {
	if w.first.IsZero() {
		w.first = time.Now()
	}
}

func (w *firstByte) WriteHeader(code int) { w.mark(); w.ResponseRecorder.WriteHeader(code) }

func (w *firstByte) Write(b []byte) (int, error) { w.mark(); return w.ResponseRecorder.Write(b) }

// BenchmarkFindingsPage_100k times the first page of the findings list (as an
// operator, so with the boxes to tick) on the demo's SQLite store with 100,000 open
// findings spread over 500 customers, written sealed by the store's bulk writer as
// reconcile writes them. ttfb-ms is the time to the handler's first write (the
// page is rendered whole before it is sent, so it is about the whole time).
func BenchmarkFindingsPage_100k(b *testing.B) {
	tc := syncedConsole(b)
	ctx := b.Context()
	customers := make([]store.Customer, 500)
	for i := range customers {
		customers[i] = store.Customer{Name: fmt.Sprintf("Bench Customer %03d Ltd", i), Key: fmt.Sprintf("bench-customer-%03d", i)}
	}
	if err := storetest.DB(ctx, tc.App.Store).Create(&customers).Error; err != nil {
		b.Fatal(err)
	}
	now := tc.App.Now()
	fs := make([]store.Finding, benchFindings)
	for i := range fs {
		c := customers[i%len(customers)].ID
		seen := now.Add(-time.Duration(i%(90*24)) * time.Hour)
		fp := fmt.Sprintf("bench-%06d", i)
		fs[i] = store.Finding{
			Rule: reconcile.Catalogue[i%len(reconcile.Catalogue)], Fingerprint: fp, Subject: "bench:" + fp, CustomerID: &c,
			Severity: vocab.Severities[i%len(vocab.Severities)], FirstSeen: seen, LastSeen: seen, Status: store.StatusOpen,
			Summary: fmt.Sprintf("Technician %d had a remote control session on BENCH-PC-%05d on %s without authorisation: "+
				"no authorisation of this customer for them on this machine", i%40, i, seen.Format("2006-01-02 15:04 MST")),
		}
	}
	err := tc.App.Store.RecordFindings(ctx, store.FindingScope{Rules: []string{"BENCH"}}, now, func(store.FindingState) (store.FindingWrites, error) {
		return store.FindingWrites{Insert: fs}, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if n, err := tc.App.Store.CountFindings(ctx, store.FindingFilter{Status: store.StatusOpen}); err != nil || n < benchFindings {
		b.Fatalf("%d open findings (%v), want %d or more", n, err, benchFindings)
	}
	for _, c := range []struct{ name, target string }{
		{"severity", "/findings"},
		{"newest", "/findings?sort=newest"},
		{"customer", fmt.Sprintf("/findings?customer=%d&sort=oldest", customers[7].ID)},
		{"api", "/api/v1/findings"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var ttfb time.Duration
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, c.target, nil)
				r.Header.Set(roleHeader, "operator")
				w := &firstByte{ResponseRecorder: httptest.NewRecorder(), start: time.Now()}
				tc.ServeHTTP(w, r)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "BENCH-PC-") {
					b.Fatalf("GET %s: %d", c.target, w.Code)
				}
				ttfb += w.first.Sub(w.start)
			}
			b.ReportMetric(float64(ttfb.Microseconds())/1000/float64(b.N), "ttfb-ms")
		})
	}
}
