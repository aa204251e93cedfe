package app

import (
	"context"

	"github.com/custos-msp/custos/store"
)

// Quarantined lists the records pulls could not decode, narrowed by f.
func (a *App) Quarantined(ctx context.Context, f store.QuarantineFilter) ([]store.QuarantinedRecord, error) {
	return a.Store.ListQuarantined(ctx, f)
}
