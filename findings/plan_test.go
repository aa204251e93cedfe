package findings_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

var (
	now      = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	earlier  = now.Add(-24 * time.Hour)
	alice    = uint(1)
	bob      = uint(2)
	device7  = uint(7)
	excluded = store.Exclusion{ID: 3, Rule: "r1", CustomerID: &alice, Reason: "maintenance", Owner: "Sam", ExpiresAt: now.Add(72 * time.Hour)}
	// excludedReason is what excluded writes as the status reason of a finding it suppresses.
	excludedReason = "exclusion 3 until 2026-11-23: maintenance"
)

// reported is what rule R1 reports about subject fp of customer alice.
func reported(fp string, severity vocab.Severity) findings.Input {
	return findings.Input{Rule: "R1", Fingerprint: fp, Subject: "s-" + fp, CustomerID: &alice, Severity: severity, Summary: "about " + fp, Evidence: "access_events:1"}
}

// stored is the finding reported(fp, severity) left in the store, with the given status.
func stored(id uint, fp string, severity vocab.Severity, status, by, reason string) store.Finding {
	in := reported(fp, severity)
	f := store.Finding{
		ID: id, Rule: in.Rule, Fingerprint: fp, Subject: in.Subject, CustomerID: in.CustomerID, Severity: severity,
		Summary: in.Summary, Evidence: in.Evidence, FirstSeen: earlier, LastSeen: earlier, Status: status, StatusBy: by, StatusReason: reason,
	}
	if status == store.StatusResolved {
		f.ResolvedAt = &earlier
	}
	return f
}

// change is what a test expects of one change: "fingerprint kind event status by reason".
func change(c findings.Change) string {
	f := c.Finding
	return strings.TrimSpace(fmt.Sprintf("%s %s %s %s %s %s", f.Fingerprint, c.Kind, c.Event, f.Status, f.StatusBy, f.StatusReason))
}

func TestPlanChanges_EveryTransition(t *testing.T) {
	r1 := store.FindingScope{Rules: []string{"R1"}}
	tests := []struct {
		name       string
		scope      store.FindingScope
		existing   []store.Finding
		exclusions []store.Exclusion
		found      []findings.Input
		want       []string
	}{
		{"new finding opens", r1, nil, nil, []findings.Input{reported("a", "high")},
			[]string{"a open opened open"}},
		{"reported twice in one run changes once", r1, nil, nil, []findings.Input{reported("a", "high"), reported("a", "high")},
			[]string{"a open opened open"}},
		{"seen again unchanged is refreshed", r1, []store.Finding{stored(1, "a", "high", "open", "", "")}, nil,
			[]findings.Input{reported("a", "high")}, []string{"a refresh  open"}},
		{"seen again with new summary and evidence is refreshed, no news", r1, []store.Finding{stored(1, "a", "high", "open", "", "")}, nil,
			[]findings.Input{func() findings.Input {
				in := reported("a", "high")
				in.Summary, in.Evidence = "2 sessions", "access_events:1,access_events:2"
				return in
			}()},
			[]string{"a refresh  open"}},
		{"higher severity escalates", r1, []store.Finding{stored(1, "a", "medium", "open", "", "")}, nil,
			[]findings.Input{reported("a", "critical")}, []string{"a escalate escalated open"}},
		{"lower severity is only refreshed", r1, []store.Finding{stored(1, "a", "high", "open", "", "")}, nil,
			[]findings.Input{reported("a", "low")}, []string{"a refresh  open"}},
		{"resolved and found again re-opens", r1, []store.Finding{stored(1, "a", "high", "resolved", "custos", "condition no longer holds")}, nil,
			[]findings.Input{reported("a", "high")}, []string{"a reopen reopened open custos condition returned"}},
		{"an exclusion suppresses a new finding silently", r1, nil, []store.Exclusion{excluded},
			[]findings.Input{reported("a", "high")}, []string{"a suppress  suppressed Sam " + excludedReason}},
		{"an exclusion suppresses an open finding silently", r1, []store.Finding{stored(1, "a", "high", "open", "", "")}, []store.Exclusion{excluded},
			[]findings.Input{reported("a", "critical")}, []string{"a suppress  suppressed Sam " + excludedReason}},
		{"still excluded stays suppressed", r1, []store.Finding{stored(1, "a", "high", "suppressed", "Sam", excludedReason)}, []store.Exclusion{excluded},
			[]findings.Input{reported("a", "critical")}, []string{"a refresh  suppressed Sam " + excludedReason}},
		{"suppressed by an exclusion since replaced takes the new one's reason", r1,
			[]store.Finding{stored(1, "a", "high", "suppressed", "Kim", "exclusion 2 until 2026-11-21: old")}, []store.Exclusion{excluded},
			[]findings.Input{reported("a", "high")}, []string{"a suppress  suppressed Sam " + excludedReason}},
		{"exclusion expired or ended: back to open, and that is news", r1,
			[]store.Finding{stored(1, "a", "high", "suppressed", "Sam", excludedReason)}, nil,
			[]findings.Input{reported("a", "high")}, []string{"a unsuppress reopened open custos no exclusion matches it any more"}},
		{"an exclusion of another customer does not match", r1, nil,
			[]store.Exclusion{{ID: 4, CustomerID: &bob, Reason: "x", Owner: "Sam", ExpiresAt: now.Add(time.Hour)}},
			[]findings.Input{reported("a", "high")}, []string{"a open opened open"}},
		{"acknowledged and seen again stays acknowledged", r1, []store.Finding{stored(1, "a", "high", "acknowledged", "Kim", "ticket 42")}, nil,
			[]findings.Input{reported("a", "high")}, []string{"a refresh  acknowledged Kim ticket 42"}},
		{"acknowledged and escalated stays acknowledged", r1, []store.Finding{stored(1, "a", "low", "acknowledged", "Kim", "ticket 42")}, nil,
			[]findings.Input{reported("a", "high")}, []string{"a escalate escalated acknowledged Kim ticket 42"}},
		{"resolved by hand and found again with the same evidence stays resolved", r1,
			[]store.Finding{stored(1, "a", "high", "resolved", "Kim", "false positive: test tenant")}, nil,
			[]findings.Input{reported("a", "high")}, []string{"a refresh  resolved Kim false positive: test tenant"}},
		{"resolved by hand and found again with new evidence re-opens", r1,
			[]store.Finding{stored(1, "a", "high", "resolved", "Kim", "false positive: test tenant")}, nil,
			[]findings.Input{func() findings.Input {
				in := reported("a", "high")
				in.Evidence = "access_events:1,access_events:9"
				return in
			}()}, []string{"a reopen reopened open custos found again with new evidence after it was resolved by hand"}},
		{"resolved by custos re-opens with the same evidence", r1,
			[]store.Finding{stored(1, "a", "high", "resolved", "", "condition no longer holds")}, nil,
			[]findings.Input{reported("a", "high")}, []string{"a reopen reopened open custos condition returned"}},
		{"resolved by hand and excluded now is suppressed", r1,
			[]store.Finding{stored(1, "a", "high", "resolved", "Kim", "false positive")}, []store.Exclusion{excluded},
			[]findings.Input{reported("a", "high")}, []string{"a suppress  suppressed Sam " + excludedReason}},
		{"not found any more resolves with a note", r1, []store.Finding{stored(1, "a", "high", "open", "", ""), stored(2, "b", "low", "acknowledged", "Kim", "")}, nil,
			nil, []string{"a resolve resolved resolved custos condition no longer holds", "b resolve resolved resolved custos condition no longer holds"}},
		{"a suppressed finding resolves silently", r1, []store.Finding{stored(1, "a", "high", "suppressed", "Sam", excludedReason)}, []store.Exclusion{excluded},
			nil, []string{"a resolve  resolved custos condition no longer holds"}},
		{"a resolved finding not found is left alone", r1, []store.Finding{stored(1, "a", "high", "resolved", "custos", "condition no longer holds")}, nil,
			nil, nil},
		{"a rule not evaluated (failed) keeps its findings", r1,
			[]store.Finding{func() store.Finding { f := stored(1, "z", "high", "open", "", ""); f.Rule = "R2"; return f }()}, nil,
			nil, nil},
		{"a customer's evaluation leaves other customers' findings alone", store.FindingScope{Rules: []string{"R1"}, CustomerID: &alice},
			[]store.Finding{stored(1, "a", "high", "open", "", ""), func() store.Finding { f := stored(2, "b", "high", "open", "", ""); f.CustomerID = &bob; return f }()}, nil,
			nil, []string{"a resolve resolved resolved custos condition no longer holds"}},
		{"found first in the order found, then resolutions in id order", r1,
			[]store.Finding{stored(1, "gone", "high", "open", "", ""), stored(2, "kept", "high", "open", "", "")}, nil,
			[]findings.Input{reported("new", "high"), reported("kept", "high")},
			[]string{"new open opened open", "kept refresh  open", "gone resolve resolved resolved custos condition no longer holds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := findings.PlanChanges(tt.scope, store.FindingState{Existing: tt.existing, Exclusions: tt.exclusions}, tt.found, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, change(c))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("changes\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPlanChanges_RefusesFindingsOutsideItsScope(t *testing.T) {
	other := reported("b", "high")
	other.CustomerID = &bob
	tests := []struct {
		name  string
		scope store.FindingScope
		found findings.Input
	}{
		{"a rule not evaluated", store.FindingScope{Rules: []string{"R2"}}, reported("a", "high")},
		{"another customer", store.FindingScope{Rules: []string{"R1"}, CustomerID: &alice}, other},
		{"no customer in a customer's evaluation", store.FindingScope{Rules: []string{"R1"}, CustomerID: &alice},
			func() findings.Input { in := reported("c", "high"); in.CustomerID = nil; return in }()},
		{"a day not evaluated", store.FindingScope{Rules: []string{"R1"}, CustomerID: &alice, Days: &store.DaySpan{From: now.Truncate(24 * time.Hour)}},
			func() findings.Input { in := reported("d", "high"); in.Day = earlier.Format(time.DateOnly); return in }()},
	}
	for _, tt := range tests {
		if _, err := findings.PlanChanges(tt.scope, store.FindingState{}, []findings.Input{tt.found}, now); err == nil {
			t.Errorf("%s: a finding outside the scope was accepted", tt.name)
		}
	}
}

// TestPlanChanges_DaysScope: an evaluation of some days resolves the findings about
// those days and about no one day that it did not find again, never one about
// another day.
func TestPlanChanges_DaysScope(t *testing.T) {
	day := func(f store.Finding, d time.Time) store.Finding { f.Day = d.Format(time.DateOnly); return f }
	state := store.FindingState{Existing: []store.Finding{
		day(stored(1, "yesterday", "high", store.StatusOpen, "", ""), earlier),
		day(stored(2, "today", "high", store.StatusOpen, "", ""), now),
		stored(3, "no day", "high", store.StatusOpen, "", ""),
	}}
	scope := store.FindingScope{Rules: []string{"R1"}, CustomerID: &alice, Days: &store.DaySpan{From: now.Truncate(24 * time.Hour)}}
	p, err := findings.PlanChanges(scope, state, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, fmt.Sprintf("%s %s", c.Kind, c.Finding.Fingerprint))
	}
	if want := []string{"resolve today", "resolve no day"}; !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
}

func TestPlanChanges_RowsAsTheChangesLeaveThem(t *testing.T) {
	existing := []store.Finding{
		stored(1, "back", "high", "resolved", "custos", "condition no longer holds"),
		stored(2, "gone", "medium", "open", "", ""),
	}
	p, err := findings.PlanChanges(store.FindingScope{Rules: []string{"R1"}}, store.FindingState{Existing: existing},
		[]findings.Input{reported("new", "high"), reported("back", "critical")}, now)
	if err != nil {
		t.Fatal(err)
	}
	byFP := map[string]findings.Change{}
	for _, c := range p.Changes {
		byFP[c.Finding.Fingerprint] = c
	}
	if f := byFP["new"].Finding; f.ID != 0 || !f.FirstSeen.Equal(now) || !f.LastSeen.Equal(now) || byFP["new"].Was != nil {
		t.Errorf("new finding = %+v, want unsaved, first and last seen now", f)
	}
	if f := byFP["back"].Finding; f.ID != 1 || !f.FirstSeen.Equal(earlier) || !f.LastSeen.Equal(now) || f.ResolvedAt != nil || f.Severity != "critical" {
		t.Errorf("re-opened finding = %+v, want first seen kept, last seen now, no longer resolved, critical", f)
	}
	if f := byFP["gone"].Finding; f.ResolvedAt == nil || !f.ResolvedAt.Equal(now) || !f.LastSeen.Equal(earlier) || f.Severity != "medium" {
		t.Errorf("resolved finding = %+v, want resolved now, last seen and severity kept", f)
	}
	if was := byFP["gone"].Was; was.Status != store.StatusOpen {
		t.Errorf("the plan changed the stored finding it was given: %+v", was)
	}
}

func TestPlan_WritesAndCounts(t *testing.T) {
	changed := reported("changed", "high")
	changed.Summary = "something else"
	existing := []store.Finding{
		stored(1, "same", "high", "open", "", ""),
		stored(2, "changed", "high", "open", "", ""),
		stored(3, "up", "low", "open", "", ""),
		stored(4, "back", "high", "resolved", "custos", "condition no longer holds"),
		stored(5, "gone", "medium", "open", "", ""),
		stored(6, "hushed", "high", "open", "", ""),
	}
	hush := store.Exclusion{ID: 9, Rule: "R1", DeviceID: &device7, Reason: "known", Owner: "Sam", ExpiresAt: now.Add(time.Hour)}
	hushed := reported("hushed", "high")
	hushed.DeviceID = &device7
	p, err := findings.PlanChanges(store.FindingScope{Rules: []string{"R1"}}, store.FindingState{Existing: existing, Exclusions: []store.Exclusion{hush}},
		[]findings.Input{reported("new", "medium"), reported("same", "high"), changed, reported("up", "high"), reported("back", "high"), hushed}, now)
	if err != nil {
		t.Fatal(err)
	}
	w := p.Writes()
	fps := func(fs []store.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Fingerprint)
		}
		return out
	}
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"inserted", fps(w.Insert), []string{"new"}},
		{"updated in full", fps(w.Update), []string{"changed", "up", "back", "hushed"}},
		{"only seen", fps(w.Seen), []string{"same"}},
		{"only status", fps(w.StatusOnly), []string{"gone"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	var outbox []string
	for _, e := range w.Outbox {
		outbox = append(outbox, fmt.Sprintf("%d:%s:%s:%s", e.FindingID, e.Fingerprint, e.Event, e.Severity))
		if !e.CreatedAt.Equal(now) {
			t.Errorf("outbox entry %s written at %v, want %v", e.Fingerprint, e.CreatedAt, now)
		}
	}
	want := []string{"0:new:opened:medium", "3:up:escalated:high", "4:back:reopened:high", "5:gone:resolved:medium"}
	if !slices.Equal(outbox, want) {
		t.Errorf("outbox %v, want %v (in the order of the changes; a new finding's id is filled in by the store)", outbox, want)
	}
	var history []string
	for _, e := range w.History {
		history = append(history, fmt.Sprintf("%d:%s:%s:%s:%s", e.FindingID, e.Fingerprint, e.Actor, e.Action, e.Note))
		if !e.At.Equal(now) {
			t.Errorf("history entry of %s at %v, want %v", e.Fingerprint, e.At, now)
		}
	}
	wantHistory := []string{
		"0:new:custos:opened:", "3:up:custos:escalated:severity rose from low to high", "4:back:custos:reopened:condition returned",
		"6:hushed:custos:suppressed:exclusion 9 until 2026-11-20: known", "5:gone:custos:resolved:condition no longer holds",
	}
	if !slices.Equal(history, wantHistory) {
		t.Errorf("history %q, want %q (every change but a refresh, in order)", history, wantHistory)
	}
	if got, want := p.Result(), (findings.Result{Opened: 1, Reopened: 1, Updated: 4, Resolved: 1}); got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}
}

func TestChange_OutcomeSummarisesThePlanForAPreview(t *testing.T) {
	tests := []struct {
		c    findings.Change
		want string
	}{
		{findings.Change{Kind: findings.Open}, findings.PreviewNew},
		{findings.Change{Kind: findings.Suppress, Exclusion: &excluded}, findings.PreviewSuppressed},
		{findings.Change{Kind: findings.Refresh, Exclusion: &excluded}, findings.PreviewSuppressed},
		{findings.Change{Kind: findings.Reopen}, findings.PreviewReopen},
		{findings.Change{Kind: findings.Unsuppress}, findings.PreviewReopen},
		{findings.Change{Kind: findings.Escalate}, findings.PreviewOpen},
		{findings.Change{Kind: findings.Refresh}, findings.PreviewOpen},
		{findings.Change{Kind: findings.Resolve}, findings.PreviewResolve},
	}
	for _, tt := range tests {
		if got := tt.c.Outcome(); got != tt.want {
			t.Errorf("%s (excluded %v): outcome %q, want %q", tt.c.Kind, tt.c.Exclusion != nil, got, tt.want)
		}
	}
}

func TestPlanChanges_ExclusionScope(t *testing.T) {
	onDevice := reported("a", "high")
	onDevice.DeviceID, onDevice.TechnicianID = &device7, &bob
	tests := []struct {
		name string
		x    store.Exclusion
		want bool
	}{
		{"rule, in any case", store.Exclusion{Rule: "r1"}, true},
		{"another rule", store.Exclusion{Rule: "R2"}, false},
		{"the customer", store.Exclusion{CustomerID: &alice}, true},
		{"another customer", store.Exclusion{CustomerID: &bob}, false},
		{"the technician", store.Exclusion{TechnicianID: &bob}, true},
		{"another technician", store.Exclusion{TechnicianID: &alice}, false},
		{"the device and rule", store.Exclusion{Rule: "R1", DeviceID: &device7}, true},
		{"another device", store.Exclusion{Rule: "R1", DeviceID: &alice}, false},
	}
	for _, tt := range tests {
		tt.x.ID, tt.x.Owner, tt.x.ExpiresAt = 1, "Sam", now.Add(time.Hour)
		p, err := findings.PlanChanges(store.FindingScope{Rules: []string{"R1"}}, store.FindingState{Exclusions: []store.Exclusion{tt.x}},
			[]findings.Input{onDevice}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Changes[0].Kind == findings.Suppress; got != tt.want {
			t.Errorf("%s: suppressed %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPlan_ResultDoesNotCountAFindingResolvedByHandAsOpen(t *testing.T) {
	existing := []store.Finding{stored(1, "a", "high", "resolved", "Kim", "false positive"), stored(2, "b", "high", "acknowledged", "Kim", "on it")}
	p, err := findings.PlanChanges(store.FindingScope{Rules: []string{"R1"}}, store.FindingState{Existing: existing},
		[]findings.Input{reported("a", "high"), reported("b", "high")}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Result(), (findings.Result{Updated: 1}); got != want {
		t.Errorf("result %+v, want %+v: the acknowledged finding is still open, the one resolved by hand is not", got, want)
	}
}
