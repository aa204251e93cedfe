package app

import (
	"context"
	"time"

	"github.com/custos-msp/custos/register"
)

// RecordBackupAsOf records a verified backup as entered at when rather than at the
// app's clock. The demo plants, on its own timeline, a backup written down before the
// removal it covers; the command line never offers it, since a backup recorded after
// a removal authorises it only afterwards (ACCESS-AUTHORISED-LATE).
func (a *App) RecordBackupAsOf(ctx context.Context, e register.BackupEntry, when time.Time) (uint, error) {
	b, err := register.AddBackup(ctx, a.Store, e, when)
	return b.ID, err
}
