package sweep

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)

func at(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

const (
	alice, bob = 1, 2
	pc42, pc51 = 42, 51
)

func session(start, end time.Time) Event {
	return Event{ID: 100, Scope: "remote", Start: start, End: end, Technician: alice, Device: pc42}
}

// TestMatch_Dimensions shows each dimension's edge with grace of 15 minutes before
// and 30 after: covered, or the reason of the nearest candidate.
func TestMatch_Dimensions(t *testing.T) {
	opts := Options{Before: 15 * time.Minute, After: 30 * time.Minute}
	london, _ := time.LoadLocation("Europe/London")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	window := Grant{ID: 12, Technician: alice, Device: pc42, Scope: "remote", From: at(0), To: at(2)}
	with := func(g Grant, f func(*Grant)) Grant { f(&g); return g }
	ev := func(f func(*Event)) Event { e := session(at(0.5), at(1)); f(&e); return e }
	tests := []struct {
		name    string
		event   Event
		grants  []Grant
		covered uint
		reason  Reason
		at      time.Time
	}{
		{"inside the window", session(at(0.5), at(1)), []Grant{window}, 12, 0, time.Time{}},
		{"starts exactly at the grace before", session(at(-0.25), at(1)), []Grant{window}, 12, 0, time.Time{}},
		{"starts a second before the grace", session(at(-0.25).Add(-time.Second), at(1)), []Grant{window}, 0, ReasonStartedLater, at(0)},
		{"ends exactly at the grace after", session(at(1), at(2.5)), []Grant{window}, 12, 0, time.Time{}},
		{"runs past the end and the grace", session(at(1), at(2.5).Add(time.Second)), []Grant{window}, 0, ReasonEnded, at(2)},
		{"spans the end: ran until 12:30, ended 12:00 (+30m)", session(at(1.5), at(2.5).Add(time.Minute)), []Grant{window}, 0, ReasonEnded, at(2)},
		{"starts after the end and the grace", session(at(2.6), at(3)), []Grant{window}, 0, ReasonEnded, at(2)},
		{"other technician", ev(func(e *Event) { e.Technician = bob }), []Grant{window}, 0, ReasonTechnician, time.Time{}},
		{"other device: authorisation for PC-042, session on PC-051", ev(func(e *Event) { e.Device = pc51 }), []Grant{window}, 0, ReasonDevice, time.Time{}},
		{"any technician covers anyone", ev(func(e *Event) { e.Technician = bob }), []Grant{with(window, func(g *Grant) { g.Technician = 0 })}, 12, 0, time.Time{}},
		{"any technician covers an unknown technician", ev(func(e *Event) { e.Technician = 0 }), []Grant{with(window, func(g *Grant) { g.Technician = 0 })}, 12, 0, time.Time{}},
		{"an unknown technician is not Alice", ev(func(e *Event) { e.Technician = 0 }), []Grant{window}, 0, ReasonTechnician, time.Time{}},
		{"nothing for this device or technician", ev(func(e *Event) { e.Technician, e.Device = bob, pc51 }), []Grant{window}, 0, 0, time.Time{}},
		{"any device covers every device", ev(func(e *Event) { e.Device = pc51 }), []Grant{with(window, func(g *Grant) { g.Device = 0 })}, 12, 0, time.Time{}},
		{"standing permission, a year on", session(at(24*365), at(24*365+1)), []Grant{with(window, func(g *Grant) { g.To = time.Time{} })}, 12, 0, time.Time{}},
		{"revoked after the access", session(at(0.5), at(1)), []Grant{with(window, func(g *Grant) { g.Revoked = at(1.5) })}, 12, 0, time.Time{}},
		{"revoked during the access, no grace", session(at(0.5), at(1.6)), []Grant{with(window, func(g *Grant) { g.Revoked = at(1.5) })}, 0, ReasonRevoked, at(1.5)},
		{"revoked standing permission", session(at(30), at(31)), []Grant{with(window, func(g *Grant) { g.To, g.Revoked = time.Time{}, at(29) })}, 0, ReasonRevoked, at(29)},
		{"scope: admin does not cover remote", session(at(0.5), at(1)), []Grant{with(window, func(g *Grant) { g.Scope = "admin" })}, 0, ReasonScope, time.Time{}},
		{"scope: any covers remote", session(at(0.5), at(1)), []Grant{with(window, func(g *Grant) { g.Scope = "any" })}, 12, 0, time.Time{}},
		{"scope: any does not cover a removal", ev(func(e *Event) { e.Scope = "removal" }), []Grant{with(window, func(g *Grant) { g.Scope = "any" })}, 0, ReasonScope, time.Time{}},
		{"scope: removal covers a removal", ev(func(e *Event) { e.Scope = "removal" }), []Grant{with(window, func(g *Grant) { g.Scope = "removal" })}, 12, 0, time.Time{}},
		{"scope: a command inside a screen session is covered by remote", ev(func(e *Event) { e.Scope, e.AlsoScope = "command", "remote" }), []Grant{window}, 12, 0, time.Time{}},
		{"scope: a command alone is not covered by remote", ev(func(e *Event) { e.Scope = "command" }), []Grant{window}, 0, ReasonScope, time.Time{}},
		{"two overlapping: Alice's own before any technician's", session(at(0.5), at(1)),
			[]Grant{with(window, func(g *Grant) { g.ID, g.Technician, g.From = 7, 0, at(-1) }), window}, 12, 0, time.Time{}},
		{"two overlapping: the second covers what the first does not", session(at(0.5), at(3)),
			[]Grant{window, with(window, func(g *Grant) { g.ID, g.To = 13, at(4) })}, 13, 0, time.Time{}},
		{"time zones: the same instants written in London and Tokyo", session(at(-0.25).In(tokyo), at(2.5).In(tokyo)),
			[]Grant{with(window, func(g *Grant) { g.From, g.To = at(0).In(london), at(2).In(london) })}, 12, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Match([]Event{tt.event}, append([]Grant(nil), tt.grants...), opts)
			d := ds[0]
			if d.CoveredBy != tt.covered {
				t.Fatalf("covered by %d, want %d (misses %+v)", d.CoveredBy, tt.covered, d.Misses)
			}
			if tt.covered != 0 {
				if len(d.Misses) != 0 {
					t.Errorf("covered event explains misses %+v", d.Misses)
				}
				return
			}
			if tt.reason == 0 {
				if len(d.Misses) != 0 {
					t.Errorf("misses = %+v, want none (no candidate applies)", d.Misses)
				}
				return
			}
			if len(d.Misses) == 0 || d.Misses[0].Reason != tt.reason {
				t.Fatalf("misses = %+v, want first reason %d", d.Misses, tt.reason)
			}
			if !tt.at.IsZero() && !d.Misses[0].At.Equal(tt.at) {
				t.Errorf("miss at %v, want %v", d.Misses[0].At, tt.at)
			}
		})
	}
}

// TestMatch_SweepKeepsEarlierGrantsForLaterEvents runs many events through one sweep:
// a grant that ended is dropped for later events but still explains the first one
// after it, and a standing grant stays active throughout.
func TestMatch_SweepKeepsEarlierGrantsForLaterEvents(t *testing.T) {
	grants := []Grant{
		{ID: 1, Technician: alice, Scope: "remote", From: at(0), To: at(1)},
		{ID: 2, Technician: bob, Scope: "any", From: at(0)},
		{ID: 3, Technician: alice, Scope: "remote", From: at(5), To: at(6)},
	}
	events := []Event{
		{ID: 14, Scope: "remote", Start: at(7), End: at(7.5), Technician: alice},
		{ID: 10, Scope: "remote", Start: at(0.5), End: at(0.7), Technician: alice},
		{ID: 11, Scope: "remote", Start: at(2), End: at(3), Technician: alice},
		{ID: 12, Scope: "command", Start: at(2), End: at(2), Technician: bob},
		{ID: 13, Scope: "remote", Start: at(5.5), End: at(5.6), Technician: alice},
	}
	want := map[uint]uint{10: 1, 11: 0, 12: 2, 13: 3, 14: 0}
	ds := Match(events, grants, Options{})
	for _, d := range ds {
		if d.CoveredBy != want[d.Event] {
			t.Errorf("event %d covered by %d, want %d", d.Event, d.CoveredBy, want[d.Event])
		}
	}
	byEvent := map[uint]Decision{}
	for _, d := range ds {
		byEvent[d.Event] = d
	}
	if m := byEvent[11].Misses; len(m) != 2 || m[0].Grant != 1 || m[0].Reason != ReasonEnded || m[1].Grant != 3 || m[1].Reason != ReasonStartedLater {
		t.Errorf("event 11 misses = %+v, want grant 1 ended, then grant 3 starts later", m)
	}
	if m := byEvent[14].Misses; len(m) != 1 || m[0].Grant != 3 || m[0].Reason != ReasonEnded {
		t.Errorf("event 14 misses = %+v, want grant 3 ended", m)
	}
}

// TestMatch_ExplanationDoesNotDependOnOtherTechniciansEvents: whether or not Alice
// had a later event (which evicts her ended grant from the active set), Bob's access
// after her grant ended is explained the same way: nothing was a candidate.
func TestMatch_ExplanationDoesNotDependOnOtherTechniciansEvents(t *testing.T) {
	grant := Grant{ID: 7, Technician: alice, Device: pc42, Scope: "remote", From: at(0), To: at(1)}
	bobLater := Event{ID: 2, Scope: "remote", Start: at(3), End: at(3.5), Technician: bob, Device: pc42}
	aliceBetween := Event{ID: 1, Scope: "remote", Start: at(2), End: at(2.5), Technician: alice, Device: pc42}
	for name, events := range map[string][]Event{
		"alone":                   {bobLater},
		"after an event of Alice": {aliceBetween, bobLater},
	} {
		ds := Match(events, []Grant{grant}, Options{})
		bob := ds[len(ds)-1]
		if bob.Event != 2 || bob.CoveredBy != 0 || len(bob.Misses) != 0 {
			t.Errorf("%s: Bob's decision = %+v, want uncovered with no candidate", name, bob)
		}
	}
}

// TestMatch_AuthorisedAfterwards: an authorisation that covers an access but was
// recorded after it began makes it authorised afterwards, not covered, unless the
// record is within the clock-skew tolerance; one recorded in time wins over it.
func TestMatch_AuthorisedAfterwards(t *testing.T) {
	opts := Options{Before: 15 * time.Minute, After: 30 * time.Minute, Skew: 2 * time.Minute}
	grant := func(id uint, recorded time.Time) Grant {
		return Grant{ID: id, Technician: alice, Device: pc42, Scope: "remote", From: at(-1), To: at(8), Recorded: recorded}
	}
	access := session(at(0), at(1)) // 10:00 to 11:00
	tests := []struct {
		name     string
		grants   []Grant
		covered  uint
		late     uint
		recorded time.Time
	}{
		{"recorded at 11:00, an hour after the access began: late", []Grant{grant(7, at(1))}, 0, 7, at(1)},
		{"recorded at 09:59: covered", []Grant{grant(7, at(-1.0/60))}, 7, 0, time.Time{}},
		{"recorded at 10:02, within the skew: covered", []Grant{grant(7, at(2.0/60))}, 7, 0, time.Time{}},
		{"recorded a second past the skew: late", []Grant{grant(7, at(2.0/60).Add(time.Second))}, 0, 7, at(2.0 / 60).Add(time.Second)},
		{"recording time unknown: covered", []Grant{grant(7, time.Time{})}, 7, 0, time.Time{}},
		{"one late, one in time: covered by the one in time", []Grant{grant(7, at(1)), grant(8, at(-2))}, 8, 0, time.Time{}},
		{"two late: the one recorded first", []Grant{grant(7, at(3)), grant(8, at(1))}, 0, 8, at(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Match([]Event{access}, append([]Grant(nil), tt.grants...), opts)[0]
			if d.CoveredBy != tt.covered || d.Late != tt.late || !d.LateRecorded.Equal(tt.recorded) {
				t.Fatalf("covered by %d, late %d recorded %s; want %d, %d, %s", d.CoveredBy, d.Late, d.LateRecorded, tt.covered, tt.late, tt.recorded)
			}
			if (d.CoveredBy != 0 || d.Late != 0) && len(d.Misses) != 0 {
				t.Errorf("a decided access explains misses %+v", d.Misses)
			}
		})
	}
}

// TestMatch_ExplanationDoesNotDependOnEarlierEvents: the grant an access is
// explained by as the one that ended last is the one that ended last before it,
// whether or not an earlier access of the technician fell between the two grants'
// ends (which evicts the shorter one from the active set first).
func TestMatch_ExplanationDoesNotDependOnEarlierEvents(t *testing.T) {
	grants := []Grant{
		{ID: 1, Technician: alice, Device: pc42, Scope: "remote", From: at(0), To: at(2)},
		{ID: 2, Technician: alice, Device: pc42, Scope: "remote", From: at(0.5), To: at(1.5)},
	}
	between := Event{ID: 1, Scope: "remote", Start: at(1.8), End: at(1.9), Technician: alice, Device: pc42}
	later := Event{ID: 2, Scope: "remote", Start: at(3), End: at(3.5), Technician: alice, Device: pc42}
	for name, events := range map[string][]Event{
		"alone":                  {later},
		"after an access at 1.8": {between, later},
	} {
		ds := Match(events, append([]Grant(nil), grants...), Options{})
		d := ds[len(ds)-1]
		if d.Event != 2 || len(d.Misses) != 1 || d.Misses[0].Grant != 1 || d.Misses[0].Reason != ReasonEnded {
			t.Errorf("%s: the later access's decision = %+v, want grant 1 (which ended last) ended", name, d)
		}
	}
}
