package reconcile

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/acts"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/sweep"
)

// maxActs is how many acts a grouped finding's summary lists before it counts the rest.
const maxActs = 3

// group gathers the uncovered events of one finding.
type group struct {
	f     Finding
	count int
	// acts are the first events, in time order; why is why the first was not covered.
	acts []*store.AccessEvent
	why  string
}

// add counts e in the group, keeping it among the acts the summary lists.
func (g *group) add(e *store.AccessEvent) {
	g.count++
	if len(g.acts) < maxActs {
		g.acts = append(g.acts, e)
	}
}

// summary says who did what on what, when, and why nothing covered it: "Bob Jones
// deleted user j.doe@contoso.example in the Microsoft 365 tenant of Contoso Ltd on
// 2026-12-04 06:18 UTC without authorisation: …". A group of several acts lists the
// first few with their times, then how many more.
func (g *group) summary(names store.Names) string {
	e := g.acts[0]
	verdict := "without authorisation"
	if g.f.Rule == RuleAccessAuthorisedLate {
		verdict = authorisedLate
	}
	if g.count == 1 {
		return fmt.Sprintf("%s %s %s %s %s: %s", who(e, names), acts.Of(e), where(e, names), when(e), verdict, g.why)
	}
	listed := make([]string, len(g.acts))
	for i, a := range g.acts {
		listed[i] = acts.Of(a).String() + " at " + span(a)
	}
	more := ""
	if rest := g.count - len(g.acts); rest > 0 {
		more = fmt.Sprintf(" and %d more", rest)
	}
	return fmt.Sprintf("%s, %d acts %s on %s %s: %s%s; the first: %s", who(e, names), g.count, where(e, names),
		e.StartedAt.UTC().Format(time.DateOnly), verdict, strings.Join(listed, "; "), more, g.why)
}

// when is the day and time of e: "on 2026-12-04 06:18 UTC", or its span for an interval.
func when(e *store.AccessEvent) string {
	return "on " + e.StartedAt.UTC().Format(time.DateOnly) + " " + span(e)
}

// span is e's time of day, or its start and end: "04:18–05:18 UTC", "from 04:58 UTC
// (no end recorded)" for a session the source has not closed.
func span(e *store.AccessEvent) string {
	start := e.StartedAt.UTC().Format("15:04")
	switch {
	case e.EndedAt != nil && e.EndedAt.After(e.StartedAt):
		end := e.EndedAt.UTC()
		if end.Format(time.DateOnly) != e.StartedAt.UTC().Format(time.DateOnly) {
			return start + " UTC to " + end.Format("2006-01-02 15:04") + " UTC"
		}
		return start + "–" + end.Format("15:04") + " UTC"
	case e.Kind == record.KindRemoteSession && e.EndedAt == nil:
		return "from " + start + " UTC (no end recorded)"
	}
	return start + " UTC"
}

// explainMisses writes why no authorisation covered e.
func explainMisses(e *store.AccessEvent, misses []sweep.Miss, auths map[uint]*store.Authorisation, names store.Names) string {
	if len(misses) == 0 {
		return "no authorisation of this customer for " + who(e, names) + " on " + place(e, names)
	}
	parts := make([]string, 0, len(misses))
	for _, m := range misses {
		parts = append(parts, authorisationName(m.Grant, auths[m.Grant])+" "+missText(e, m, auths[m.Grant], names))
	}
	return strings.Join(parts, "; ")
}

// authorisationName names an authorisation as the customer knows it, by its evidence
// and grantor: "the authorisation in Autotask ticket T20261031.0002 (granted by Tom
// Reed)". Custos's own number for it ("authorisation 4"), which no customer has seen,
// names it only when it has no evidence.
func authorisationName(id uint, a *store.Authorisation) string {
	s := "authorisation " + strconv.FormatUint(uint64(id), 10)
	if a == nil {
		return s
	}
	if a.Evidence != "" {
		s = "the authorisation in " + a.Evidence
	}
	if a.GrantedBy != "" {
		s += " (granted by " + a.GrantedBy + ")"
	}
	return s
}

// clock is how summaries and decisions write an instant.
const clock = "2006-01-02 15:04 MST"

// scopeWords says what an authorisation scope allows and what a scope needs.
var scopeWords = map[string]string{
	record.ScopeRemote:  "remote sessions",
	record.ScopeCommand: "commands",
	record.ScopeAdmin:   "administration",
	record.ScopeMailbox: "mailbox access",
	record.ScopeRemoval: "removals",
	record.ScopeAny:     "any access except a removal",
}

func missText(e *store.AccessEvent, m sweep.Miss, a *store.Authorisation, names store.Names) string {
	end := e.StartedAt
	if e.EndedAt != nil {
		end = *e.EndedAt
	}
	switch m.Reason {
	case sweep.ReasonTechnician:
		return fmt.Sprintf("is for %s, access was by %s", nameOr(names.Technicians, m.Want, "another technician"), who(e, names))
	case sweep.ReasonDevice:
		return fmt.Sprintf("is for %s, access was on %s", nameOr(names.Devices, m.Want, "another device"), place(e, names))
	case sweep.ReasonScope:
		allows := "allows " + cmp.Or(scopeWords[m.WantScope], m.WantScope)
		if m.WantScope != record.ScopeAny {
			allows += " only"
		}
		if need := sweepEvent(e).Scope; need != record.ScopeRemoval {
			return allows + ", not " + cmp.Or(scopeWords[need], need)
		}
		return allows + "; a removal needs an authorisation for removals or a verified backup"
	case sweep.ReasonRevoked:
		by := ""
		if a != nil && a.RevokedBy != "" {
			by = " by " + a.RevokedBy
		}
		return fmt.Sprintf("was revoked %s%s, access ran until %s", m.At.UTC().Format(clock), by, end.UTC().Format(clock))
	case sweep.ReasonStartedLater:
		return fmt.Sprintf("only began %s, after the access started %s", m.At.UTC().Format(clock), e.StartedAt.UTC().Format(clock))
	case sweep.ReasonEnded:
		if e.StartedAt.After(m.At) {
			return fmt.Sprintf("ended %s, before the access started %s", m.At.UTC().Format(clock), e.StartedAt.UTC().Format(clock))
		}
		return fmt.Sprintf("ended %s, access ran until %s", m.At.UTC().Format(clock), end.UTC().Format(clock))
	}
	return "did not cover it"
}

// who names the technician: the mapped technician, else the source's identity
// marked as unknown.
func who(e *store.AccessEvent, names store.Names) string {
	if e.TechnicianID != nil {
		return nameOr(names.Technicians, *e.TechnicianID, cmp.Or(e.ActorName, e.ActorRef))
	}
	if e.ActorRef == "" && e.ActorName == "" {
		return "an unknown technician"
	}
	return cmp.Or(e.ActorName, e.ActorRef) + " (not a known technician)"
}

// place names what e was on: its device, or the customer's Microsoft 365 tenant.
func place(e *store.AccessEvent, names store.Names) string {
	if record.InTenant(e.Kind) && e.DeviceID == nil {
		return tenantOf(e, names)
	}
	if e.DeviceID != nil {
		return nameOr(names.Devices, *e.DeviceID, e.DeviceName)
	}
	return cmp.Or(e.DeviceName, e.DeviceRef, "an unknown device")
}

// where is place with its preposition: "on CON-PC-002", "in the Microsoft 365
// tenant of Contoso Ltd".
func where(e *store.AccessEvent, names store.Names) string {
	if record.InTenant(e.Kind) && e.DeviceID == nil {
		return "in " + tenantOf(e, names)
	}
	return "on " + place(e, names)
}

func tenantOf(e *store.AccessEvent, names store.Names) string {
	if e.CustomerID != nil {
		if n := names.Customers[*e.CustomerID]; n != "" {
			return "the Microsoft 365 tenant of " + n
		}
	}
	return "the Microsoft 365 tenant"
}
