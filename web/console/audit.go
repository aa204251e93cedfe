package console

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

// auditRoutes are the audit trail's page and its API twin: every change made
// through the console or the API (and every sign-in), newest first, filtered by
// action and by day.
func (c *Console) auditRoutes() []route {
	return []route{
		{Method: http.MethodGet, Pattern: "/audit", Name: "auditPage", Need: auth.Viewer, Template: "audit", Do: c.auditTrail},
		{Method: http.MethodGet, Pattern: "/api/v1/audit", Name: "listAuditTrail", Need: auth.Viewer, Do: c.auditTrail},
	}
}

// auditView is a page of the audit trail.
type auditView struct {
	Entries []auditEntry `json:"entries"`
	// Actions are every action the trail holds, for the filter.
	Actions []string `json:"actions"`
	// Action, From and To are the filter as given (days as YYYY-MM-DD, both included).
	Action string `json:"action,omitempty"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Page   int    `json:"page"`
	Per    int    `json:"per"`
	// More says that a next page has entries.
	More bool `json:"more"`
	// Newer and Older link the pages before and after this one; empty when there is none.
	Newer, Older string `json:"-"`
}

// PageTitle names the page.
func (auditView) PageTitle() (string, string) { return "Audit trail", "audit" }

// auditEntry is one entry of the trail as the page and the API show it.
type auditEntry struct {
	ID      uint      `json:"id"`
	At      time.Time `json:"at"`
	Subject string    `json:"subject"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Via     string    `json:"via"`
	From    string    `json:"from"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Detail  string    `json:"detail"`
	// Outcome is empty when the change was made, else why it was refused or failed.
	Outcome string `json:"outcome"`
}

// actionPattern is the shape of an action's name (e.g. finding.acknowledge,
// auth.signin, acknowledgeFindings).
var actionPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,63}$`)

// auditTrail answers a page of the audit trail: ?action=, ?from= and ?to= (days, in
// the console's zone, both included), ?page= and ?per=.
func (c *Console) auditTrail(r *http.Request, _ auth.Principal) (result, error) {
	q := r.URL.Query()
	v := auditView{Action: strings.TrimSpace(q.Get("action")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	if v.Action != "" && !actionPattern.MatchString(v.Action) {
		return result{}, badField("action", "%q is not the name of an action, such as auth.signin", v.Action)
	}
	from, err := date(q, "from", c.Location)
	if err != nil {
		return result{}, err
	}
	to, err := date(q, "to", c.Location)
	if err != nil {
		return result{}, err
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
		if !from.IsZero() && !to.After(from) {
			return result{}, badField("to", "%s is before from %s", v.To, v.From)
		}
	}
	pg, err := paging(q)
	if err != nil {
		return result{}, err
	}
	v.Page, v.Per = pg.Page, pg.Per
	entries, err := c.App.AuditTrail(r.Context(), store.AuditFilter{Action: v.Action, Since: from, Until: to, Rows: store.Rows{Offset: pg.Offset(), Limit: pg.Per + 1}})
	if err != nil {
		return result{}, err
	}
	if len(entries) > pg.Per {
		v.More, entries = true, entries[:pg.Per]
	}
	v.Entries = make([]auditEntry, len(entries))
	for i, e := range entries {
		v.Entries[i] = auditEntry{ID: e.ID, At: e.At, Subject: e.Subject, Name: e.Name, Role: e.Role, Via: e.Via, From: e.FromAddress,
			Action: e.Action, Target: e.Target, Detail: e.Detail, Outcome: e.Outcome}
	}
	if pg.Page > 1 {
		v.Newer = pageLink(q, pg.Page-1)
	}
	if v.More {
		v.Older = pageLink(q, pg.Page+1)
	}
	if v.Actions, err = c.App.AuditActions(r.Context()); err != nil {
		return result{}, err
	}
	return result{Data: v}, nil
}
