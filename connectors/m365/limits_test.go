package m365_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/fixtures/graph"
	"github.com/custos-msp/custos/httpsafe"
)

// TestSignIns_LoopingNextLinkEnds: Graph answers the second page's link with the
// first page again, so its nextLink names the page just read; the pull ends on
// page 3 with an error naming vendor, stream, scope and page (a ceiling of 1 ends
// it on page 2), the pages before it were handed over (one record each) and the
// cursor is left where the pull started.
func TestSignIns_LoopingNextLinkEnds(t *testing.T) {
	tests := []struct {
		name     string
		maxPages int
		want     error
		wantPage int
	}{
		{"a repeated link", 100, connectors.ErrPagingLoop, 3},
		{"the page ceiling", 1, connectors.ErrTooManyPages, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *config.M365) { c.MaxPages = tt.maxPages })
			e.graph.SetPageSize(1)
			e.graph.Faults().Inject(fakehttp.Fault{Path: "/beta/auditLogs/signIns",
				Match: func(r *http.Request) bool { return r.URL.Query().Get("$skiptoken") == "o1" },
				Rewrite: func(r *http.Request) {
					q := r.URL.Query()
					q.Set("$skiptoken", "o0")
					r.URL.RawQuery = q.Encode()
				}})
			from := connectors.Cursor(e.now.Add(-5 * 24 * time.Hour).Format(time.RFC3339))
			sink, next, err := e.pull(t, "signins", connectors.Scope{ID: graph.ContosoTenant}, from)
			var pe *connectors.PagingError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want a paging error %v", err, tt.want)
			}
			if pe.Vendor != "m365" || pe.Stream != "signins" || pe.Scope.ID != graph.ContosoTenant || pe.Page != tt.wantPage {
				t.Errorf("err = %+v, want m365 signins %s page %d", pe, graph.ContosoTenant, tt.wantPage)
			}
			if got := len(sink.Records()); got != tt.wantPage-1 {
				t.Errorf("%d records handed over before the failing page, want %d", got, tt.wantPage-1)
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
