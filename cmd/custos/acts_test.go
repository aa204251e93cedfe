package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestDemo_FindingsNameTheAct reads each of the demo's findings alone: every access
// finding says who did what on what, and no summary is cut or names a tenant by its
// id where the customer is known.
func TestDemo_FindingsNameTheAct(t *testing.T) {
	config, _ := demoStore(t)
	// acts are the plain-words operations the demo's access findings must use.
	acts := regexp.MustCompile(`\b(deleted (user|file) \S+|opened mailbox \S+|changed mailbox \S+|reset user password on \S+|added member to group \S+|` +
		`signed in to \w|had a (remote control|remote takeover|chat) session|ran (a command|quick job|job) |uninstalled the agent|switched to backstage)`)
	target := regexp.MustCompile(` (on [A-Z]+-[A-Z]+-?\d+|in the Microsoft 365 tenant of [A-Z]\w+)`)
	guid := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	access := map[string]bool{"ACCESS-UNAUTHORISED": true, "COMMAND-UNAUTHORISED": true, "REMOVAL-WITHOUT-BACKUP": true, "ACCESS-AFTER-REVOKE": true}
	seen := 0
	for _, f := range findingsJSON(t, "--config", config, "findings", "--json") {
		if strings.Contains(f.Summary, "…") || (f.Customer != "" && guid.MatchString(f.Summary)) {
			t.Errorf("finding %d (%s) is cut or names a tenant id: %s", f.ID, f.Rule, f.Summary)
		}
		if !access[f.Rule] {
			continue
		}
		seen++
		if !acts.MatchString(f.Summary) {
			t.Errorf("finding %d (%s) names no act: %s", f.ID, f.Rule, f.Summary)
		}
		if f.Rule != "ACCESS-AFTER-REVOKE" && !target.MatchString(f.Summary) {
			t.Errorf("finding %d (%s) names no device or tenant: %s", f.ID, f.Rule, f.Summary)
		}
		if strings.Contains(f.Summary, "onmicrosoft.com") {
			t.Errorf("finding %d (%s) names the partner identity, not the technician: %s", f.ID, f.Rule, f.Summary)
		}
	}
	if seen < 10 {
		t.Errorf("the demo raised %d access findings; want at least 10 to read", seen)
	}
}
