package console

import (
	"net/http"
	"strings"

	"github.com/custos-msp/custos/web/auth"
)

// route is one page, form action or API call, and the least role it needs. HTML
// routes render their result's data with Template; routes under /api/ answer it as
// JSON. Every route goes through the guard, so no handler checks a role itself.
type route struct {
	Method, Pattern string
	// Name is the API operation's id in the OpenAPI document and the action the audit
	// trail records for a change, e.g. "acknowledgeFindings".
	Name string
	Need auth.Role
	// Template is the page an HTML route shows its result with.
	Template string
	// Do serves the request for p. A change returns what it changed for the audit
	// trail; an error is shown as a page or answered as JSON (see Error).
	Do func(r *http.Request, p auth.Principal) (result, error)
}

// API reports whether the route answers JSON.
func (rt route) API() bool { return strings.HasPrefix(rt.Pattern, "/api/") }

// Changes reports whether the route changes something: it needs a CSRF token from a
// browser session and is written to the audit trail.
func (rt route) Changes() bool { return rt.Method != http.MethodGet }

// result is what a route gives back.
type result struct {
	// Data is the page's data, or the API's answer.
	Data any
	// Status is the HTTP status; 200 when 0.
	Status int
	// Redirect, for a form, is where the browser goes after the change (303).
	Redirect string
	// File, when set, is sent as a download instead of Data.
	File *file
	// Change is what a change did, for the audit trail; the guard fills in who, when,
	// from where and the action.
	Change auth.Change
}

// file is a download, or with no Name a document shown as it is.
type file struct {
	Name, ContentType string
	Body              []byte
}

// routes lists every route of the console and the API.
func (c *Console) routes() []route {
	var all []route
	for _, group := range [][]route{
		c.metaRoutes(),
		c.auditRoutes(),
		c.overviewRoutes(),
		c.findingsRoutes(),
		c.findingRoutes(),
		c.customersRoutes(),
		c.authorisationsRoutes(),
		c.exclusionsRoutes(),
		c.coverageRoutes(),
		c.reportsRoutes(),
		c.adminRoutes(),
	} {
		all = append(all, group...)
	}
	return all
}
