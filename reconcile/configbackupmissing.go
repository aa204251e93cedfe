package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/vocab"
)

// RuleConfigBackupMissing is the id of CONFIG-BACKUP-MISSING.
const RuleConfigBackupMissing = "CONFIG-BACKUP-MISSING"

var configBackupMissing = Spec{
	Key: "config_backup_missing", Severity: vocab.High,
	Description: "a network device has no configuration backup attached",
	New:         func() Settings { return &ConfigBackupMissing{} },
}

// ConfigBackupMissing fires for a network device with no configuration backup attached.
type ConfigBackupMissing struct {
	Base
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
