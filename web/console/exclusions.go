package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

// exclusionsPage lists the exclusions with the forms to add and end them.
type exclusionsPage struct {
	Exclusions []app.ExclusionRow `json:"exclusions"`
	Paging     pageInfo           `json:"paging"`
	All        bool               `json:"all"`
	// Customers and Rules are the choices the add form offers; CanChange whether
	// the person may add and end exclusions.
	Customers []app.CustomerChoice `json:"-"`
	Rules     []string             `json:"-"`
	CanChange bool                 `json:"-"`
	// Form is the add form's values after a refused change or one to confirm;
	// Problem why it was refused; Confirm, for an exclusion that needs confirming,
	// what it would suppress (ConfirmAbove findings at most go unconfirmed).
	Form         url.Values  `json:"-"`
	Problem      *Error      `json:"-"`
	Confirm      *app.Impact `json:"-"`
	ConfirmAbove int         `json:"-"`
}

func (exclusionsPage) PageTitle() (string, string) { return "Exclusions", "exclusions" }

// exclusionAdded is the API's answer to adding an exclusion.
type exclusionAdded struct {
	ID         uint         `json:"id"`
	Open       int          `json:"open_in_scope"`
	Critical   int          `json:"critical_in_scope"`
	Suppressed int64        `json:"suppressed"`
	Changes    []app.Change `json:"changes"`
}

// exclusionEnded is the API's answer to ending an exclusion.
type exclusionEnded struct {
	ID       uint `json:"id"`
	Reopened int  `json:"reopened"`
}

func (c *Console) exclusionsRoutes() []route {
	refill := func(r *http.Request, p auth.Principal, problem *Error) (any, error) {
		page, err := c.exclusionsPage(r, p)
		page.Form, page.Problem = r.PostForm, problem
		return page, err
	}
	end := change{Name: "endExclusion", Need: auth.Operator, Form: "/exclusions/{id}/end", API: "/api/v1/exclusions/{id}/end",
		Back: func(*http.Request) string { return "/exclusions" }, Do: c.endExclusion, Refill: refill, Template: "exclusions"}
	return append([]route{
		{Method: http.MethodGet, Pattern: "/exclusions", Name: "listExclusions", Need: auth.Viewer, Template: "exclusions", Do: c.listExclusions},
		{Method: http.MethodGet, Pattern: "/api/v1/exclusions", Name: "listExclusions", Need: auth.Viewer, Do: c.listExclusions},
		{Method: http.MethodPost, Pattern: "/exclusions", Name: "addExclusion", Need: auth.Operator, Template: "exclusions",
			Do: func(r *http.Request, p auth.Principal) (result, error) {
				done, confirm, err := c.addExclusion(r, p)
				var problem *Error
				switch {
				case errors.As(err, &problem) && problem.Status == http.StatusBadRequest:
					page, perr := refill(r, p, problem)
					if perr != nil {
						return result{Change: done.Change}, errors.Join(err, perr)
					}
					done.Change.Outcome = "refused: " + problem.Message
					return result{Data: page, Status: problem.Status, Change: done.Change}, nil
				case err != nil:
					return result{Change: done.Change}, err
				case confirm != nil:
					// Nothing was added: the page asks, and the trail says it was not made.
					page, err := c.exclusionsPage(r, p)
					page.Form, page.Confirm, page.ConfirmAbove = r.PostForm, &confirm.Impact, app.ConfirmAbove
					done.Change.Outcome = "not made: " + confirm.Error()
					return result{Data: page, Change: done.Change}, err
				}
				return result{Redirect: "/exclusions?done=" + url.QueryEscape(done.Notice), Change: done.Change}, nil
			}},
		{Method: http.MethodPost, Pattern: "/api/v1/exclusions", Name: "addExclusion", Need: auth.Operator,
			Do: func(r *http.Request, p auth.Principal) (result, error) {
				done, confirm, err := c.addExclusion(r, p)
				if confirm != nil {
					err = &Error{Status: http.StatusConflict, Code: "confirm", Field: "confirm", Message: confirm.Error() + " (send confirm=yes)"}
				}
				return result{Data: done.Data, Change: done.Change}, err
			}},
	}, end.routes()...)
}

func (c *Console) listExclusions(r *http.Request, p auth.Principal) (result, error) {
	page, err := c.exclusionsPage(r, p)
	return result{Data: page}, err
}

// exclusionsPage reads the list the request's query asks for and, for a page, the
// add form's choices.
func (c *Console) exclusionsPage(r *http.Request, p auth.Principal) (exclusionsPage, error) {
	q := r.URL.Query()
	pg, err := paging(q)
	if err != nil {
		return exclusionsPage{}, err
	}
	all, err := oneOf(q, "all", "1", "0")
	if err != nil {
		return exclusionsPage{}, err
	}
	rows, total, err := c.App.ExclusionRows(r.Context(), all == "1", pg.rows())
	if err != nil {
		return exclusionsPage{}, err
	}
	page := exclusionsPage{Exclusions: rows, Paging: newPageInfo(r, pg, total), All: all == "1"}
	if !isAPI(r) {
		if page.Customers, err = c.App.CustomerChoices(r.Context()); err != nil {
			return page, err
		}
		page.Rules, page.CanChange = reconcile.Catalogue, p.Role.Allows(auth.Operator)
	}
	return page, nil
}

// addExclusion adds the exclusion of the form's fields, checked as `custos exclude`
// checks its flags. One that needs confirming and is not confirmed (confirm=yes) is
// not added: the *app.ConfirmError says what it would suppress.
func (c *Console) addExclusion(r *http.Request, p auth.Principal) (changed, *app.ConfirmError, error) {
	if err := parseForm(r); err != nil {
		return changed{}, nil, err
	}
	v := r.PostForm
	x := store.Exclusion{Reason: strings.TrimSpace(v.Get("reason")), Owner: strings.TrimSpace(v.Get("owner")), CreatedBy: p.Who()}
	done := changed{Change: auth.Change{Target: "exclusion", Detail: formDetail(v, "customer", "rule", "technician", "device", "reason", "owner", "expires", "confirm")}}
	scope := app.ExclusionScope{Customer: strings.TrimSpace(v.Get("customer")), Technician: strings.TrimSpace(v.Get("technician")),
		Device: strings.TrimSpace(v.Get("device"))}
	if rule := strings.TrimSpace(v.Get("rule")); rule != "" {
		if x.Rule = strings.ToUpper(rule); !slices.Contains(reconcile.Catalogue, x.Rule) {
			return done, nil, badField("rule", "%q is not a rule; the rules are %s", rule, strings.Join(reconcile.Catalogue, ", "))
		}
	}
	if scope == (app.ExclusionScope{}) && x.Rule == "" {
		return done, nil, badField("customer", "an exclusion needs a scope: a customer, rule, technician or device")
	}
	if err := required(v, need{"reason", "why the findings may be ignored"}, need{"owner", "who answers for the exclusion"},
		need{"expires", "a duration from now (30d, 2w) or a date (2026-12-31)"}); err != nil {
		return done, nil, err
	}
	expiry, err := app.ParseExpiry(strings.TrimSpace(v.Get("expires")), c.Location)
	if err != nil {
		return done, nil, badField("expires", "%v", err)
	}
	x.ExpiresAt = expiry(c.App.Now())
	if !x.ExpiresAt.After(c.App.Now()) {
		return done, nil, badField("expires", "%s is not in the future", x.ExpiresAt.In(c.Location).Format("2006-01-02 15:04"))
	}
	for _, f := range []struct{ field, kind, name string }{
		{"customer", store.LinkCustomer, scope.Customer}, {"technician", store.LinkTechnician, scope.Technician}, {"device", store.LinkDevice, scope.Device},
	} {
		if err := c.lookUp(r, f.field, f.kind, f.name); err != nil {
			return done, nil, err
		}
	}
	confirmed := v.Get("confirm") == "yes"
	added, err := c.App.Exclude(r.Context(), &x, scope, confirmed)
	var confirm *app.ConfirmError
	switch {
	case errors.As(err, &confirm):
		return done, confirm, nil
	case err != nil && x.ID != 0:
		// Added, but the reconcile after it failed: the next one applies it.
		c.Log.Error().Err(err).Uint("exclusion", x.ID).Msg("console: reconciling after adding an exclusion")
	case err != nil:
		return done, nil, err
	}
	done.Change.Target = fmt.Sprintf("exclusion %d", x.ID)
	done.Notice = fmt.Sprintf("Exclusion %d added; it suppresses %d finding(s).", x.ID, added.Suppressed)
	if added.Changes == nil {
		added.Changes = []app.Change{}
	}
	done.Data = exclusionAdded{ID: x.ID, Open: added.Impact.Open, Critical: added.Impact.Critical, Suppressed: added.Suppressed, Changes: added.Changes}
	return done, nil, nil
}

// lookUp checks that name designates one customer, technician or device, and
// refuses the field that names it otherwise.
func (c *Console) lookUp(r *http.Request, field, kind, name string) error {
	if name == "" {
		return nil
	}
	_, err := c.App.LookUp(r.Context(), field, kind, name)
	var notFound *mapping.NotFoundError
	var ambiguous *mapping.AmbiguousError
	switch {
	case errors.As(err, &notFound):
		return badField(field, "%v", notFound)
	case errors.As(err, &ambiguous):
		return badField(field, "%v", ambiguous)
	}
	return err
}

func (c *Console) endExclusion(r *http.Request, p auth.Principal) (changed, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return changed{}, err
	}
	done := changed{Change: auth.Change{Target: fmt.Sprintf("exclusion %d", id)}}
	if err := c.App.EndExclusion(r.Context(), id, p.Who()); err != nil {
		return done, err
	}
	ended := exclusionEnded{ID: id}
	res, err := c.App.Reconcile(r.Context())
	if err != nil {
		c.Log.Error().Err(err).Uint("exclusion", id).Msg("console: reconciling after ending an exclusion")
		done.Notice = fmt.Sprintf("Exclusion %d ended; reconciling after it failed, the next reconcile opens its findings again.", id)
	} else {
		ended.Reopened = res.Reopened
		done.Notice = fmt.Sprintf("Exclusion %d ended; %d finding(s) opened again.", id, res.Reopened)
	}
	done.Data = ended
	return done, nil
}
