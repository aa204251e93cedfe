package o365audit

import (
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	fx "github.com/custos-msp/custos/fixtures/o365audit"
)

// TestPaging_LoopingNextPageUriEnds: the API answers every later page of a content
// listing with the first, whose NextPageUri names page 2 again; the pull ends on
// page 3 with an error naming vendor, stream, tenant and page (a ceiling of 1 ends
// it on page 2), the window is not reported covered, and the cursor returned is the
// last one handed over.
func TestPaging_LoopingNextPageUriEnds(t *testing.T) {
	for _, tt := range connectortest.LoopCases {
		t.Run(tt.Name, func(t *testing.T) {
			e := newEnv(t, &fx.Options{PageSize: 1}, func(c *config.O365Audit) { c.MaxPages = tt.MaxPages })
			e.srv.Inject(fakehttp.Loop(fx.ContentPath(fx.DemoContosoTenantID), "nextPage"))
			sink, next, err := e.pull(t, "exchange", fx.DemoContosoTenantID, "")
			connectortest.MustPagingError(t, err, connectortest.PagingWant{
				Reason: tt.Reason, Vendor: Name, Stream: "exchange", Scope: fx.DemoContosoTenantID, Page: tt.Page,
			})
			if next != sink.LastCursor() {
				t.Errorf("cursor = %q, want the last one handed over, %q", next, sink.LastCursor())
			}
			ls := e.srv.Listings()
			failed := ls[len(ls)-1]
			for _, w := range sink.Windows {
				if w.To.After(failed.Start) {
					t.Errorf("window %s to %s is covered, past the start of the failed listing at %s", w.From, w.To, failed.Start)
				}
			}
		})
	}
}
