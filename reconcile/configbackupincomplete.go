package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/vocab"
)

// RuleConfigBackupIncomplete is the id of CONFIG-BACKUP-INCOMPLETE.
const RuleConfigBackupIncomplete = "CONFIG-BACKUP-INCOMPLETE"

var configBackupIncomplete = Spec{
	Key: "config_backup_incomplete", Severity: vocab.Medium,
	Description: "a network device installed or replaced within `window` lacks the old-and-new backup pair",
	New: func() Settings {
		return &ConfigBackupIncomplete{
			Window: duration.Duration(30 * 24 * time.Hour),
			Old:    config.MustPattern(`(?i)(^|[^a-z])(old|before|pre|previous)([^a-z]|$)`),
			New:    config.MustPattern(`(?i)(^|[^a-z])(new|after|post|current)([^a-z]|$)`),
		}
	},
}

// ConfigBackupIncomplete fires for a network device installed or replaced within
// Window that lacks the old-and-new pair of configuration backups, told apart by
// their file names.
type ConfigBackupIncomplete struct {
	Base
	// Window is how long after its installation a device must have both backups.
	Window duration.Duration `toml:"window"`
	// Old and New are matched against backup file names to tell the old device's
	// configuration from the new one's.
	Old config.Pattern `toml:"old_pattern"`
	New config.Pattern `toml:"new_pattern"`
}

// ID implements Rule.
func (ConfigBackupIncomplete) ID() string { return RuleConfigBackupIncomplete }

// Validate checks the settings.
func (r *ConfigBackupIncomplete) Validate() []config.Problem {
	return positive("window", r.Window)
}

// Evaluate implements Rule.
func (r ConfigBackupIncomplete) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, c := range in.Configurations {
		if c.InstalledAt == nil || c.InstalledAt.After(now) || now.Sub(*c.InstalledAt) > r.Window.Std() {
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
