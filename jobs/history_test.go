package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestRunner_RecordsEveryRun(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	clock := time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)
	r := &jobs.Runner{Store: st, Log: zerolog.Nop(), Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	ctx := context.Background()
	if err := r.Run(ctx, "sync", "all", func(context.Context) (jobs.Counts, error) { return jobs.Counts{"records": 7}, nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("vendor down")
	if err := r.Run(ctx, "sync", "all", func(context.Context) (jobs.Counts, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("Run returned %v, want the job's error", err)
	}
	var runs []store.JobRun
	if err := storetest.DB(ctx, st).Order("id").Find(&runs).Error; err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("runs = %d, want 2", len(runs))
	}
	if runs[0].Outcome != "ok" || runs[0].Counts != `{"records":7}` || runs[0].FinishedAt == nil || !runs[0].FinishedAt.After(runs[0].StartedAt) {
		t.Errorf("first run = %+v", runs[0])
	}
	if runs[1].Outcome != "failed" || runs[1].Error != "vendor down" {
		t.Errorf("second run = %+v", runs[1])
	}
}
