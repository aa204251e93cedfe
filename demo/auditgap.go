package demo

import (
	"context"
	"fmt"
	"time"

	graphfake "github.com/custos-msp/custos/fixtures/graph"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// PullRecorder records a pull as it happened at its own time (app.App).
type PullRecorder interface {
	RecordPull(ctx context.Context, c store.Coverage) error
}

// PlantedPullHistory says, for the demo's output, what RecordPullHistory plants.
const PlantedPullHistory = "planted: a pull history in which Woodgrove Bank's directory audit log was last read successfully two days ago, before its consent was revoked (AUDIT-GAP)"

// RecordPullHistory plants, before the demo's sync, the last good read of Woodgrove
// Bank's directory audit log two days before now. The sync's own pull of it fails
// (the consent is revoked), so the log has stopped arriving for longer than
// AUDIT-GAP allows. A second run of the demo over the same directory plants it
// again, two days before that run: a rerun keeps the gap, with an extra planted row.
func RecordPullHistory(ctx context.Context, r PullRecorder, now time.Time) error {
	started := now.Add(-48 * time.Hour)
	err := r.RecordPull(ctx, store.Coverage{
		Connector: "m365", Stream: "directoryaudits", Scope: graphfake.WoodgroveTenant,
		StartedAt: started, FinishedAt: started.Add(time.Second), Outcome: vocab.OutcomeOK,
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
