package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
)

// backupEvidence marks the demo's verified backup, so that a second run of the demo
// does not record it again.
const backupEvidence = "demo: PST export test-restored, T20261121.0007"

// PlantedLateBackup says, for the demo's output, what RecordBackup plants late.
const PlantedLateBackup = "planted: a backup of Contoso's Finance site written down an hour after the file deletion it covers (ACCESS-AUTHORISED-LATE)"

// lateBackupEvidence marks the demo's backup written down after the removal it
// covers (planted: ACCESS-AUTHORISED-LATE).
const lateBackupEvidence = "demo, planted late: site backup test-restored, T20261121.0009"

// BackupRecorder lists and records verified backups (app.App).
type BackupRecorder interface {
	Backups(ctx context.Context, customer string, all bool) ([]store.VerifiedBackupView, error)
	RecordBackupAsOf(ctx context.Context, e register.BackupEntry, when time.Time) (uint, error)
}

// RecordBackup records, once, the verified backup of the demo: the mailbox of a
// departing Contoso user exported and test-restored before Bob Jones removed the
// mailbox (21 hours before now), recorded when it was verified: before the removal,
// so it covers it in advance. It also plants a backup of the Finance site written
// down an hour after Bob Jones deleted a file of it, so that removal was authorised
// only afterwards (ACCESS-AUTHORISED-LATE; see PlantedLateBackup). The user
// deletions before both backups were taken stay without one.
func RecordBackup(ctx context.Context, r BackupRecorder, now time.Time) error {
	have, err := r.Backups(ctx, "Contoso Ltd", true)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if slices.ContainsFunc(have, func(b store.VerifiedBackupView) bool { return b.Evidence == backupEvidence }) {
		return nil
	}
	verified := now.Add(-22 * time.Hour)
	_, err = r.RecordBackupAsOf(ctx, register.BackupEntry{
		Customer: "Contoso Ltd", Device: register.Any, What: "mailbox of the departing user (PST export)",
		TakenAt: now.Add(-26 * time.Hour), VerifiedAt: verified, VerifiedBy: "Bob Jones",
		Evidence: backupEvidence, RecordedBy: "demo",
	}, verified)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The late one: the Finance site, backed up and verified before Bob Jones
	// deleted a file of it (31 hours before now), but written down only afterwards.
	late := now.Add(-30 * time.Hour)
	_, err = r.RecordBackupAsOf(ctx, register.BackupEntry{
		Customer: "Contoso Ltd", Device: register.Any, What: "Finance SharePoint site",
		TakenAt: now.Add(-40 * time.Hour), VerifiedAt: now.Add(-35 * time.Hour), VerifiedBy: "Bob Jones",
		Evidence: lateBackupEvidence, RecordedBy: "demo",
	}, late)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
