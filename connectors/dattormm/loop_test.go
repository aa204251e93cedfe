package dattormm

import (
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/fixtures/fakehttp"
)

// TestPaging_LoopingNextLinkEnds: the platform answers every later page with the
// first, so the second page's next link names itself; a list and the activity log
// end on page 3 with an error naming vendor, stream, scope and page (a ceiling of
// 1 ends them on page 2), after handing over the pages before it, and the cursor
// returned resumes no further than the last page handed over.
func TestPaging_LoopingNextLinkEnds(t *testing.T) {
	tests := []struct {
		name, stream, path, param string
		maxPages                  int
		want                      error
		wantPage                  int
	}{
		{"devices, a repeated page", "devices", fx.DevicesPath, "page", 100, connectors.ErrPagingLoop, 3},
		{"devices, the page ceiling", "devices", fx.DevicesPath, "page", 1, connectors.ErrTooManyPages, 2},
		{"activity, a repeated link", "activity", fx.ActivityPath, "searchAfter", 100, connectors.ErrPagingLoop, 3},
		{"activity, the page ceiling", "activity", fx.ActivityPath, "searchAfter", 1, connectors.ErrTooManyPages, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDemoEnv(t, func(c *config.DattoRMM) { c.PageSize = 2; c.MaxPages = tt.maxPages; c.DeviceAudit = false })
			e.srv.Inject(fakehttp.Loop(tt.path, tt.param))
			sink, next, err := e.pull(t, tt.stream, "", nil)
			connectortest.MustPagingError(t, err, connectortest.PagingWant{
				Reason: tt.want, Vendor: Name, Stream: tt.stream, Scope: connectors.Account.ID, Page: tt.wantPage,
			})
			if got := len(sink.Pages); got != tt.wantPage-1 {
				t.Errorf("%d pages handed over before the failing one, want %d", got, tt.wantPage-1)
			}
			if tt.stream == "activity" && next != sink.LastCursor() {
				t.Errorf("cursor = %q, want the last page's %q", next, sink.LastCursor())
			}
		})
	}
}
