package m365_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/fixtures/graph"
	"github.com/custos-msp/custos/httpsafe"
)

// TestSignIns_LoopingNextLinkEnds: Graph answers the second page's link with the
// first page, so its nextLink names the page just read; the pull ends on
// page 3 with an error naming vendor, stream, scope and page (a ceiling of 1 ends
// it on page 2), the pages before it were handed over (one record each) and the
// cursor is left where the pull started.
func TestSignIns_LoopingNextLinkEnds(t *testing.T) {
	for _, tt := range connectortest.LoopCases {
		t.Run(tt.Name, func(t *testing.T) {
			e := newEnv(t, func(c *config.M365) { c.MaxPages = tt.MaxPages })
			e.graph.SetPageSize(1)
			e.graph.Faults().Inject(fakehttp.Loop("/beta/auditLogs/signIns", "$skiptoken"))
			from := connectors.Cursor(e.now.Add(-5 * 24 * time.Hour).Format(time.RFC3339))
			sink, next, err := e.pull(t, "signins", connectors.Scope{ID: graph.ContosoTenant}, from)
			var pe *connectors.PagingError
			if !errors.As(err, &pe) || !errors.Is(err, tt.Reason) {
				t.Fatalf("err = %v, want a paging error %v", err, tt.Reason)
			}
			if pe.Vendor != "m365" || pe.Stream != "signins" || pe.Scope.ID != graph.ContosoTenant || pe.Page != tt.Page {
				t.Errorf("err = %+v, want m365 signins %s page %d", pe, graph.ContosoTenant, tt.Page)
			}
			if got := len(sink.Records()); got != tt.Page-1 {
				t.Errorf("%d records handed over before the failing page, want %d", got, tt.Page-1)
			}
			if next != from {
				t.Errorf("cursor = %q, want it left at %q", next, from)
			}
		})
	}
}

// TestGraph_BodyCap: a Graph answer over max_body_bytes fails the pull with an
// error naming the vendor and the limit; under it the pull works.
func TestGraph_BodyCap(t *testing.T) {
	const limit = 64 << 10
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"under the cap", limit / 2, false},
		{"over the cap", limit + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *config.M365) { c.MaxBodyBytes = limit })
			e.graph.Faults().Inject(fakehttp.Fault{Path: "/beta/auditLogs/signIns", Oversized: tt.size})
			from := connectors.Cursor(e.now.Add(-5 * 24 * time.Hour).Format(time.RFC3339))
			_, _, err := e.pull(t, "signins", connectors.Scope{ID: graph.ContosoTenant}, from)
			var be *httpsafe.BodyTooLargeError
			if got := errors.As(err, &be); got != tt.wantErr {
				t.Fatalf("err = %v, want body too large: %v", err, tt.wantErr)
			}
			if tt.wantErr && (be.Vendor != "m365" || be.Limit != limit) {
				t.Errorf("err = %+v, want m365 at %d", be, limit)
			}
		})
	}
}

// TestCustomers_StreamsPageByPage: the customers stream hands over each page of
// GDAP customers as it reads it (not one page at the end), every tenant once; a
// next link that loops ends the read on page 3 with an error naming vendor,
// stream, scope and page, after the pages before it were handed over.
func TestCustomers_StreamsPageByPage(t *testing.T) {
	e := newEnv(t)
	e.graph.SetPageSize(1)
	sink, _, err := e.pull(t, "customers", connectors.Account, "")
	if err != nil {
		t.Fatalf("customers: %v", err)
	}
	ids := sink.IDs()
	if len(sink.Pages) < 2 || len(sink.Pages) < len(ids) {
		t.Errorf("%d pages for %d tenants, want one page per customer read", len(sink.Pages), len(ids))
	}
	if len(ids) != len(slices.Compact(slices.Sorted(slices.Values(ids)))) {
		t.Errorf("tenants handed over more than once: %v", ids)
	}

	loop := newEnv(t)
	loop.graph.SetPageSize(1)
	loop.graph.Faults().Inject(fakehttp.Loop("/v1.0/tenantRelationships/delegatedAdminCustomers", "$skiptoken"))
	sink, _, err = loop.pull(t, "customers", connectors.Account, "")
	connectortest.MustPagingError(t, err, connectortest.PagingWant{
		Reason: connectors.ErrPagingLoop, Vendor: "m365", Stream: "customers", Scope: connectors.Account.ID, Page: 3,
	})
	if got := len(sink.Pages); got != 2 {
		t.Errorf("%d pages handed over before the failing one, want 2", got)
	}
}
