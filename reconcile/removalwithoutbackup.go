package reconcile

import (
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/vocab"
)

// RuleRemovalWithoutBackup is the id of REMOVAL-WITHOUT-BACKUP.
const RuleRemovalWithoutBackup = "REMOVAL-WITHOUT-BACKUP"

var removalWithoutBackup = Spec{
	Key: "removal_without_backup", Severity: vocab.Critical,
	Description: "an account, mailbox, profile, file set or device was deleted with neither a verified backup (taken within `backup_max_age`) nor written permission",
	New:         func() Settings { return &RemovalWithoutBackup{BackupMaxAge: duration.Duration(7 * 24 * time.Hour)} },
}

// RemovalWithoutBackup fires for a removal that neither a removal authorisation nor a
// recent verified backup covered; the access check (AccessCheck) finds it.
type RemovalWithoutBackup struct {
	Base
	// BackupMaxAge is how long before a removal a verified backup may have been taken
	// and still stand in for a removal authorisation.
	BackupMaxAge duration.Duration `toml:"backup_max_age"`
}

// ID implements Evaluator.
func (RemovalWithoutBackup) ID() string { return RuleRemovalWithoutBackup }

// Validate checks the settings.
func (r *RemovalWithoutBackup) Validate() []config.Problem {
	return positive("backup_max_age", r.BackupMaxAge)
}

// addTo sets the backup age even when the rule is off: a removal's decision says
// whether a backup covered it either way.
func (r *RemovalWithoutBackup) addTo(c *AccessCheck) {
	r.enable(c, r.ID())
	c.BackupMaxAge = r.BackupMaxAge.Std()
}
