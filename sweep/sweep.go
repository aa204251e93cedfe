// Package sweep decides, for every access to one customer's systems, which of the
// customer's authorisations covers it, in one pass over the events and the
// authorisations sorted by time. It never compares every event with every
// authorisation: an authorisation enters the active set when the sweep reaches its
// start (less the grace) and leaves it once it ended (plus the grace) before the
// current event began. For an access nothing covers, it names the nearest candidates
// and why each did not cover it.
package sweep

import (
	"cmp"
	"slices"
	"time"
)

// Event is one access to the customer's systems.
type Event struct {
	ID uint
	// Scope is the authorisation scope the access needs (remote, command, admin,
	// mailbox, removal).
	Scope string
	// AlsoScope, when set, is a second scope that covers it too (a command run inside
	// a screen session is covered by a remote authorisation).
	AlsoScope string
	Start     time.Time
	// End is when the access ended; equal to Start for an instant.
	End time.Time
	// Technician and Device are canonical ids; 0 when unknown, and then only an
	// authorisation for any technician (any device) covers the access.
	Technician uint
	Device     uint
}

// Grant is one authorisation.
type Grant struct {
	ID uint
	// Technician and Device are canonical ids; 0 means any.
	Technician uint
	Device     uint
	Scope      string
	From       time.Time
	// To is zero for a standing permission.
	To time.Time
	// Revoked is when it was revoked, zero when it was not. A revocation ends it at
	// once, with no grace.
	Revoked time.Time
	// Recorded is when the authorisation's evidence was first written down (the
	// ticket note's creation, the moment it was entered); zero when unknown, which
	// never makes it late. Access is authorised only by what was recorded before it.
	Recorded time.Time
}

// ScopeAny covers every scope but removal.
const ScopeAny = "any"

// ScopeRemoval is the scope a removal needs: only an authorisation for removal covers it.
const ScopeRemoval = "removal"

// Options are the grace periods around every authorisation.
type Options struct {
	// Before lets an access start this long before an authorisation's start.
	Before time.Duration
	// After lets an access end this long after an authorisation's end.
	After time.Duration
	// Skew lets an authorisation be recorded this long after the access began and
	// still count as given in advance: the clocks of the ticket system and the remote
	// tool may disagree by that much.
	Skew time.Duration
}

// Decision is the outcome for one event.
type Decision struct {
	Event uint
	// CoveredBy is the authorisation that covers the event, 0 when none does.
	CoveredBy uint
	// Late, when nothing covers the event, is an authorisation that would cover it
	// but was recorded after the access began (more than Options.Skew after): the
	// access was authorised afterwards, not in advance. LateRecorded is when.
	Late         uint
	LateRecorded time.Time
	// Misses are, for an event nothing covers, the nearest candidates and why each
	// did not cover it, nearest first (at most MaxMisses).
	Misses []Miss
}

// MaxMisses bounds the candidates a decision explains.
const MaxMisses = 3

// Miss says why one authorisation did not cover an event.
type Miss struct {
	Grant  uint
	Reason Reason
	// At is the time the reason is about: the authorisation's end, its start, its
	// revocation.
	At time.Time
	// Want is the technician, device or scope the authorisation is for.
	Want uint
	// WantScope is the scope it grants (for ReasonScope).
	WantScope string
}

// Reason is why an authorisation did not cover an event.
type Reason int

// The reasons, in the order they are checked.
const (
	// ReasonTechnician: the authorisation is for another technician.
	ReasonTechnician Reason = iota + 1
	// ReasonDevice: it is for another device.
	ReasonDevice
	// ReasonScope: it does not grant the scope the access needs.
	ReasonScope
	// ReasonRevoked: it was revoked before the access ended.
	ReasonRevoked
	// ReasonStartedLater: it began after the access started (grace included).
	ReasonStartedLater
	// ReasonEnded: it ended before the access ended (grace included).
	ReasonEnded
)

// Match decides every event of one customer. events and grants need not be sorted;
// Match sorts them in place (by start and by from, then by id). The decisions are in
// the sorted event order.
func Match(events []Event, grants []Grant, opts Options) []Decision {
	slices.SortFunc(events, func(a, b Event) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	slices.SortFunc(grants, func(a, b Grant) int { return cmp.Or(a.From.Compare(b.From), cmp.Compare(a.ID, b.ID)) })
	s := sweeper{opts: opts, active: map[uint][]*Grant{}, firstEnd: map[uint]time.Time{}}
	s.byEnd = s.endings(grants)
	out := make([]Decision, len(events))
	next := 0
	for i := range events {
		e := &events[i]
		for next < len(grants) && !grants[next].From.Add(-opts.Before).After(e.Start) {
			g := &grants[next]
			s.active[g.Technician] = append(s.active[g.Technician], g)
			if end, ok := s.end(g); ok {
				if first, had := s.firstEnd[g.Technician]; !had || end.Before(first) {
					s.firstEnd[g.Technician] = end
				}
			}
			next++
		}
		s.upcoming = grants[next:]
		out[i] = s.decide(e)
	}
	return out
}

// Lookahead is how many of the grants that begin after an access (less the grace)
// explain it when nothing covers it: the soonest that many, of any technician,
// are candidates. An access is thus explained by grants that begin after it, up
// to the Lookahead-th, and by the grant of its technician that ended last before
// it (however long before); what covers it began by its start (less the grace).
const Lookahead = 16

type sweeper struct {
	opts Options
	// active holds, by technician (0 = any), the grants that began by the current
	// event's start and had not ended before it.
	active map[uint][]*Grant
	// firstEnd holds, by technician, the earliest end in the active set; no entry
	// when every grant in it is standing. The set is only scanned to evict grants
	// once that end has passed, so standing permissions cost nothing per event.
	firstEnd map[uint]time.Time
	// byEnd holds, by technician, the grants that end (not the standing ones) in
	// the order they end, to name the one that ended last before an access.
	byEnd map[uint][]ending
	// upcoming are the grants that begin after the current event's start (less the
	// grace), soonest first.
	upcoming []Grant
}

// ending is a grant that ends, and when.
type ending struct {
	at    time.Time
	grant *Grant
}

// endings lists, by technician, the grants that end, in the order they end (then by
// start and id, as the grants are sorted).
func (s *sweeper) endings(grants []Grant) map[uint][]ending {
	out := map[uint][]ending{}
	for i := range grants {
		if end, ok := s.end(&grants[i]); ok {
			out[grants[i].Technician] = append(out[grants[i].Technician], ending{end, &grants[i]})
		}
	}
	for _, list := range out {
		slices.SortStableFunc(list, func(a, b ending) int { return a.at.Compare(b.at) })
	}
	return out
}

// lastEnded returns the technician's grant that ended last before start (the last
// of those that ended at the same instant), or nil. It depends on the grants alone,
// not on which events the sweep saw before, so that checking some of a customer's
// events decides them as checking all of them does.
func (s *sweeper) lastEnded(tech uint, start time.Time) *Grant {
	list := s.byEnd[tech]
	i, _ := slices.BinarySearchFunc(list, start, func(e ending, t time.Time) int { return e.at.Compare(t) })
	if i == 0 {
		return nil
	}
	return list[i-1].grant
}

// end returns the last instant the grant covers, and false for a standing one.
func (s *sweeper) end(g *Grant) (time.Time, bool) {
	switch {
	case !g.Revoked.IsZero() && (g.To.IsZero() || g.Revoked.Before(g.To.Add(s.opts.After))):
		return g.Revoked, true
	case g.To.IsZero():
		return time.Time{}, false
	}
	return g.To.Add(s.opts.After), true
}

func (s *sweeper) decide(e *Event) Decision {
	d := Decision{Event: e.ID}
	for _, tech := range techniciansOf(e) {
		if first, ok := s.firstEnd[tech]; ok && first.Before(e.Start) {
			s.evict(tech, e.Start)
		}
		if d.CoveredBy != 0 {
			continue
		}
		for _, g := range s.active[tech] {
			if s.miss(g, e) != nil {
				continue
			}
			if !s.recordedLate(g, e) {
				d.CoveredBy, d.Late, d.LateRecorded = g.ID, 0, time.Time{}
				break
			}
			if d.Late == 0 || g.Recorded.Before(d.LateRecorded) {
				d.Late, d.LateRecorded = g.ID, g.Recorded
			}
		}
	}
	if d.CoveredBy == 0 && d.Late == 0 {
		d.Misses = s.explain(e)
	}
	return d
}

// recordedLate says whether g, which covers e, was recorded after e began (beyond
// the skew tolerance).
func (s *sweeper) recordedLate(g *Grant, e *Event) bool {
	return !g.Recorded.IsZero() && g.Recorded.After(e.Start.Add(s.opts.Skew))
}

// evict drops from the technician's active set the grants that ended before start
// and recomputes the set's earliest end.
func (s *sweeper) evict(tech uint, start time.Time) {
	list := s.active[tech]
	kept := list[:0]
	delete(s.firstEnd, tech)
	for _, g := range list {
		end, ok := s.end(g)
		if ok && end.Before(start) {
			continue // ended before this event: no later event needs it
		}
		kept = append(kept, g)
		if first, had := s.firstEnd[tech]; ok && (!had || end.Before(first)) {
			s.firstEnd[tech] = end
		}
	}
	clear(list[len(kept):])
	s.active[tech] = kept
}

// techniciansOf lists the active-set keys that may hold a grant for the event: its
// technician's and any technician's.
func techniciansOf(e *Event) []uint {
	if e.Technician == 0 {
		return []uint{0}
	}
	return []uint{e.Technician, 0}
}

// miss returns why g does not cover e, or nil when it does.
func (s *sweeper) miss(g *Grant, e *Event) *Miss {
	switch {
	case g.Technician != 0 && g.Technician != e.Technician:
		return &Miss{Grant: g.ID, Reason: ReasonTechnician, Want: g.Technician}
	case g.Device != 0 && g.Device != e.Device:
		return &Miss{Grant: g.ID, Reason: ReasonDevice, Want: g.Device}
	case !scopeCovers(g.Scope, e):
		return &Miss{Grant: g.ID, Reason: ReasonScope, WantScope: g.Scope}
	case !g.Revoked.IsZero() && g.Revoked.Before(e.End):
		return &Miss{Grant: g.ID, Reason: ReasonRevoked, At: g.Revoked}
	case g.From.Add(-s.opts.Before).After(e.Start):
		return &Miss{Grant: g.ID, Reason: ReasonStartedLater, At: g.From}
	}
	if end, ok := s.end(g); ok && end.Before(e.End) {
		return &Miss{Grant: g.ID, Reason: ReasonEnded, At: g.To}
	}
	return nil
}

func scopeCovers(granted string, e *Event) bool {
	if granted == e.Scope || (e.AlsoScope != "" && granted == e.AlsoScope) {
		return true
	}
	return granted == ScopeAny && e.Scope != ScopeRemoval
}

// explain lists why the nearest candidates did not cover e: the active grants of its
// technician and of any technician, the one of its technician that ended last, other
// technicians' grants for its device, and the grants that begin soon after it.
func (s *sweeper) explain(e *Event) []Miss {
	var cands []*Grant
	for _, tech := range techniciansOf(e) {
		cands = append(cands, s.active[tech]...)
		if g := s.lastEnded(tech, e.Start); g != nil {
			cands = append(cands, g)
		}
	}
	for tech, list := range s.active {
		if tech == e.Technician || tech == 0 {
			continue
		}
		for _, g := range list {
			// A grant that ended before the event may still wait in the active set of
			// a technician with no later event; it is no candidate.
			if end, ok := s.end(g); g.Device == e.Device && e.Device != 0 && (!ok || !end.Before(e.Start)) {
				cands = append(cands, g)
			}
		}
	}
	// Nearest first: the latest start before the event, then (below) the soonest after.
	slices.SortFunc(cands, func(a, b *Grant) int {
		if own := a.Technician == e.Technician; own != (b.Technician == e.Technician) {
			if own {
				return -1
			}
			return 1
		}
		if c := b.From.Compare(a.From); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID) // the active set is a map: keep explanations stable
	})
	for i := range s.upcoming[:min(len(s.upcoming), Lookahead)] {
		if g := &s.upcoming[i]; g.Technician == 0 || g.Technician == e.Technician {
			cands = append(cands, g)
		}
	}
	var out []Miss
	seen := map[uint]bool{}
	for _, g := range cands {
		if seen[g.ID] || len(out) == MaxMisses {
			continue
		}
		seen[g.ID] = true
		if m := s.miss(g, e); m != nil {
			out = append(out, *m)
		}
	}
	return out
}
