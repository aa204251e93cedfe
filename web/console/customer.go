package console

import (
	"net/http"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/web/auth"
)

// customerPage is one customer: its access timeline (a page of it), authorisations,
// devices and their backups, GDAP relationships and coverage per source.
type customerPage struct {
	app.CustomerDetail
	// Timeline pages the access timeline.
	TimelinePaging pageInfo `json:"timeline_paging"`
}

func (p customerPage) PageTitle() (string, string) { return p.Customer.Name, "customers" }

func (c *Console) getCustomer(r *http.Request, _ auth.Principal) (result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return result{}, err
	}
	pg, err := paging(r.URL.Query())
	if err != nil {
		return result{}, err
	}
	d, err := c.App.Customer(r.Context(), id, pg.rows())
	if err != nil {
		return result{}, err
	}
	return result{Data: customerPage{CustomerDetail: d, TimelinePaging: newPageInfo(r, pg, d.TimelineTotal)}}, nil
}
