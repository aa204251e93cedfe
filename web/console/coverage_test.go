package console

import (
	"fmt"
	"strings"
	"testing"

	"github.com/custos-msp/custos/app"
)

func TestCoverage_GridSaysWhyACellIsNotOK(t *testing.T) {
	tc := syncedConsole(t)
	var grid coveragePage
	getJSON(t, tc, "viewer", "/api/v1/coverage", &grid)
	if len(grid.Rows) == 0 || len(grid.Connectors) == 0 || grid.Paging.Total != int64(len(grid.Rows)) {
		t.Fatalf("grid = %+v", grid)
	}
	states := map[string]int{}
	for _, row := range grid.Rows {
		if len(row.Cells) != len(grid.Connectors) {
			t.Errorf("customer %d has %d cells for %d sources", row.CustomerID, len(row.Cells), len(grid.Connectors))
		}
		for _, c := range row.Cells {
			states[c.State]++
			if c.State == app.CoverageFailing && (c.Error == "" || c.FailedAt == nil || c.Outcome == "") {
				t.Errorf("customer %d, %s: failing without saying how: %+v", row.CustomerID, c.Connector, c)
			}
		}
	}
	// The demo plants sources that fail (a tenant that never consented) beside ones read fine.
	if states[app.CoverageOK] == 0 || states[app.CoverageFailing] == 0 {
		t.Errorf("cell states %v, want OK and failing cells", states)
	}

	// The customer's page shows its row of the same grid.
	var detail customerPage
	getJSON(t, tc, "viewer", fmt.Sprintf("/api/v1/customers/%d", grid.Rows[0].CustomerID), &detail)
	for i, c := range detail.Coverage {
		if c.State != grid.Rows[0].Cells[i].State {
			t.Errorf("%s: the customer's page says %s, the grid %s", c.Connector, c.State, grid.Rows[0].Cells[i].State)
		}
	}

	body := tc.page(t, "/coverage")
	for _, want := range []string{"<strong>OK</strong>", "<strong>Failing</strong>", "<summary>Error</summary>", "cell-bad", "cell-ok"} {
		if !strings.Contains(body, want) {
			t.Errorf("the grid does not show %q", want)
		}
	}
}
