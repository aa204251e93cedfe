package itglue

import (
	"context"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/fixtures/fakehttp"
)

// TestPaging_LoopingNextPageEnds: IT Glue answers every later page with the first,
// whose meta.next-page names page 2 again; the organizations read ends on page 3
// with an error naming vendor, stream, scope and page (a ceiling of 1 ends it on
// page 2), after handing over the pages before it.
func TestPaging_LoopingNextPageEnds(t *testing.T) {
	for _, tt := range connectortest.LoopCases {
		t.Run(tt.Name, func(t *testing.T) {
			e := newDemoEnv(t, withConfig(func(c *config.ITGlue) { c.PageSize = 1; c.MaxPages = tt.MaxPages }))
			e.srv.Inject(fakehttp.Loop("/organizations", "page[number]"))
			sink := &connectortest.Sink{}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := e.organizations().Pull(ctx, connectors.Account, "", sink)
			connectortest.MustPagingError(t, err, connectortest.PagingWant{
				Reason: tt.Reason, Vendor: Name, Stream: "organizations", Scope: "organizations", Page: tt.Page,
			})
			if got := len(sink.Pages); got != tt.Page-1 {
				t.Errorf("%d pages handed over before the failing one, want %d", got, tt.Page-1)
			}
		})
	}
}
