package findings_test

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
)

func TestTriage_Apply(t *testing.T) {
	open := stored(5, "a", "high", "open", "", "")
	acked := stored(5, "a", "high", "acknowledged", "Kim", "on it")
	resolved := stored(5, "a", "high", "resolved", "custos", "condition no longer holds")
	suppressed := stored(5, "a", "high", "suppressed", "Sam", excludedReason)
	tr := func(a findings.Action, note, to string) findings.Triage {
		return findings.Triage{Action: a, By: "Priya", At: now, Note: note, To: to}
	}
	tests := []struct {
		name string
		f    store.Finding
		t    findings.Triage
		// want is "status by reason assignee resolved" of the finding as changed, or
		// the error's words when the triage is refused.
		want    string
		refused bool
	}{
		{"acknowledge an open finding", open, tr(findings.Acknowledged, "ticket 4411", ""), "acknowledged Priya ticket 4411 - open", false},
		{"acknowledge twice", acked, tr(findings.Acknowledged, "again", ""), "finding 5 (R1): cannot be acknowledged: it is acknowledged (by Kim), not open", true},
		{"acknowledge a resolved finding", resolved, tr(findings.Acknowledged, "late", ""), "it is resolved (by custos), not open", true},
		{"acknowledge a suppressed finding", suppressed, tr(findings.Acknowledged, "x", ""), "it is suppressed (by Sam), not open", true},
		{"acknowledge without a note", open, tr(findings.Acknowledged, "  ", ""), "a note is required", true},
		{"assign an acknowledged finding keeps its status", acked, tr(findings.Assigned, "", "Bob Jones"), "acknowledged Kim on it Bob Jones open", false},
		{"assign to nobody", open, tr(findings.Assigned, "x", " "), "name who gets it", true},
		{"assign a resolved finding", resolved, tr(findings.Assigned, "", "Bob"), "it is resolved (by custos)", true},
		{"comment on a resolved finding", resolved, tr(findings.Commented, "customer called", ""), "resolved custos condition no longer holds - resolved", false},
		{"comment without words", open, tr(findings.Commented, "", ""), "a note is required", true},
		{"resolve an acknowledged finding", acked, tr(findings.Resolved, "technician was on site", ""), "resolved Priya technician was on site - resolved", false},
		{"resolve a resolved finding", resolved, tr(findings.Resolved, "x", ""), "it is already resolved (by custos)", true},
		{"resolve a suppressed finding", suppressed, tr(findings.Resolved, "x", ""), "it is already suppressed (by Sam)", true},
		{"reopen a resolved finding", resolved, tr(findings.Reopened, "the customer disputes it", ""), "open Priya the customer disputes it - open", false},
		{"reopen an acknowledged finding", acked, tr(findings.Reopened, "Kim left", ""), "open Priya Kim left - open", false},
		{"reopen an open finding", open, tr(findings.Reopened, "x", ""), "it is open, not resolved or acknowledged", true},
		{"nobody did it", open, findings.Triage{Action: findings.Commented, Note: "x", At: now}, "say who you are", true},
		{"the lifecycle's actions are not a person's", open, tr(findings.Escalated, "x", ""), "cannot be escalated", true},
	}
	// A refusal for a missing input names it; one the finding's state refuses names none.
	blamed := map[string]string{"acknowledge without a note": "note", "assign to nobody": "to", "comment without words": "note", "nobody did it": "by"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, e, err := tt.t.Apply(tt.f)
			if tt.refused {
				var r *findings.Refusal
				if !errors.As(err, &r) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want a refusal saying %q", err, tt.want)
				}
				if r.Field != blamed[tt.name] {
					t.Errorf("the refusal blames field %q, want %q", r.Field, blamed[tt.name])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resolvedNow := "open"
			if f.ResolvedAt != nil && f.ResolvedAt.Equal(now) || tt.f.ResolvedAt != nil && f.ResolvedAt == tt.f.ResolvedAt {
				resolvedNow = "resolved"
			}
			got := fmt.Sprintf("%s %s %s %s %s", f.Status, f.StatusBy, f.StatusReason, cmp.Or(f.Assignee, "-"), resolvedNow)
			if got != tt.want {
				t.Errorf("finding %q, want %q", got, tt.want)
			}
			want := store.FindingEvent{FindingID: 5, At: now, Actor: "Priya", Action: string(tt.t.Action), Note: strings.TrimSpace(tt.t.Note), Assignee: tt.t.To}
			if e != want {
				t.Errorf("history entry %+v, want %+v", e, want)
			}
		})
	}
}

func TestPossible_ListsTheActionsAFindingsStateAllows(t *testing.T) {
	for status, want := range map[string]string{
		"open":         "acknowledged assigned commented resolved",
		"acknowledged": "assigned commented resolved reopened",
		"resolved":     "commented reopened",
		"suppressed":   "commented",
	} {
		var got []string
		for _, a := range findings.Possible(stored(5, "a", "high", status, "Kim", "x")) {
			got = append(got, string(a))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %v, want %s", status, got, want)
		}
	}
}
