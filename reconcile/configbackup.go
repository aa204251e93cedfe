package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// BackupState is how a network device's newest configuration backup stands.
type BackupState int

// The states of a device's newest backup.
const (
	// BackupCurrent is a backup taken since the installation and within the age limit.
	BackupCurrent BackupState = iota
	// BackupPredates is a backup older than the device's installation: of the device
	// it replaced, or of its factory state.
	BackupPredates
	// BackupTooOld is a backup older than the age limit.
	BackupTooOld
)

// BackupStale judges a device's newest configuration backup, taken at taken, at now:
// it predates the device's installation (installedAt, nil when unknown), or it is
// older than maxAge (a zero maxAge sets no limit). CONFIG-BACKUP-STALE fires on
// both, and the monthly report shows them.
func BackupStale(taken time.Time, installedAt *time.Time, now time.Time, maxAge time.Duration) BackupState {
	switch {
	case installedAt != nil && taken.Before(*installedAt):
		return BackupPredates
	case maxAge > 0 && now.Sub(taken) > maxAge:
		return BackupTooOld
	}
	return BackupCurrent
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
		Evidence:   []string{store.Ref[store.Configuration](c.ID)},
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
