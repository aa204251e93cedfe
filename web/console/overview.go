package console

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
	"github.com/custos-msp/custos/web/auth"
)

// overviewRoutes are the overview and its API twin.
func (c *Console) overviewRoutes() []route {
	return []route{
		{Method: http.MethodGet, Pattern: "/overview", Name: "getOverview", Need: auth.Viewer, Template: "overview", Do: c.overview},
		{Method: http.MethodGet, Pattern: "/api/v1/overview", Name: "getOverview", Need: auth.Viewer, Do: c.overview},
	}
}

// weekDays is how many days, today included, "this week" spans.
const weekDays = 7

// overviewView is the overview: the unresolved findings by severity and by
// customer, what opened this week, when each source was last read, and what Custos
// cannot vouch for.
type overviewView struct {
	At time.Time `json:"at"`
	// NeverSynced says that no pull of any source ever succeeded: the counts below
	// mean nothing (app.ErrNeverSynced).
	NeverSynced bool `json:"never_synced"`
	// BySeverity counts the open and acknowledged findings of each severity, most
	// severe first.
	BySeverity []severityCount `json:"by_severity"`
	// ByCustomer counts them per customer, the customers with the most severe open
	// findings first.
	ByCustomer []customerCount `json:"by_customer"`
	// Week lists the findings first seen this week (since WeekFrom, the start of the
	// day weekDays-1 days ago in the console's zone), newest first; WeekTotal counts
	// them all.
	WeekFrom  string       `json:"week_from"`
	Week      []findingRow `json:"opened_this_week"`
	WeekTotal int64        `json:"opened_this_week_total"`
	// Sources says, per enabled source, when it was last read (as `custos findings`
	// prints under its list).
	Sources []app.Source `json:"sources"`
	// Unchecked are the customers whose own scopes a source cannot read.
	Unchecked []app.UncheckedCustomer `json:"unchecked_customers"`
}

func (overviewView) PageTitle() (string, string) { return "Overview", "overview" }

// Unread counts the sources never read or failing for some scope.
func (v overviewView) Unread() int {
	n := 0
	for _, s := range v.Sources {
		if s.NeverRead() || s.Failing > 0 {
			n++
		}
	}
	return n
}

// severityCount is how many findings of one severity are open and acknowledged.
type severityCount struct {
	Severity     vocab.Severity `json:"severity"`
	Open         int            `json:"open"`
	Acknowledged int            `json:"acknowledged"`
}

// customerCount is how many of one customer's findings are open, per severity, and
// acknowledged; a customer id of null counts the findings about no customer.
type customerCount struct {
	CustomerID   *uint                  `json:"customer_id"`
	Customer     string                 `json:"customer"`
	Open         map[vocab.Severity]int `json:"open"`
	OpenTotal    int                    `json:"open_total"`
	Acknowledged int                    `json:"acknowledged"`
	// worst is the rank of its most severe open finding; -1 with none open.
	worst int
}

// Severities are the severities, most severe first, as the overview's columns.
func (overviewView) Severities() []vocab.Severity {
	out := slices.Clone(vocab.Severities)
	slices.Reverse(out)
	return out
}

// overview serves the overview and its API twin.
func (c *Console) overview(r *http.Request, _ auth.Principal) (result, error) {
	ctx := r.Context()
	now := c.App.Now()
	fresh, unchecked, err := c.App.Checked(ctx)
	v := overviewView{At: now, NeverSynced: errors.Is(err, app.ErrNeverSynced), Sources: fresh.Sources, Unchecked: unchecked}
	if err != nil && !v.NeverSynced {
		return result{}, err
	}
	if v.Unchecked == nil {
		v.Unchecked = []app.UncheckedCustomer{}
	}
	tallies, err := c.App.FindingTallies(ctx, store.StatusOpen, store.StatusAcknowledged)
	if err != nil {
		return result{}, err
	}
	v.BySeverity, v.ByCustomer = countFindings(tallies)
	y, m, d := now.In(c.Location).Date()
	from := time.Date(y, m, d-(weekDays-1), 0, 0, 0, 0, c.Location)
	v.WeekFrom = from.Format(time.DateOnly)
	week, total, err := c.App.FindingPage(ctx, store.FindingQuery{OpenedFrom: from, Order: store.OrderNewest, Rows: store.Rows{Limit: 10}})
	if err != nil {
		return result{}, err
	}
	v.Week, v.WeekTotal = newFindingRows(week, now), total
	return result{Data: v}, nil
}

// countFindings folds the tallies of open and acknowledged findings into counts by
// severity (most severe first) and by customer (the most severe open findings
// first, then the most open, then by name).
func countFindings(tallies []store.FindingTally) ([]severityCount, []customerCount) {
	bySeverity := make([]severityCount, len(vocab.Severities))
	for i, s := range vocab.Severities {
		bySeverity[len(bySeverity)-1-i].Severity = s
	}
	byCustomer := map[uint]*customerCount{}
	none := &customerCount{Customer: "(no customer)"}
	for _, t := range tallies {
		cc := none
		if t.CustomerID != nil {
			if cc = byCustomer[*t.CustomerID]; cc == nil {
				cc = &customerCount{CustomerID: t.CustomerID, Customer: t.CustomerName}
				byCustomer[*t.CustomerID] = cc
			}
		}
		if cc.Open == nil {
			cc.Open, cc.worst = map[vocab.Severity]int{}, -1
		}
		if t.Severity.Rank() < 0 {
			continue // a severity this build does not know
		}
		sc := &bySeverity[len(bySeverity)-1-t.Severity.Rank()]
		if t.Status == store.StatusOpen {
			sc.Open += t.Count
			cc.Open[t.Severity] += t.Count
			cc.OpenTotal += t.Count
			cc.worst = max(cc.worst, t.Severity.Rank())
		} else {
			sc.Acknowledged += t.Count
			cc.Acknowledged += t.Count
		}
	}
	out := make([]customerCount, 0, len(byCustomer)+1)
	for _, cc := range byCustomer {
		out = append(out, *cc)
	}
	slices.SortFunc(out, func(a, b customerCount) int {
		return cmp.Or(cmp.Compare(b.worst, a.worst), cmp.Compare(b.OpenTotal, a.OpenTotal), strings.Compare(a.Customer, b.Customer))
	})
	if none.Open != nil {
		out = append(out, *none)
	}
	return bySeverity, out
}
