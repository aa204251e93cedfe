// Package findings owns the finding lifecycle: given the stored findings of a scope,
// what the rules found, the exclusions in force and the time, it plans what happens
// to each finding (it opens, re-opens, escalates, is refreshed, suppressed or
// unsuppressed, or resolves), which outbox event each change writes and what it adds
// to the finding's history. Plans are plain Go, tested without a database; store
// keeps the rows and writes a plan's changes in one transaction.
//
// People triage findings (Triage): they acknowledge, assign, comment on, resolve and
// re-open them, each with who, when and a note, and each kept in the finding's
// history beside what the lifecycle did. The lifecycle respects them:
//
//   - An acknowledged finding found again stays acknowledged; a higher severity
//     escalates it (and tells people), but it is not repeated to anyone.
//   - A finding a person resolved stays resolved while its rule reports it with the
//     same evidence it had when it was resolved; reported with other evidence (a new
//     access, another record), it re-opens. A finding the lifecycle resolved re-opens
//     whenever its rule reports it again.
//   - Any finding its rule no longer reports is resolved by the lifecycle, whoever
//     acknowledged it.
package findings

import (
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// Input is what a rule reports: recording it opens, updates or re-opens a finding.
type Input struct {
	Rule        string
	Fingerprint string
	Subject     string
	CustomerID  *uint
	Severity    vocab.Severity
	Summary     string
	Evidence    string
	// TechnicianID and DeviceID, when the finding is about one, let exclusions match it.
	TechnicianID *uint
	DeviceID     *uint
	// Day is the UTC day ("2006-01-02") a finding one per day is about; empty for
	// one about no one day.
	Day string
}

// Kind says what a change does to a finding.
type Kind string

// The kinds of change.
const (
	// Open records a finding seen for the first time.
	Open Kind = "open"
	// Reopen opens again a resolved finding that was found again.
	Reopen Kind = "reopen"
	// Escalate refreshes an open or acknowledged finding that was found with a higher severity.
	Escalate Kind = "escalate"
	// Refresh records that a finding was found again, its status unchanged.
	Refresh Kind = "refresh"
	// Suppress keeps a finding an exclusion matches as suppressed.
	Suppress Kind = "suppress"
	// Unsuppress opens again a suppressed finding that no exclusion matches any more.
	Unsuppress Kind = "unsuppress"
	// Resolve resolves a finding that was not found again.
	Resolve Kind = "resolve"
)

// What the lifecycle writes in a finding's status columns when it, not a person,
// changes the status.
const (
	byCustos       = store.StatusBySystem
	reasonGone     = "condition no longer holds"
	reasonReturned = "condition returned"
	reasonNewProof = "found again with new evidence after it was resolved by hand"
	reasonNoLonger = "no exclusion matches it any more"
)

// Change is what recording one evaluation does to one finding.
type Change struct {
	Kind Kind
	// Finding is the finding as the change leaves it, status, set by and reason
	// included; its ID is 0 for a new finding.
	Finding store.Finding
	// Was is the stored finding before the change; nil for a new one.
	Was *store.Finding
	// Exclusion is the exclusion that suppresses the finding, if one matches it.
	Exclusion *store.Exclusion
	// Event is the outbox event the change writes; empty when nobody is told.
	Event string
}

// Plan is what recording one evaluation does: the reported findings first, in the
// order found (each fingerprint once), then the resolutions in id order.
type Plan struct {
	Changes []Change
	// At is when the evaluation is recorded.
	At time.Time
}

// PlanChanges decides what recording an evaluation of scope at now does, given the
// scope's stored findings, the findings reported and the exclusions in force. A
// finding reported outside the scope is an error; a stored finding outside it is
// left alone, so a rule that failed to evaluate never resolves its findings.
func PlanChanges(scope store.FindingScope, state store.FindingState, found []Input, now time.Time) (Plan, error) {
	byFingerprint := make(map[string]*store.Finding, len(state.Existing))
	for i := range state.Existing {
		byFingerprint[state.Existing[i].Fingerprint] = &state.Existing[i]
	}
	seen := make(map[string]bool, len(found))
	p := Plan{Changes: make([]Change, 0, len(found)), At: now}
	for _, in := range found {
		if !slices.Contains(scope.Rules, in.Rule) {
			return Plan{}, fmt.Errorf("findings: finding of rule %s reported in an evaluation of %v", in.Rule, scope.Rules)
		}
		if !inCustomer(scope, in.CustomerID) {
			return Plan{}, fmt.Errorf("findings: finding %s of another customer reported in an evaluation of customer %d", in.Fingerprint, *scope.CustomerID)
		}
		if !scope.HasDay(in.Day) {
			return Plan{}, fmt.Errorf("findings: finding %s about %s reported in an evaluation of the days %s", in.Fingerprint, in.Day, scope.Days)
		}
		if seen[in.Fingerprint] {
			continue
		}
		seen[in.Fingerprint] = true
		p.Changes = append(p.Changes, foundChange(byFingerprint[in.Fingerprint], in, match(state.Exclusions, in), now))
	}
	for i := range state.Existing {
		f := &state.Existing[i]
		if seen[f.Fingerprint] || f.Status == store.StatusResolved || !slices.Contains(scope.Rules, f.Rule) || !inCustomer(scope, f.CustomerID) ||
			!scope.HasDay(f.Day) {
			continue
		}
		p.Changes = append(p.Changes, resolveChange(f, now))
	}
	return p, nil
}

// inCustomer reports whether a finding of customer id belongs to the scope.
func inCustomer(scope store.FindingScope, id *uint) bool {
	return scope.CustomerID == nil || (id != nil && *id == *scope.CustomerID)
}

// foundChange is the change recording in at now makes to was (nil for a new finding),
// which exclusion x (nil for none) matches.
func foundChange(was *store.Finding, in Input, x *store.Exclusion, now time.Time) Change {
	c := Change{Was: was, Exclusion: x, Finding: store.Finding{FirstSeen: now, Status: store.StatusOpen}}
	if was != nil {
		c.Finding = *was
	}
	f := &c.Finding
	f.Rule, f.Fingerprint, f.Subject, f.CustomerID, f.Day = in.Rule, in.Fingerprint, in.Subject, in.CustomerID, in.Day
	f.Severity, f.Summary, f.Evidence = in.Severity, in.Summary, in.Evidence
	f.TechnicianID, f.DeviceID, f.LastSeen = in.TechnicianID, in.DeviceID, now
	switch {
	case x != nil:
		if was != nil && was.Status == store.StatusSuppressed && was.StatusReason == describe(x) {
			c.Kind = Refresh
			break
		}
		c.Kind = Suppress
		f.Status, f.StatusBy, f.StatusReason, f.ResolvedAt = store.StatusSuppressed, x.Owner, describe(x), nil
	case was == nil:
		c.Kind, c.Event = Open, store.EventOpened
	case resolvedByHand(was) && in.Evidence == was.Evidence:
		c.Kind = Refresh
	case was.Status == store.StatusResolved:
		c.Kind, c.Event = Reopen, store.EventReopened
		f.Status, f.StatusBy, f.StatusReason, f.ResolvedAt = store.StatusOpen, byCustos, reasonReturned, nil
		if resolvedByHand(was) {
			f.StatusReason = reasonNewProof
		}
	case was.Status == store.StatusSuppressed:
		c.Kind, c.Event = Unsuppress, store.EventReopened
		f.Status, f.StatusBy, f.StatusReason, f.ResolvedAt = store.StatusOpen, byCustos, reasonNoLonger, nil
	case in.Severity.Above(was.Severity):
		c.Kind, c.Event = Escalate, store.EventEscalated
	default:
		c.Kind = Refresh
	}
	return c
}

// resolveChange is the change that resolves was at now.
func resolveChange(was *store.Finding, now time.Time) Change {
	c := Change{Kind: Resolve, Was: was, Finding: *was}
	if was.Status != store.StatusSuppressed {
		c.Event = store.EventResolved
	}
	f := &c.Finding
	f.Status, f.StatusBy, f.StatusReason, f.ResolvedAt = store.StatusResolved, byCustos, reasonGone, &now
	return c
}

// Result counts what recording an evaluation changed.
type Result struct {
	Opened, Reopened, Updated, Resolved int
}

// Add adds o's counts to r.
func (r *Result) Add(o Result) {
	r.Opened += o.Opened
	r.Reopened += o.Reopened
	r.Updated += o.Updated
	r.Resolved += o.Resolved
}

// Result counts the plan's changes: every new finding (suppressed or not) as
// opened, re-opened and unsuppressed ones as re-opened, resolutions as resolved and
// every other finding found again as updated, except one a person resolved, which
// stays resolved.
func (p Plan) Result() Result {
	var r Result
	for _, c := range p.Changes {
		switch {
		case c.Was == nil:
			r.Opened++
		case c.Kind == Reopen || c.Kind == Unsuppress:
			r.Reopened++
		case c.Kind == Resolve:
			r.Resolved++
		case c.Finding.Status != store.StatusResolved:
			r.Updated++
		}
	}
	return r
}

// Writes is what the store writes to carry out the plan: new findings inserted,
// findings only seen again refreshed and resolutions written a batch at a time,
// other changes row by row, and the outbox and history entries in the order of the
// changes.
func (p Plan) Writes() store.FindingWrites {
	var w store.FindingWrites
	for _, c := range p.Changes {
		switch {
		case c.Was == nil:
			w.Insert = append(w.Insert, c.Finding)
		case c.Kind == Resolve:
			w.StatusOnly = append(w.StatusOnly, c.Finding)
		case c.Kind == Refresh && sameContent(c.Was, &c.Finding):
			w.Seen = append(w.Seen, c.Finding)
		default:
			w.Update = append(w.Update, c.Finding)
		}
		if c.Event != "" {
			w.Outbox = append(w.Outbox, store.OutboxEntry{
				FindingID: c.Finding.ID, Fingerprint: c.Finding.Fingerprint, Event: c.Event, Severity: c.Finding.Severity, CreatedAt: p.At,
			})
		}
		if action, ok := lifecycleActions[c.Kind]; ok {
			w.History = append(w.History, store.FindingEvent{
				FindingID: c.Finding.ID, Fingerprint: c.Finding.Fingerprint, At: p.At, Actor: byCustos, Action: string(action), Note: c.note(),
			})
		}
	}
	return w
}

// lifecycleActions is what each kind of change records in the finding's history; a
// refresh records nothing.
var lifecycleActions = map[Kind]Action{
	Open: Opened, Reopen: Reopened, Escalate: Escalated, Suppress: Suppressed, Unsuppress: Unsuppressed, Resolve: Resolved,
}

// note is why the change happened, for the finding's history.
func (c Change) note() string {
	if c.Kind == Escalate {
		return fmt.Sprintf("severity rose from %s to %s", c.Was.Severity, c.Finding.Severity)
	}
	if c.Kind == Open {
		return ""
	}
	return c.Finding.StatusReason
}

// sameContent reports whether a and b say the same, apart from when they were last seen.
func sameContent(a, b *store.Finding) bool {
	return a.Subject == b.Subject && a.Day == b.Day && a.Severity == b.Severity && a.Summary == b.Summary && a.Evidence == b.Evidence &&
		sameID(a.CustomerID, b.CustomerID) && sameID(a.TechnicianID, b.TechnicianID) && sameID(a.DeviceID, b.DeviceID)
}

func sameID(a, b *uint) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
