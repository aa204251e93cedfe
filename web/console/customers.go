package console

import (
	"net/http"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/web/auth"
)

// customersPage is the list of customers.
type customersPage struct {
	Customers []app.CustomerRow `json:"customers"`
	Paging    pageInfo          `json:"paging"`
}

func (customersPage) PageTitle() (string, string) { return "Customers", "customers" }

// customersRoutes are the list of customers and one customer's page.
func (c *Console) customersRoutes() []route {
	return []route{
		{Method: http.MethodGet, Pattern: "/customers", Name: "listCustomers", Need: auth.Viewer, Template: "customers", Do: c.listCustomers},
		{Method: http.MethodGet, Pattern: "/api/v1/customers", Name: "listCustomers", Need: auth.Viewer, Do: c.listCustomers},
		{Method: http.MethodGet, Pattern: "/customers/{id}", Name: "getCustomer", Need: auth.Viewer, Template: "customer", Do: c.getCustomer},
		{Method: http.MethodGet, Pattern: "/api/v1/customers/{id}", Name: "getCustomer", Need: auth.Viewer, Do: c.getCustomer},
	}
}

func (c *Console) listCustomers(r *http.Request, _ auth.Principal) (result, error) {
	pg, err := paging(r.URL.Query())
	if err != nil {
		return result{}, err
	}
	rows, total, err := c.App.Customers(r.Context(), pg.rows())
	if err != nil {
		return result{}, err
	}
	return result{Data: customersPage{Customers: rows, Paging: newPageInfo(r, pg, total)}}, nil
}
