package findings

import (
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
)

// Action is what one entry of a finding's history records.
type Action string

// The actions a person takes on a finding (triage), and those the lifecycle records.
const (
	// Acknowledged: a person has seen an open finding and is on it. It stays
	// acknowledged while it is found again and is not repeated to anyone until it
	// escalates.
	Acknowledged Action = "acknowledged"
	// Assigned: a person gave an open or acknowledged finding to someone.
	Assigned Action = "assigned"
	// Commented: a person added a note to a finding, whatever its status.
	Commented Action = "commented"
	// Resolved: a person resolved an open or acknowledged finding, or the lifecycle
	// resolved one its rule no longer reports.
	Resolved Action = "resolved"
	// Reopened: a person opened again a resolved or acknowledged finding, or the
	// lifecycle re-opened one its rule reports again.
	Reopened Action = "reopened"
	// Opened, Escalated, Suppressed and Unsuppressed are recorded by the lifecycle only.
	Opened       Action = "opened"
	Escalated    Action = "escalated"
	Suppressed   Action = "suppressed"
	Unsuppressed Action = "unsuppressed"
)

// Triage is one thing a person does to a finding: who, when, what and why. Action is
// one of Acknowledged, Assigned, Commented, Resolved and Reopened.
type Triage struct {
	Action Action
	// By is who does it; At is when.
	By string
	At time.Time
	// Note is the reason or comment; To, for Assign, is who gets the finding.
	Note string
	To   string
}

// Refusal is a triage that makes no sense for the finding it names, and why: Apply
// changes nothing then. Field names the input to blame ("by", "note" or "to") when
// one is missing; it is empty when the finding's state is what refuses it.
type Refusal struct {
	Finding uint
	Rule    string
	Action  Action
	Field   string
	Reason  string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("finding %d (%s): cannot be %s: %s", r.Finding, r.Rule, r.Action, r.Reason)
}

// Apply returns what t makes of f and the history entry that records it, or a
// *Refusal when t makes no sense for f: acknowledging a finding that is not open,
// resolving or assigning one that is resolved or suppressed (an exclusion keeps it
// so), re-opening one that is open or suppressed, a missing note (every action but
// an assignment needs one: the reason, or the comment), an assignment naming nobody,
// or no By.
func (t Triage) Apply(f store.Finding) (store.Finding, store.FindingEvent, error) {
	t.By, t.Note, t.To = strings.TrimSpace(t.By), strings.TrimSpace(t.Note), strings.TrimSpace(t.To)
	refuseInput := func(field, why string, args ...any) (store.Finding, store.FindingEvent, error) {
		return f, store.FindingEvent{}, &Refusal{Finding: f.ID, Rule: f.Rule, Action: t.Action, Field: field, Reason: fmt.Sprintf(why, args...)}
	}
	refuse := func(why string, args ...any) (store.Finding, store.FindingEvent, error) {
		return refuseInput("", why, args...)
	}
	switch {
	case t.By == "":
		return refuseInput("by", "say who you are")
	case t.Note == "" && t.Action != Assigned:
		return refuseInput("note", "a note is required, saying why")
	}
	status := f.Status
	switch t.Action {
	case Acknowledged:
		if status != store.StatusOpen {
			return refuse("it is %s (by %s), not open", status, statusBy(f))
		}
		f.Status, f.StatusBy, f.StatusReason = store.StatusAcknowledged, t.By, t.Note
	case Assigned:
		if t.To == "" {
			return refuseInput("to", "name who gets it")
		}
		if status == store.StatusResolved || status == store.StatusSuppressed {
			return refuse("it is %s (by %s)", status, statusBy(f))
		}
		f.Assignee = t.To
	case Commented:
	case Resolved:
		if status == store.StatusResolved || status == store.StatusSuppressed {
			return refuse("it is already %s (by %s)", status, statusBy(f))
		}
		at := t.At
		f.Status, f.StatusBy, f.StatusReason, f.ResolvedAt = store.StatusResolved, t.By, t.Note, &at
	case Reopened:
		if status != store.StatusResolved && status != store.StatusAcknowledged {
			return refuse("it is %s, not resolved or acknowledged", status)
		}
		f.Status, f.StatusBy, f.StatusReason, f.ResolvedAt = store.StatusOpen, t.By, t.Note, nil
	default:
		return refuse("a person can acknowledge, assign, comment on, resolve or re-open a finding")
	}
	return f, store.FindingEvent{FindingID: f.ID, At: t.At, Actor: t.By, Action: string(t.Action), Note: t.Note, Assignee: t.To}, nil
}

// statusBy is who set a finding's status.
func statusBy(f store.Finding) string {
	if f.StatusBy == "" {
		return byCustos
	}
	return f.StatusBy
}

// resolvedByHand reports whether a person, not the lifecycle, resolved f.
func resolvedByHand(f *store.Finding) bool {
	return f.Status == store.StatusResolved && statusBy(*f) != byCustos
}

// PersonActions are the actions a person takes on a finding, in the order a page
// offers them.
var PersonActions = []Action{Acknowledged, Assigned, Commented, Resolved, Reopened}

// Possible lists the actions of PersonActions that f's state allows now: those Apply
// would not refuse, given who, a note and an assignee.
func Possible(f store.Finding) []Action {
	var out []Action
	for _, a := range PersonActions {
		if _, _, err := (Triage{Action: a, By: "-", Note: "-", To: "-"}).Apply(f); err == nil {
			out = append(out, a)
		}
	}
	return out
}
