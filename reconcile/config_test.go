package reconcile_test

import (
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/config/configtest"
	"github.com/custos-msp/custos/reconcile"
)

// The rules' tables are decoded and validated by package reconcile, with the rest of
// the file: these tests parse whole files with reconcile.Check, as Custos loads them.

// TestParse_BadRuleFiles runs every testdata/*.bad.toml: each holds one mistake in
// the rules' tables and must be reported under its key path with a reason that says
// what is wrong, and nothing else.
func TestParse_BadRuleFiles(t *testing.T) {
	configtest.RunBadFiles(t, []configtest.BadFile{
		{"rules_agent_lingering_after", "rules.agent_lingering.after", "must be positive", false},
		{"rules_removal_backup_max_age", "rules.removal_without_backup.backup_max_age", "must be positive", false},
		{"rules_late_skew_negative", "rules.access_authorised_late.skew", "must not be negative", false},
		{"rules_late_skew_long", "rules.access_authorised_late.skew", "must be at most 1h0m0s", false},
		{"rules_missing_severity", "rules.config_backup_missing.severity", `"urgent" is not one of info, low, medium, high, critical`, false},
		{"rules_stale_severity", "rules.config_backup_stale.severity", `"High" is not one of`, false},
		{"rules_stale_max_age", "rules.config_backup_stale.max_age", "must be positive", false},
		{"rules_gdap_forbidden_role", "rules.gdap_global_admin.forbidden_roles[0]", "is not a role template id", false},
		{"rules_gdap_expiring_within", "rules.gdap_expiring.within", "must be positive", false},
		{"rules_audit_gap_after", "rules.audit_gap.after", "must be positive", false},
		{"rules_audit_gap_streams", "rules.audit_gap.streams[0]", "is not connector/stream", false},
		{"rules_notify_failing_after", "rules.notify_failing.after", "must be positive", false},
		{"rules_report_missing_day", "rules.report_missing.day", "between 1 and 28", false},
		{"rules_incomplete_severity", "rules.config_backup_incomplete.severity", `"" is not one of`, false},
		{"rules_incomplete_window", "rules.config_backup_incomplete.window", "must be positive", false},
		{"rules_incomplete_old_pattern", "rules.config_backup_incomplete.old_pattern", "invalid regular expression", false},
		{"rules_incomplete_new_pattern", "rules.config_backup_incomplete.new_pattern", "invalid regular expression", false},
		{"rules_unknown_key", "rules.config_backup_stale.max_agee", "unknown key", false},
		{"rules_bad_duration", "rules.config_backup_stale.max_age", `line 2: invalid duration "90 days"`, false},
		{"rules_unknown_rule", "rules.config_backup_stal", `is not a rule; did you mean "config_backup_stale"? (the rules are config_backup_missing, config_backup_stale`, false},
		{"rules_notify_route_rule", "notify.routes[0].rules[1]", `"ACCESS-UNAUTHORIZED" is not a rule id; the rules are CONFIG-BACKUP-MISSING`, false},
	}, reconcile.Check)
}

func TestParse_ReportsEveryProblemAtOnce(t *testing.T) {
	doc := `
[log]
level = "loud"
colour = true

[sync]
batch_size = 0

[connectors.itglue]
enabled = true
page_size = 0

[rules.config_backup_stale]
severity = "severe"
max_age = "0s"
`
	problems := configtest.Problems(t, "custos.toml", []byte(doc), reconcile.Check)
	want := []struct{ key, reason string }{
		{"log.level", "is not one of"},
		{"log.colour", "unknown key"},
		{"sync.batch_size", "between 1 and 10000"},
		{"connectors.itglue.api_key", "must name where the key is kept"},
		{"connectors.itglue.page_size", "between 1 and 1000"},
		{"rules.config_backup_stale.severity", "is not one of"},
		{"rules.config_backup_stale.max_age", "must be positive"},
	}
	for _, w := range want {
		if !configtest.HasProblem(problems, w.key, w.reason) {
			t.Errorf("missing problem %s: %s", w.key, w.reason)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("got %d problems, want %d: %q", len(problems), len(want), problems)
	}
	for i := 1; i < len(problems); i++ {
		if problems[i-1].Key > problems[i].Key {
			t.Errorf("problems are not sorted by key: %q before %q", problems[i-1].Key, problems[i].Key)
		}
	}

	_, err := config.Parse("/etc/custos/custos.toml", []byte(doc), reconcile.Check)
	msg := err.Error()
	if !strings.Contains(msg, "/etc/custos/custos.toml") || !strings.Contains(msg, "7 problem(s)") {
		t.Errorf("error text %q does not name the file and the count", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w.key+": ") {
			t.Errorf("error text does not list %s:\n%s", w.key, msg)
		}
	}
}

// TestParse_EveryBadTypedValueAtOnce: values that decode themselves (durations,
// severities), values of the wrong type and unknown keys are each reported with
// their whole key path and line, and the rest of the file is still validated.
func TestParse_EveryBadTypedValueAtOnce(t *testing.T) {
	doc := `
[sync]
batch_size = 0

[rules.config_backup_stale]
max_age = "ninety days"

[rules.agent_lingering]
after = "soon"
enabled = "yes"
severty = "high"

[[notify.routes]]
receivers = ["x"]

[[notify.routes]]
receivers = ["x"]
severities = ["high", "urgent"]
`
	problems := configtest.Problems(t, "custos.toml", []byte(doc), reconcile.Check)
	for _, w := range []struct{ key, reason string }{
		{"sync.batch_size", "between 1 and 10000"},
		{"rules.config_backup_stale.max_age", `line 6: invalid duration "ninety days"`},
		{"rules.agent_lingering.after", `line 9: invalid duration "soon"`},
		{"rules.agent_lingering.enabled", "line 10: incompatible types: the value is a string; write true or false"},
		{"rules.agent_lingering.severty", `line 11: unknown key; did you mean "severity"?`},
		{"notify.routes[1].severities[1]", `"urgent" is not one of`},
	} {
		if !configtest.HasProblem(problems, w.key, w.reason) {
			t.Errorf("missing problem %s: %s in %q", w.key, w.reason, problems)
		}
	}
}
