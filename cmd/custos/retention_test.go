package main

import (
	"strings"
	"testing"
	"time"
)

// TestRetention_DryRunThenRun runs retention on the demo's store two years and a
// half later: the dry run says what would go and changes nothing (a second dry run
// says the same), the run does what the dry run said, and a dry run after it finds
// nothing more to delete.
func TestRetention_DryRunThenRun(t *testing.T) {
	config, _ := demoStore(t)
	defer func(c func() time.Time) { clock = c }(clock)
	later := time.Now().AddDate(2, 6, 0)
	clock = func() time.Time { return later }

	dry := mustRun(t, "--config", config, "retention", "run", "--dry-run")
	if again := mustRun(t, "--config", config, "retention", "run", "--dry-run"); again != dry {
		t.Errorf("a second dry run differs, so the first changed something:\n%s\n---\n%s", dry, again)
	}
	if strings.Contains(dry, "access_events: 0 would be deleted") || !strings.Contains(dry, "would be deleted (past access_events)") {
		t.Errorf("the dry run 30 months later deletes no access event:\n%s", dry)
	}
	done := mustRun(t, "--config", config, "retention", "run")
	if want := strings.ReplaceAll(dry, "would be ", ""); done != want {
		t.Errorf("the run did not do what the dry run said:\n%s\n--- want\n%s", done, want)
	}
	if after := mustRun(t, "--config", config, "retention", "run", "--dry-run"); !strings.Contains(after, "access_events: 0 would be deleted") {
		t.Errorf("after the run, the dry run still finds access events to delete:\n%s", after)
	}
}
