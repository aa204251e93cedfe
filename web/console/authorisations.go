package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/web/auth"
)

// authorisationsPage lists the authorisations, of one customer or all, active now or
// every one, with the forms to add, revoke and import them.
type authorisationsPage struct {
	Authorisations []app.AuthorisationRow `json:"authorisations"`
	Paging         pageInfo               `json:"paging"`
	// CustomerID and All are the filter.
	CustomerID *uint `json:"customer_id,omitempty"`
	All        bool  `json:"all"`
	// Customers and Scopes are the choices the add form offers.
	Customers []app.CustomerChoice `json:"-"`
	Scopes    []string             `json:"-"`
	// Selected is the customer the filter keeps, 0 for every one.
	Selected uint `json:"-"`
	// CanChange is whether the person may add, revoke and import.
	CanChange bool `json:"-"`
	// Form and Problem, after a refused change, are the values given and why.
	Form    url.Values `json:"-"`
	Problem *Error     `json:"-"`
}

func (authorisationsPage) PageTitle() (string, string) { return "Authorisations", "authorisations" }

// authorisationChange is the API's answer to a change of authorisations: what it
// added or revoked and what the reconcile after it changed.
type authorisationChange struct {
	ID       uint         `json:"id,omitempty"`
	Imported int          `json:"imported,omitempty"`
	Changes  []app.Change `json:"changes"`
	// ReconcileError says why the reconcile after the change failed; the change is
	// recorded all the same.
	ReconcileError string `json:"reconcile_error,omitempty"`
}

func (c *Console) authorisationsRoutes() []route {
	rs := []route{
		{Method: http.MethodGet, Pattern: "/authorisations", Name: "listAuthorisations", Need: auth.Viewer, Template: "authorisations", Do: c.listAuthorisations},
		{Method: http.MethodGet, Pattern: "/api/v1/authorisations", Name: "listAuthorisations", Need: auth.Viewer, Do: c.listAuthorisations},
	}
	back := func(r *http.Request) string {
		if id, err := optionalID(r.PostForm, "customer"); err == nil && id != nil {
			return fmt.Sprintf("/authorisations?customer=%d", *id)
		}
		return "/authorisations"
	}
	refill := func(r *http.Request, p auth.Principal, problem *Error) (any, error) {
		page, err := c.authorisationsPage(r, p)
		page.Form, page.Problem = r.PostForm, problem
		if id, ierr := optionalID(r.PostForm, "customer"); ierr == nil && id != nil {
			page.Selected = *id
		}
		return page, err
	}
	for _, ch := range []change{
		{Name: "addAuthorisation", Need: auth.Operator, Form: "/authorisations", API: "/api/v1/authorisations", Back: back, Do: c.addAuthorisation},
		{Name: "revokeAuthorisation", Need: auth.Operator, Form: "/authorisations/{id}/revoke", API: "/api/v1/authorisations/{id}/revoke", Back: back, Do: c.revokeAuthorisation},
		{Name: "importAuthorisations", Need: auth.Operator, Form: "/authorisations/import", API: "/api/v1/authorisations/import", Back: back, Do: c.importAuthorisations},
	} {
		ch.Refill, ch.Template = refill, "authorisations"
		rs = append(rs, ch.routes()...)
	}
	return rs
}

func (c *Console) listAuthorisations(r *http.Request, p auth.Principal) (result, error) {
	page, err := c.authorisationsPage(r, p)
	return result{Data: page}, err
}

// authorisationsPage reads the list the request's query asks for and, for a page,
// the add form's choices.
func (c *Console) authorisationsPage(r *http.Request, p auth.Principal) (authorisationsPage, error) {
	q := r.URL.Query()
	pg, err := paging(q)
	if err != nil {
		return authorisationsPage{}, err
	}
	customer, err := optionalID(q, "customer")
	if err != nil {
		return authorisationsPage{}, err
	}
	all, err := oneOf(q, "all", "1", "0")
	if err != nil {
		return authorisationsPage{}, err
	}
	rows, total, err := c.App.AuthorisationRows(r.Context(), customer, all == "1", pg.rows())
	if err != nil {
		return authorisationsPage{}, err
	}
	page := authorisationsPage{Authorisations: rows, Paging: newPageInfo(r, pg, total), CustomerID: customer, All: all == "1"}
	if customer != nil {
		page.Selected = *customer
	}
	if !isAPI(r) {
		if page.Customers, err = c.App.CustomerChoices(r.Context()); err != nil {
			return page, err
		}
		page.Scopes, page.CanChange = record.Scopes, p.Role.Allows(auth.Operator)
	}
	return page, nil
}

// isAPI reports whether r is a call of the API rather than a page's.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// addAuthorisation records an authorisation from the form's fields, checked as
// `custos authorise add` checks its flags, then reconciles.
func (c *Console) addAuthorisation(r *http.Request, p auth.Principal) (changed, error) {
	e, err := c.authorisationEntry(r.PostForm, p)
	done := changed{Change: auth.Change{Target: "authorisation", Detail: formDetail(r.PostForm, register.FieldCustomer, register.FieldTechnician, register.FieldDevice,
		register.FieldScope, register.FieldValidFrom, register.FieldValidTo, "standing", register.FieldGrantedBy, register.FieldEvidence)}}
	if err != nil {
		return done, err
	}
	id, err := c.App.Authorise(r.Context(), e)
	if err != nil {
		return done, invalid(err)
	}
	done.Change.Target = fmt.Sprintf("authorisation %d", id)
	data := c.reconcileAfter(r.Context(), authorisationChange{ID: id})
	done.Notice, done.Data = fmt.Sprintf("Authorisation %d added.%s", id, changeCounts(data)), data
	return done, nil
}

// authorisationEntry reads the add form. Like the command's flags, every field is
// required: technician and device may be "any", and the end is valid_to or standing,
// not both.
func (c *Console) authorisationEntry(v url.Values, p auth.Principal) (register.Entry, error) {
	e := register.Entry{
		Customer: v.Get(register.FieldCustomer), Technician: v.Get(register.FieldTechnician), Device: v.Get(register.FieldDevice),
		Scope: v.Get(register.FieldScope), GrantedBy: v.Get(register.FieldGrantedBy), Evidence: v.Get(register.FieldEvidence),
		RecordedBy: p.Who(),
	}
	if err := required(v,
		need{register.FieldCustomer, "pick the customer"},
		need{register.FieldTechnician, `a technician's name or id, or "any"`},
		need{register.FieldDevice, `a device's host name or id, or "any"`},
		need{register.FieldScope, "one of " + strings.Join(record.Scopes, ", ")},
		need{register.FieldValidFrom, "when it starts, e.g. 2026-11-21 09:00"},
		need{register.FieldGrantedBy, "who at the customer gave it"},
		need{register.FieldEvidence, "where it is written: a ticket number, an e-mail message id"},
	); err != nil {
		return e, err
	}
	var err error
	if e.From, err = register.ParseStart(v.Get(register.FieldValidFrom), c.Location); err != nil {
		return e, badField(register.FieldValidFrom, "%v", err)
	}
	to, standing := strings.TrimSpace(v.Get(register.FieldValidTo)), v.Get("standing") != ""
	switch {
	case to == "" && !standing:
		return e, badField(register.FieldValidTo, "required: an end, or tick standing for no end")
	case to != "" && standing:
		return e, badField(register.FieldValidTo, "give an end or tick standing, not both")
	case to != "":
		end, err := register.ParseEnd(to, c.Location)
		if err != nil {
			return e, badField(register.FieldValidTo, "%v", err)
		}
		e.To = &end
	}
	return e, nil
}

func (c *Console) revokeAuthorisation(r *http.Request, p auth.Principal) (changed, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return changed{}, err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	done := changed{Change: auth.Change{Target: fmt.Sprintf("authorisation %d", id), Detail: reason}}
	if reason == "" {
		return done, badField("reason", "required (why it is revoked)")
	}
	switch err := c.App.RevokeAuthorisation(r.Context(), id, p.Who(), reason); {
	case errors.Is(err, register.ErrRevoked):
		return done, conflict("%v", err)
	case err != nil:
		return done, invalid(err)
	}
	data := c.reconcileAfter(r.Context(), authorisationChange{ID: id})
	done.Notice, done.Data = fmt.Sprintf("Authorisation %d revoked.%s", id, changeCounts(data)), data
	return done, nil
}

// importAuthorisations imports the CSV file of the form's "file" field, all rows or
// none, as `custos authorise import` does, then reconciles.
func (c *Console) importAuthorisations(r *http.Request, p auth.Principal) (changed, error) {
	f, header, err := r.FormFile("file")
	if err != nil {
		return changed{Change: auth.Change{Target: "authorisations import"}}, badField("file", "attach a CSV file (multipart/form-data): %v", err)
	}
	defer f.Close()
	name := filepath.Base(header.Filename)
	done := changed{Change: auth.Change{Target: "authorisations import " + name}}
	n, err := c.App.ImportAuthorisations(r.Context(), f, name, p.Who(), c.Location)
	if err != nil {
		return done, invalid(err)
	}
	done.Change.Detail = fmt.Sprintf("%d new authorisation(s)", n)
	data := c.reconcileAfter(r.Context(), authorisationChange{Imported: n})
	done.Notice, done.Data = fmt.Sprintf("Imported %d new authorisation(s).%s", n, changeCounts(data)), data
	return done, nil
}

// reconcileAfter reconciles after a change, as the command line does, so that the
// page the person returns to is true; a failure is said in the answer and logged,
// the change being recorded already.
func (c *Console) reconcileAfter(ctx context.Context, done authorisationChange) authorisationChange {
	changes, _, err := c.App.ReconcileChanges(ctx)
	if err != nil {
		c.Log.Error().Err(err).Msg("console: reconciling after a change")
		done.ReconcileError = "the change is recorded, but reconciling after it failed; run `custos reconcile`"
	}
	done.Changes = changes
	if done.Changes == nil {
		done.Changes = []app.Change{}
	}
	return done
}

// changeCounts says in a few words what the reconcile after a change did.
func changeCounts(done authorisationChange) string {
	if done.ReconcileError != "" {
		return " " + done.ReconcileError + "."
	}
	counts := map[findings.Kind]int{}
	for _, ch := range done.Changes {
		counts[ch.Kind]++
	}
	var parts []string
	for _, k := range []struct {
		kind findings.Kind
		word string
	}{{findings.Resolve, "resolved"}, {findings.Open, "opened"}, {findings.Reopen, "opened again"}, {findings.Suppress, "suppressed"}, {findings.Unsuppress, "no longer suppressed"}} {
		if n := counts[k.kind]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" finding(s) "+k.word)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, ", ") + "."
}

// invalid answers a register's refusal as a 400 naming the first field it blames
// and listing every problem, each with its line and column for a file.
func invalid(err error) error {
	var ie *register.InvalidError
	if !errors.As(err, &ie) || len(ie.Problems) == 0 {
		return err
	}
	parts := make([]string, len(ie.Problems))
	for i, p := range ie.Problems {
		var where []string
		if p.Line > 0 {
			where = append(where, fmt.Sprintf("line %d", p.Line))
		}
		if p.Field != "" {
			where = append(where, map[bool]string{true: "column ", false: ""}[ie.File != ""]+p.Field)
		}
		parts[i] = strings.Join(where, ", ") + ": " + p.Message
	}
	field := ie.Problems[0].Field
	if ie.File != "" {
		field = "file"
	}
	e := &Error{Status: http.StatusBadRequest, Code: "invalid_field", Field: field, Message: strings.Join(parts, "; ")}
	if ie.File != "" {
		e.Message = ie.File + ": nothing imported: " + e.Message
	}
	return e
}
