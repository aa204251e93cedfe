package screenconnect

import (
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/fixtures/fakehttp"
)

// TestPaging_FilterIgnoredEndsAtTheCeiling: a server that ignores a report's Filter
// returns item_limit rows for every window, so each half is read again in halves;
// the read ends at max_pages reports with an error naming vendor, stream, scope and
// page, instead of halving down to every second of the lookback.
func TestPaging_FilterIgnoredEndsAtTheCeiling(t *testing.T) {
	const maxPages = 6
	for _, stream := range []string{"sessions", "connections", "events"} {
		t.Run(stream, func(t *testing.T) {
			e := newEnv(t, options{cfg: func(c *config.ScreenConnect) { c.ItemLimit = 2; c.MaxPages = maxPages }})
			e.srv.Inject(fakehttp.Loop("/Report.json", "Filter"))
			sink, _, err := pull(t, e.conn, stream, "")
			connectortest.MustPagingError(t, err, connectortest.PagingWant{
				Reason: connectors.ErrTooManyPages, Vendor: Name, Stream: stream, Scope: connectors.Account.ID, Page: maxPages + 1,
			})
			if n := len(sink.Records()); n != 0 {
				t.Errorf("%d records handed over from windows never read in full", n)
			}
		})
	}
}
