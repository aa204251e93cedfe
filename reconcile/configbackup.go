package reconcile

import (
	"fmt"
	"regexp"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// Rule ids of the configuration backup rules.
const (
	RuleConfigBackupMissing    = "CONFIG-BACKUP-MISSING"
	RuleConfigBackupStale      = "CONFIG-BACKUP-STALE"
	RuleConfigBackupIncomplete = "CONFIG-BACKUP-INCOMPLETE"
)

// ConfigBackupMissing fires for a network device with no configuration backup attached.
type ConfigBackupMissing struct {
	Severity vocab.Severity
}

// ID implements Rule.
func (ConfigBackupMissing) ID() string { return RuleConfigBackupMissing }

// Evaluate implements Rule.
func (r ConfigBackupMissing) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, c := range in.Configurations {
		if len(c.Backups) > 0 {
			continue
		}
		out = append(out, configFinding(r.ID(), r.Severity, c,
			fmt.Sprintf("%s %s has no configuration backup attached", c.TypeName, c.Name)))
	}
	return out
}

// ConfigBackupStale fires for a network device whose newest backup is older than
// MaxAge, or older than the device's installation.
type ConfigBackupStale struct {
	Severity vocab.Severity
	MaxAge   time.Duration
}

// ID implements Rule.
func (ConfigBackupStale) ID() string { return RuleConfigBackupStale }

// Evaluate implements Rule.
func (r ConfigBackupStale) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, c := range in.Configurations {
		newest, ok := newestBackup(c.Backups)
		if !ok {
			continue // CONFIG-BACKUP-MISSING covers it
		}
		var why string
		switch age := now.Sub(newest.SourceCreatedAt); {
		case c.InstalledAt != nil && newest.SourceCreatedAt.Before(*c.InstalledAt):
			why = fmt.Sprintf("newest backup %s (%s) predates the device's installation on %s",
				newest.FileName, newest.SourceCreatedAt.Format(time.DateOnly), c.InstalledAt.Format(time.DateOnly))
		case age > r.MaxAge:
			why = fmt.Sprintf("newest backup %s is %d days old (limit %d days)",
				newest.FileName, int(age.Hours()/24), int(r.MaxAge.Hours()/24))
		default:
			continue
		}
		f := configFinding(r.ID(), r.Severity, c, fmt.Sprintf("%s %s: %s", c.TypeName, c.Name, why))
		f.Evidence = append(f.Evidence, fmt.Sprintf("config_backups:%d", newest.ID))
		out = append(out, f)
	}
	return out
}

// ConfigBackupIncomplete fires for a network device installed or replaced within
// Window that lacks the old-and-new pair of configuration backups, told apart by
// their file names.
type ConfigBackupIncomplete struct {
	Severity vocab.Severity
	Window   time.Duration
	Old, New *regexp.Regexp
}

// ID implements Rule.
func (ConfigBackupIncomplete) ID() string { return RuleConfigBackupIncomplete }

// Evaluate implements Rule.
func (r ConfigBackupIncomplete) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, c := range in.Configurations {
		if c.InstalledAt == nil || c.InstalledAt.After(now) || now.Sub(*c.InstalledAt) > r.Window {
			continue
		}
		var hasOld, hasNew bool
		for _, b := range c.Backups {
			hasOld = hasOld || r.Old.MatchString(b.FileName)
			hasNew = hasNew || r.New.MatchString(b.FileName)
		}
		var lacking string
		switch {
		case hasOld && hasNew:
			continue
		case hasOld:
			lacking = "the new configuration"
		case hasNew:
			lacking = "the old configuration"
		default:
			lacking = "both the old and the new configuration"
		}
		out = append(out, configFinding(r.ID(), r.Severity, c,
			fmt.Sprintf("%s %s installed %s lacks a backup of %s", c.TypeName, c.Name, c.InstalledAt.Format(time.DateOnly), lacking)))
	}
	return out
}

// configFinding builds a finding about one configuration; its subject, and so its
// fingerprint, is the configuration's identity at its source.
func configFinding(rule string, severity vocab.Severity, c store.CheckedConfiguration, summary string) Finding {
	return Finding{
		Rule:       rule,
		Subject:    fmt.Sprintf("%s:configuration:%s", c.Source, c.SourceID),
		CustomerID: c.CustomerID,
		Severity:   severity,
		Summary:    summary,
		Evidence:   []string{fmt.Sprintf("configurations:%d", c.ID)},
	}
}

func newestBackup(bs []store.ConfigBackup) (store.ConfigBackup, bool) {
	var newest store.ConfigBackup
	for _, b := range bs {
		if b.SourceCreatedAt.After(newest.SourceCreatedAt) {
			newest = b
		}
	}
	return newest, len(bs) > 0
}
