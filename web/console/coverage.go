package console

import (
	"net/http"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/web/auth"
)

// coveragePage is the customer × source grid of a page of the customers.
type coveragePage struct {
	app.CoverageGrid
	Paging pageInfo `json:"paging"`
}

func (coveragePage) PageTitle() (string, string) { return "Coverage and connector health", "coverage" }

func (c *Console) coverageRoutes() []route {
	return []route{
		{Method: http.MethodGet, Pattern: "/coverage", Name: "getCoverage", Need: auth.Viewer, Template: "coverage", Do: c.getCoverage},
		{Method: http.MethodGet, Pattern: "/api/v1/coverage", Name: "getCoverage", Need: auth.Viewer, Do: c.getCoverage},
	}
}

func (c *Console) getCoverage(r *http.Request, _ auth.Principal) (result, error) {
	pg, err := paging(r.URL.Query())
	if err != nil {
		return result{}, err
	}
	g, total, err := c.App.Coverage(r.Context(), pg.rows())
	if err != nil {
		return result{}, err
	}
	return result{Data: coveragePage{CoverageGrid: g, Paging: newPageInfo(r, pg, total)}}, nil
}
