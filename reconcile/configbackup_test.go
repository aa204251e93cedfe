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

// configured builds the rules cfg enables, failing on any problem.
func configured(t testing.TB, cfg *config.Config) *reconcile.RuleSet {
	t.Helper()
	set, problems := reconcile.Configure(cfg)
	if len(problems) > 0 {
		t.Fatalf("Configure: %q", problems)
	}
	return set
}

// defaultRules are the rules the default configuration enables, by id.
func defaultRules(t *testing.T) map[string]reconcile.Rule {
	t.Helper()
	byID := map[string]reconcile.Rule{}
	for _, r := range configured(t, new(config.Default())).Rules {
		byID[r.ID()] = r
	}
	return byID
}

// deviceCase is one device and whether a rule fires on it, saying what.
type deviceCase struct {
	name   string
	device store.CheckedConfiguration
	fires  bool
	says   string
}

// assertDeviceCases evaluates the default configuration's rule id on each case's
// device alone.
func assertDeviceCases(t *testing.T, id string, tests []deviceCase) {
	t.Helper()
	rule := defaultRules(t)[id]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rule.Evaluate(&reconcile.Input{Configurations: []store.CheckedConfiguration{tt.device}}, now)
			if (len(got) == 1) != tt.fires || len(got) > 1 {
				t.Fatalf("%s fired %d times, want fires=%v: %+v", id, len(got), tt.fires, got)
			}
			if !tt.fires {
				return
			}
			f := got[0]
			if !regexp.MustCompile(regexp.QuoteMeta(tt.says)).MatchString(f.Summary) {
				t.Errorf("summary %q does not say %q", f.Summary, tt.says)
			}
			if f.Rule != id || f.CustomerID == nil || *f.CustomerID != 7 || f.Subject != "itglue:configuration:"+tt.device.SourceID {
				t.Errorf("finding %+v: wrong rule, customer or subject", f)
			}
		})
	}
}

// TestBackupStale is the predicate CONFIG-BACKUP-STALE and the report share.
func TestBackupStale(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name      string
		taken     time.Time
		installed *time.Time
		maxAge    time.Duration
		want      reconcile.BackupState
	}{
		{"recent", daysAgo(10), nil, 90 * day, reconcile.BackupCurrent},
		{"exactly at the limit", daysAgo(90), nil, 90 * day, reconcile.BackupCurrent},
		{"past the limit", daysAgo(91), nil, 90 * day, reconcile.BackupTooOld},
		{"before the installation", daysAgo(20), ptr(daysAgo(5)), 90 * day, reconcile.BackupPredates},
		{"after the installation", daysAgo(4), ptr(daysAgo(5)), 90 * day, reconcile.BackupCurrent},
		{"no limit", daysAgo(900), nil, 0, reconcile.BackupCurrent},
	}
	for _, tt := range tests {
		if got := reconcile.BackupStale(tt.taken, tt.installed, now, tt.maxAge); got != tt.want {
			t.Errorf("%s: BackupStale = %v, want %v", tt.name, got, tt.want)
		}
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
