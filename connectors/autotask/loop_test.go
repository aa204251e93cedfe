package autotask

import (
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/autotask"
)

// TestPaging_LoopingQueryEnds: Autotask answers every later page of the companies
// query with the first (the id condition ignored) and nextPageUrl still set; the
// read ends on page 3 with an error naming vendor, stream, scope and page (a
// ceiling of 1 ends it on page 2), after handing over the pages before it, and the
// rows of the repeated page are not handed over twice.
func TestPaging_LoopingQueryEnds(t *testing.T) {
	for _, tt := range connectortest.LoopCases {
		t.Run(tt.Name, func(t *testing.T) {
			e := newEnv(t, withConfig(func(c *config.Autotask) { c.MaxPages = tt.MaxPages }))
			e.conn.pageSize = 3
			e.srv.Inject(fx.LoopPaging(entityCompanies))
			sink, _, err := e.pull(t, "companies", "")
			connectortest.MustPagingError(t, err, connectortest.PagingWant{
				Reason: tt.Reason, Vendor: Name, Stream: "companies", Scope: connectors.Account.ID, Page: tt.Page,
			})
			if got := len(sink.Pages); got != tt.Page-1 {
				t.Errorf("%d pages handed over before the failing one, want %d", got, tt.Page-1)
			}
			if got := len(sink.Records()); got != 3 {
				t.Errorf("%d records handed over, want the first page's 3 once", got)
			}
		})
	}
}
