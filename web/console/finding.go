package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/explain"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

// triageAction is one thing a person does to a finding from its page or the API,
// as `custos findings ack|assign|comment|resolve|reopen` does it from the shell.
type triageAction struct {
	// Slug ends the action's address: POST /findings/{id}/{Slug}.
	Slug   string
	Action findings.Action
	// Name is the route's, the API operation's and the audit trail's.
	Name string
	// Label is the button's words; Prompt labels the note.
	Label, Prompt string
}

// triageActions are the triage actions, in the order findings.PersonActions lists
// them.
var triageActions = []triageAction{
	{Slug: "acknowledge", Action: findings.Acknowledged, Name: "acknowledgeFinding", Label: "Acknowledge", Prompt: "Who is on it, and why"},
	{Slug: "assign", Action: findings.Assigned, Name: "assignFinding", Label: "Assign", Prompt: "Note for them (optional)"},
	{Slug: "comment", Action: findings.Commented, Name: "commentOnFinding", Label: "Add comment", Prompt: "Comment"},
	{Slug: "resolve", Action: findings.Resolved, Name: "resolveFinding", Label: "Resolve", Prompt: "Why it is resolved"},
	{Slug: "reopen", Action: findings.Reopened, Name: "reopenFinding", Label: "Re-open", Prompt: "Why it opens again"},
}

// findingRoutes are a finding's page, its API twin and the triage actions, each a
// form and an API call that take form input: note, and to for an assignment.
func (c *Console) findingRoutes() []route {
	rs := []route{
		{Method: http.MethodGet, Pattern: "/findings/{id}", Name: "getFinding", Need: auth.Viewer, Template: "finding", Do: c.showFinding},
		{Method: http.MethodGet, Pattern: "/api/v1/findings/{id}", Name: "getFinding", Need: auth.Viewer, Do: c.showFinding},
	}
	for _, t := range triageActions {
		rs = append(rs,
			route{Method: http.MethodPost, Pattern: "/findings/{id}/" + t.Slug, Name: t.Name, Need: auth.Operator, Do: c.triage(t)},
			route{Method: http.MethodPost, Pattern: "/api/v1/findings/{id}/" + t.Slug, Name: t.Name, Need: auth.Operator, Do: c.triage(t)})
	}
	return rs
}

// findingDetail is a finding as its own page shows it.
type findingDetail struct {
	findingRow
	Fingerprint  string     `json:"fingerprint"`
	StatusReason string     `json:"status_reason,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	// EvidenceRefs are the records it cites, e.g. "access_events:14".
	EvidenceRefs []string `json:"evidence_refs"`
}

// historyEntry is one entry of a finding's history.
type historyEntry struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Note     string    `json:"note,omitempty"`
	Assignee string    `json:"assignee,omitempty"`
}

// findingView is a finding's page: the finding, the evidence it cites inline, the
// explanation `custos explain` prints, its history, and what a person may do to it
// now.
type findingView struct {
	Finding  findingDetail  `json:"finding"`
	Evidence []app.Evidence `json:"evidence"`
	Explain  string         `json:"explain"`
	History  []historyEntry `json:"history"`
	// Actions are the triage actions the finding's state allows (their slugs).
	Actions []string `json:"actions"`

	// Forms are the triage forms the reader may send now.
	Forms []triageAction `json:"-"`
}

func (v findingView) PageTitle() (string, string) {
	return fmt.Sprintf("Finding %d", v.Finding.ID), "findings"
}

// showFinding serves a finding's page and its API twin.
func (c *Console) showFinding(r *http.Request, p auth.Principal) (result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return result{}, err
	}
	v, err := c.findingView(r.Context(), id)
	if err != nil {
		return result{}, err
	}
	if p.Role.Allows(auth.Operator) {
		for _, t := range triageActions {
			for _, a := range v.Actions {
				if a == t.Slug {
					v.Forms = append(v.Forms, t)
				}
			}
		}
	}
	return result{Data: v}, nil
}

// findingView reads what a finding's page shows.
func (c *Console) findingView(ctx context.Context, id uint) (findingView, error) {
	f, err := c.App.Finding(ctx, id)
	if err != nil {
		return findingView{}, err
	}
	cited, err := c.App.FindingEvidence(ctx, []store.FindingView{f})
	if err != nil {
		return findingView{}, err
	}
	var text strings.Builder
	if err := c.App.Explain(ctx, &text, explain.Ref{Finding: strconv.FormatUint(uint64(id), 10)}, c.Location); err != nil {
		return findingView{}, err
	}
	events, err := c.App.FindingHistory(ctx, id)
	if err != nil {
		return findingView{}, err
	}
	v := findingView{
		Finding: findingDetail{
			findingRow: newFindingRow(f, c.App.Now()), Fingerprint: f.Fingerprint, StatusReason: f.StatusReason,
			ResolvedAt: f.ResolvedAt, EvidenceRefs: evidenceRefs(f.Evidence),
		},
		Evidence: cited[0], Explain: text.String(), History: make([]historyEntry, len(events)), Actions: []string{},
	}
	for i, e := range events {
		v.History[i] = historyEntry{At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Note: e.Note, Assignee: e.Assignee}
	}
	for _, a := range findings.Possible(f.Finding) {
		for _, t := range triageActions {
			if t.Action == a {
				v.Actions = append(v.Actions, t.Slug)
			}
		}
	}
	return v, nil
}

// evidenceRefs splits a finding's comma-separated evidence.
func evidenceRefs(evidence string) []string {
	out := []string{}
	for _, ref := range strings.Split(evidence, ",") {
		if ref = strings.TrimSpace(ref); ref != "" {
			out = append(out, ref)
		}
	}
	return out
}

// triage serves one triage action on a finding: through app.Triage, as the CLI's
// command does, by the signed-in person. A missing note (or assignee) is answered 400
// naming the field; an action the finding's state refuses (acknowledging a resolved
// one) 409 with the reason. A form goes back to the finding's page; the API answers
// the finding as it is after.
func (c *Console) triage(t triageAction) func(*http.Request, auth.Principal) (result, error) {
	return func(r *http.Request, p auth.Principal) (result, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return result{}, err
		}
		if err := parseForm(r); err != nil {
			return result{}, err
		}
		note, to := strings.TrimSpace(r.PostForm.Get("note")), strings.TrimSpace(r.PostForm.Get("to"))
		ch := auth.Change{Target: fmt.Sprintf("finding %d", id), Detail: "note: " + note}
		if t.Action == findings.Assigned {
			ch.Detail = "to: " + to + "; " + ch.Detail
		}
		_, _, err = c.App.Triage(r.Context(), strconv.FormatUint(uint64(id), 10), t.Action, p.Who(), note, to)
		var no *findings.Refusal
		switch {
		case errors.As(err, &no) && no.Field != "":
			return result{Change: ch}, badField(no.Field, "%s", no.Reason)
		case errors.As(err, &no):
			return result{Change: ch}, conflict("%s", no.Error())
		case err != nil:
			return result{Change: ch}, err
		}
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			return result{Change: ch, Redirect: withDone(fmt.Sprintf("/findings/%d", id), fmt.Sprintf("Finding %d %s", id, t.Action))}, nil
		}
		v, err := c.findingView(r.Context(), id)
		return result{Data: v, Change: ch}, err
	}
}
