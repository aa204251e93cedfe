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

// BackupRecorder lists and records verified backups (app.App).
type BackupRecorder interface {
	Backups(ctx context.Context, customer string, all bool) ([]store.VerifiedBackupView, error)
	RecordBackupAsOf(ctx context.Context, e register.BackupEntry, when time.Time) (uint, error)
}

// RecordBackup records, once, the verified backup of the demo: the mailbox of a
// departing Contoso user exported and test-restored before Bob Jones removed the
// mailbox (21 hours before now), recorded when it was verified: before the removal,
// so it covers it in advance. The user deletions and the deleted file before the
// backup was taken stay without one.
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
	return nil
}
