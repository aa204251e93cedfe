package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleConfigBackupStale is the id of CONFIG-BACKUP-STALE.
const RuleConfigBackupStale = "CONFIG-BACKUP-STALE"

var configBackupStale = Spec{
	Key: "config_backup_stale", Severity: vocab.Medium,
	Description: "a network device's newest configuration backup is older than `max_age` or than the device's installation",
	New:         func() Settings { return &ConfigBackupStale{MaxAge: duration.Duration(90 * 24 * time.Hour)} },
}

// ConfigBackupStale fires for a network device whose newest backup is older than
// MaxAge, or older than the device's installation (BackupStale).
type ConfigBackupStale struct {
	Base
	// MaxAge is how old the newest backup may be.
	MaxAge duration.Duration `toml:"max_age"`
}

// ID implements Rule.
func (ConfigBackupStale) ID() string { return RuleConfigBackupStale }

// Validate checks the settings.
func (r *ConfigBackupStale) Validate() []config.Problem {
	return positive("max_age", r.MaxAge)
}

// Evaluate implements Rule.
func (r ConfigBackupStale) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, c := range in.Configurations {
		newest, ok := newestBackup(c.Backups)
		if !ok {
			continue // CONFIG-BACKUP-MISSING covers it
		}
		var why string
		switch BackupStale(newest.SourceCreatedAt, c.InstalledAt, now, r.MaxAge.Std()) {
		case BackupPredates:
			why = fmt.Sprintf("newest backup %s (%s) predates the device's installation on %s",
				newest.FileName, newest.SourceCreatedAt.Format(time.DateOnly), c.InstalledAt.Format(time.DateOnly))
		case BackupTooOld:
			why = fmt.Sprintf("newest backup %s is %d days old (limit %d days)",
				newest.FileName, int(now.Sub(newest.SourceCreatedAt).Hours()/24), int(r.MaxAge.Std().Hours()/24))
		default:
			continue
		}
		f := configFinding(r.ID(), r.Severity, c, fmt.Sprintf("%s %s: %s", c.TypeName, c.Name, why))
		f.Evidence = append(f.Evidence, store.Ref[store.ConfigBackup](newest.ID))
		out = append(out, f)
	}
	return out
}
