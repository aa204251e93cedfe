package console

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
	"github.com/custos-msp/custos/web/auth"
)

// findingsRoutes are the findings list, its API twin and bulk acknowledgement.
// Forms and the API take form input (application/x-www-form-urlencoded): the
// ticked findings as repeated id fields, and the note.
func (c *Console) findingsRoutes() []route {
	return []route{
		{Method: http.MethodGet, Pattern: "/findings", Name: "listFindings", Need: auth.Viewer, Template: "findings", Do: c.listFindings},
		{Method: http.MethodGet, Pattern: "/api/v1/findings", Name: "listFindings", Need: auth.Viewer, Do: c.listFindings},
		{Method: http.MethodPost, Pattern: "/findings/acknowledge", Name: "acknowledgeFindings", Need: auth.Operator,
			Template: "acknowledged", Do: c.acknowledgeFindings},
		{Method: http.MethodPost, Pattern: "/api/v1/findings/acknowledge", Name: "acknowledgeFindings", Need: auth.Operator,
			Do: c.acknowledgeFindings},
	}
}

// findingRow is a finding as a list shows it.
type findingRow struct {
	ID         uint           `json:"id"`
	Severity   vocab.Severity `json:"severity"`
	Rule       string         `json:"rule"`
	CustomerID *uint          `json:"customer_id"`
	Customer   string         `json:"customer"`
	Summary    string         `json:"summary"`
	Status     string         `json:"status"`
	StatusBy   string         `json:"status_by,omitempty"`
	Assignee   string         `json:"assignee,omitempty"`
	FirstSeen  time.Time      `json:"first_seen"`
	LastSeen   time.Time      `json:"last_seen"`
	// Age is how long ago it was first seen, as a person reads it ("3d4h").
	Age string `json:"age"`
}

func newFindingRow(f store.FindingView, now time.Time) findingRow {
	return findingRow{
		ID: f.ID, Severity: f.Severity, Rule: f.Rule, CustomerID: f.CustomerID, Customer: f.CustomerName, Summary: f.Summary,
		Status: f.Status, StatusBy: f.StatusBy, Assignee: f.Assignee, FirstSeen: f.FirstSeen.UTC(), LastSeen: f.LastSeen.UTC(),
		Age: duration.Duration(now.Sub(f.FirstSeen)).Approx(),
	}
}

func newFindingRows(fs []store.FindingView, now time.Time) []findingRow {
	out := make([]findingRow, len(fs))
	for i, f := range fs {
		out[i] = newFindingRow(f, now)
	}
	return out
}

// statusAny is the status filter that keeps findings of every status; with no
// status filter at all, the list shows the open ones.
const statusAny = "any"

var findingStatuses = []string{store.StatusOpen, store.StatusAcknowledged, store.StatusResolved, store.StatusSuppressed, statusAny}

// findingsFilter is what a findings list asks for, as read from its query: ids and
// names of things, never a customer's or a person's name.
type findingsFilter struct {
	CustomerID   *uint          `json:"customer_id,omitempty"`
	TechnicianID *uint          `json:"technician_id,omitempty"`
	Rule         string         `json:"rule,omitempty"`
	Severity     vocab.Severity `json:"severity,omitempty"`
	Status       string         `json:"status"`
	// OpenedAfter and OpenedBefore are days (YYYY-MM-DD) in the console's zone;
	// OlderThanDays keeps the findings first seen more than that many days ago.
	OpenedAfter   string             `json:"opened_after,omitempty"`
	OpenedBefore  string             `json:"opened_before,omitempty"`
	OlderThanDays int                `json:"older_than_days,omitempty"`
	Sort          store.FindingOrder `json:"sort"`
}

// readFindingsFilter reads the filter, order and page of a findings list from v, as
// the query the store runs at now.
func (c *Console) readFindingsFilter(v url.Values, now time.Time) (findingsFilter, store.FindingQuery, Paging, error) {
	var (
		f   findingsFilter
		q   store.FindingQuery
		err error
	)
	page, err := paging(v)
	if err != nil {
		return f, q, page, err
	}
	if f.CustomerID, err = optionalID(v, "customer"); err != nil {
		return f, q, page, err
	}
	if f.TechnicianID, err = optionalID(v, "technician"); err != nil {
		return f, q, page, err
	}
	if f.Rule, err = oneOf(v, "rule", reconcile.Catalogue...); err != nil {
		return f, q, page, err
	}
	severity, err := oneOf(v, "severity", severityNames()...)
	if err != nil {
		return f, q, page, err
	}
	f.Severity = vocab.Severity(severity)
	if f.Status, err = oneOf(v, "status", findingStatuses...); err != nil {
		return f, q, page, err
	}
	f.Status = cmp.Or(f.Status, store.StatusOpen)
	sort, err := oneOf(v, "sort", orderNames()...)
	if err != nil {
		return f, q, page, err
	}
	f.Sort = cmp.Or(store.FindingOrder(sort), store.OrderSeverity)
	after, err := date(v, "opened_after", c.Location)
	if err != nil {
		return f, q, page, err
	}
	before, err := date(v, "opened_before", c.Location)
	if err != nil {
		return f, q, page, err
	}
	if s := strings.TrimSpace(v.Get("older_than")); s != "" {
		if f.OlderThanDays, err = strconv.Atoi(s); err != nil || f.OlderThanDays < 1 {
			return f, q, page, badField("older_than", "%q is not a number of days (1 or more)", s)
		}
		if !before.IsZero() {
			return f, q, page, badField("older_than", "give older_than or opened_before, not both")
		}
		before = now.AddDate(0, 0, -f.OlderThanDays)
	} else if !before.IsZero() {
		// opened_before is the last day wanted, whole.
		f.OpenedBefore, before = before.Format(time.DateOnly), before.AddDate(0, 0, 1)
	}
	if !after.IsZero() {
		f.OpenedAfter = after.Format(time.DateOnly)
	}
	q = store.FindingQuery{
		CustomerID: f.CustomerID, TechnicianID: f.TechnicianID, Rule: f.Rule, Severity: f.Severity, Status: f.Status,
		OpenedFrom: after, OpenedBefore: before, Order: f.Sort, Rows: page.rows(),
	}
	if q.Status == statusAny {
		q.Status = ""
	}
	return f, q, page, nil
}

func severityNames() []string {
	out := make([]string, len(vocab.Severities))
	for i, s := range vocab.Severities {
		out[len(out)-1-i] = string(s)
	}
	return out
}

func orderNames() []string {
	out := make([]string, len(store.FindingOrders))
	for i, o := range store.FindingOrders {
		out[i] = string(o)
	}
	return out
}

// findingsView is the findings list: a page of the findings the filter keeps, and
// whether the sources were read at all, so an empty list is never taken for "all
// clear" without data.
type findingsView struct {
	Filter   findingsFilter `json:"filter"`
	Findings []findingRow   `json:"findings"`
	Total    int64          `json:"total"`
	Page     int            `json:"page"`
	Per      int            `json:"per"`
	Pages    int            `json:"pages"`
	// NeverSynced says that no pull of any source ever succeeded: no finding means
	// nothing (app.ErrNeverSynced).
	NeverSynced bool          `json:"never_synced"`
	SourcesRead app.Freshness `json:"sources_read"`

	// Query is the request's query, for the links to other pages and orders.
	Query url.Values `json:"-"`
	// Choices are what the filter form offers.
	Choices filterChoices `json:"-"`
	// CanTriage says whether the reader may acknowledge findings.
	CanTriage bool `json:"-"`
}

func (findingsView) PageTitle() (string, string) { return "Findings", "findings" }

// Prev and Next are the numbers of the neighbouring pages; 0 when there is none.
func (v findingsView) Prev() int { return max(v.Page-1, 0) }

// PageLink is the address of page n of the same list.
func (v findingsView) PageLink(n int) string { return pageLink(v.Query, n) }

func (v findingsView) Next() int {
	if v.Page < v.Pages {
		return v.Page + 1
	}
	return 0
}

// filterChoices are the values a findings filter offers, each an id or a name Custos
// gives (a rule, a severity), with what a person reads.
type filterChoices struct {
	Customers, Technicians []choice
	Rules, Severities      []string
	Statuses               []string
	Sorts                  []choice
}

// sortLabels say what each order of the list is.
var sortLabels = map[store.FindingOrder]string{
	store.OrderSeverity: "Severity, most severe first", store.OrderNewest: "Newest first",
	store.OrderOldest: "Oldest first", store.OrderLastSeen: "Last seen, most recent first",
}

// choice is one option of a list: its value (an id) and its label.
type choice struct {
	Value, Label string
}

func choices(names map[uint]string) []choice {
	out := make([]choice, 0, len(names))
	for id, name := range names {
		out = append(out, choice{Value: strconv.FormatUint(uint64(id), 10), Label: name})
	}
	slices.SortFunc(out, func(a, b choice) int {
		return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Value, b.Value))
	})
	return out
}

// listFindings serves the findings list and its API twin.
func (c *Console) listFindings(r *http.Request, p auth.Principal) (result, error) {
	ctx := r.Context()
	now := c.App.Now()
	filter, q, page, err := c.readFindingsFilter(r.URL.Query(), now)
	if err != nil {
		return result{}, err
	}
	fs, total, err := c.App.FindingPage(ctx, q)
	if err != nil {
		return result{}, err
	}
	fresh, err := c.App.Freshness(ctx, nil)
	neverSynced := errors.Is(err, app.ErrNeverSynced)
	if err != nil && !neverSynced {
		return result{}, err
	}
	v := findingsView{
		Filter: filter, Findings: newFindingRows(fs, now), Total: total, Page: page.Page, Per: page.Per,
		Pages: int((total + int64(page.Per) - 1) / int64(page.Per)), NeverSynced: neverSynced, SourcesRead: fresh,
		Query: r.URL.Query(), CanTriage: p.Role.Allows(auth.Operator),
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		names, err := c.App.CustomerAndTechnicianNames(ctx)
		if err != nil {
			return result{}, err
		}
		v.Choices = filterChoices{
			Customers: choices(names.Customers), Technicians: choices(names.Technicians), Rules: reconcile.Catalogue,
			Severities: severityNames(), Statuses: findingStatuses,
		}
		for _, o := range store.FindingOrders {
			v.Choices.Sorts = append(v.Choices.Sorts, choice{Value: string(o), Label: sortLabels[o]})
		}
	}
	return result{Data: v}, nil
}

// acknowledgedView is what a bulk acknowledgement did: the findings acknowledged,
// and those refused with why.
type acknowledgedView struct {
	Acknowledged []uint    `json:"acknowledged"`
	Refused      []refusal `json:"refused"`
	// Back is the findings list the form was sent from.
	Back string `json:"-"`
}

func (acknowledgedView) PageTitle() (string, string) { return "Acknowledged", "findings" }

// refusal is a finding a change was refused for, and why.
type refusal struct {
	ID     uint   `json:"id"`
	Reason string `json:"reason"`
}

// acknowledgeFindings acknowledges each ticked finding with one note, through
// app.Triage as `custos findings ack` does, one at a time: a finding whose state
// refuses it (already acknowledged or resolved) is reported and the others are
// acknowledged. A missing note refuses the whole request. One audit entry lists them
// all: the request is the change a person made, and the entry says what became of
// each finding.
func (c *Console) acknowledgeFindings(r *http.Request, p auth.Principal) (result, error) {
	if err := parseForm(r); err != nil {
		return result{}, err
	}
	picked, err := ids(r.PostForm, "id")
	if err != nil {
		return result{}, err
	}
	note := strings.TrimSpace(r.PostForm.Get("note"))
	ch := auth.Change{Target: "findings " + joinIDs(picked), Detail: "note: " + note}
	if len(picked) == 0 {
		return result{Change: ch}, badField("id", "tick at least one finding")
	}
	var v acknowledgedView
	for _, id := range picked {
		_, _, err := c.App.Triage(r.Context(), strconv.FormatUint(uint64(id), 10), findings.Acknowledged, p.Who(), note, "")
		var no *findings.Refusal
		switch {
		case errors.As(err, &no) && no.Field != "":
			// A missing input refuses every finding alike, and nothing was changed.
			return result{Change: ch}, badField(no.Field, "%s", no.Reason)
		case errors.As(err, &no):
			v.Refused = append(v.Refused, refusal{ID: id, Reason: no.Reason})
		case errors.Is(err, store.ErrNotFound):
			v.Refused = append(v.Refused, refusal{ID: id, Reason: "there is no such finding"})
		case err != nil:
			return result{Change: ch}, fmt.Errorf("acknowledging finding %d (after %d acknowledged): %w", id, len(v.Acknowledged), err)
		default:
			v.Acknowledged = append(v.Acknowledged, id)
		}
	}
	ch.Detail += fmt.Sprintf("; acknowledged: %s", cmp.Or(joinIDs(v.Acknowledged), "none"))
	for _, no := range v.Refused {
		ch.Detail += fmt.Sprintf("; refused %d: %s", no.ID, no.Reason)
	}
	if v.Refused == nil {
		v.Refused = []refusal{}
	}
	if v.Acknowledged == nil {
		v.Acknowledged = []uint{}
	}
	res := result{Data: v, Change: ch}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		back := listURL(r.PostForm.Get("back"))
		if len(v.Refused) == 0 {
			res.Redirect = withDone(back, fmt.Sprintf("%d finding(s) acknowledged", len(v.Acknowledged)))
		}
		v.Back = back
		res.Data = v
	}
	return res, nil
}

func joinIDs(ids []uint) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(uint64(id), 10)
	}
	return strings.Join(s, ", ")
}

// listParams are the query parameters of the findings list.
var listParams = []string{"customer", "technician", "rule", "severity", "status", "opened_after", "opened_before", "older_than", "sort", "page", "per"}

// listURL is the findings list with the query a form carried back (its filter,
// order and page): only the list's own parameters, re-encoded, so that it can only
// ever point at the list.
func listURL(query string) string {
	v, _ := url.ParseQuery(strings.TrimPrefix(query, "?")) // what cannot be read is left out
	keep := url.Values{}
	for _, k := range listParams {
		if s := v.Get(k); s != "" {
			keep.Set(k, s)
		}
	}
	if len(keep) == 0 {
		return "/findings"
	}
	return "/findings?" + keep.Encode()
}
