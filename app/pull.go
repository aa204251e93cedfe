package app

import (
	"context"

	"github.com/custos-msp/custos/store"
)

// RecordPull records a pull of a stream as it happened at c.StartedAt, without
// running it. The demo plants, on its own timeline, the last good read of an audit
// stream that has since stopped arriving (AUDIT-GAP); the command line never offers
// it, since coverage is what the collectors saw, not what anyone says they saw.
func (a *App) RecordPull(ctx context.Context, c store.Coverage) error {
	return a.Store.RecordCoverage(ctx, &c)
}
