package reconcile_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func daysAgo(d int) time.Time { return now.Add(-time.Duration(d) * 24 * time.Hour) }

func device(name string, installed *time.Time, backups ...store.ConfigBackup) store.CheckedConfiguration {
	cust := uint(7)
	c := store.CheckedConfiguration{CustomerName: "Contoso"}
	c.ID = 1
	c.Source, c.SourceID = "itglue", "cfg-"+name
	c.CustomerID = &cust
	c.Name, c.TypeName = name, "Firewall"
	c.InstalledAt = installed
	c.Backups = backups
	return c
}

func backup(file string, created time.Time) store.ConfigBackup {
	return store.ConfigBackup{FileName: file, SourceCreatedAt: created}
}

func ptr(t time.Time) *time.Time { return &t }

func defaultRules(t *testing.T) map[string]reconcile.Rule {
	t.Helper()
	rules, err := reconcile.FromConfig(config.Default().Rules, config.Default().Authorisations)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]reconcile.Rule{}
	for _, r := range rules {
		byID[r.ID()] = r
	}
	return byID
}

func TestConfigBackupRules(t *testing.T) {
	rules := defaultRules(t)
	tests := []struct {
		name   string
		rule   string
		device store.CheckedConfiguration
		fires  bool
		says   string
	}{
		{"missing: no backup", reconcile.RuleConfigBackupMissing, device("fw", nil), true, "Firewall fw has no configuration backup"},
		{"missing: one backup", reconcile.RuleConfigBackupMissing, device("fw", nil, backup("fw.conf", daysAgo(3))), false, ""},
		{"stale: newest 200 days", reconcile.RuleConfigBackupStale, device("rtr", nil, backup("a.conf", daysAgo(300)), backup("b.conf", daysAgo(200))), true, "b.conf is 200 days old (limit 90 days)"},
		{"stale: newest recent", reconcile.RuleConfigBackupStale, device("rtr", nil, backup("a.conf", daysAgo(300)), backup("b.conf", daysAgo(10))), false, ""},
		{"stale: exactly at the limit", reconcile.RuleConfigBackupStale, device("rtr", nil, backup("b.conf", daysAgo(90))), false, ""},
		{"stale: predates installation", reconcile.RuleConfigBackupStale, device("fw", ptr(daysAgo(5)), backup("fw.conf", daysAgo(20))), true, "predates the device's installation"},
		{"stale: no backup is not stale", reconcile.RuleConfigBackupStale, device("fw", nil), false, ""},
		{"incomplete: only new", reconcile.RuleConfigBackupIncomplete, device("fw", ptr(daysAgo(10)), backup("fw-new-config.conf", daysAgo(9))), true, "lacks a backup of the old configuration"},
		{"incomplete: only old", reconcile.RuleConfigBackupIncomplete, device("fw", ptr(daysAgo(10)), backup("fw_old.conf", daysAgo(9))), true, "lacks a backup of the new configuration"},
		{"incomplete: none", reconcile.RuleConfigBackupIncomplete, device("fw", ptr(daysAgo(10))), true, "both the old and the new"},
		{"incomplete: pair present", reconcile.RuleConfigBackupIncomplete, device("fw", ptr(daysAgo(10)), backup("fw-old-config.conf", daysAgo(10)), backup("fw-new-config.conf", daysAgo(9))), false, ""},
		{"incomplete: 'newer' is not 'new'", reconcile.RuleConfigBackupIncomplete, device("fw", ptr(daysAgo(10)), backup("fw-old.conf", daysAgo(10)), backup("fw-newer.conf", daysAgo(9))), true, "new configuration"},
		{"incomplete: installed before the window", reconcile.RuleConfigBackupIncomplete, device("fw", ptr(daysAgo(45))), false, ""},
		{"incomplete: no installation date", reconcile.RuleConfigBackupIncomplete, device("fw", nil), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rules[tt.rule].Evaluate(&reconcile.Input{Configurations: []store.CheckedConfiguration{tt.device}}, now)
			if (len(got) == 1) != tt.fires || len(got) > 1 {
				t.Fatalf("%s fired %d times, want fires=%v: %+v", tt.rule, len(got), tt.fires, got)
			}
			if !tt.fires {
				return
			}
			f := got[0]
			if !regexp.MustCompile(regexp.QuoteMeta(tt.says)).MatchString(f.Summary) {
				t.Errorf("summary %q does not say %q", f.Summary, tt.says)
			}
			if f.Rule != tt.rule || f.CustomerID == nil || *f.CustomerID != 7 || f.Subject != "itglue:configuration:"+tt.device.SourceID {
				t.Errorf("finding %+v: wrong rule, customer or subject", f)
			}
		})
	}
}

func TestFingerprint_StableAndDistinct(t *testing.T) {
	a := reconcile.Fingerprint(reconcile.RuleConfigBackupMissing, "itglue:configuration:1")
	if a != reconcile.Fingerprint(reconcile.RuleConfigBackupMissing, "itglue:configuration:1") {
		t.Error("same rule and subject gave different fingerprints")
	}
	for _, other := range []string{
		reconcile.Fingerprint(reconcile.RuleConfigBackupStale, "itglue:configuration:1"),
		reconcile.Fingerprint(reconcile.RuleConfigBackupMissing, "itglue:configuration:2"),
	} {
		if other == a {
			t.Error("different rule or subject gave the same fingerprint")
		}
	}
}
