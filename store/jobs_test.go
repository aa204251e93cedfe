package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestJobSuccesses_LatestOKRunPerJobAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
		for _, r := range []store.JobRun{
			{Job: "sync:itglue", Scope: "all", StartedAt: t0, FinishedAt: at(1), Outcome: store.JobOK},
			{Job: "sync:itglue", Scope: "all", StartedAt: t0.Add(2 * time.Hour), FinishedAt: at(3), Outcome: store.JobOK},
			// A later failure, skip or run in flight does not move the last success.
			{Job: "sync:itglue", Scope: "all", StartedAt: t0.Add(4 * time.Hour), FinishedAt: at(5), Outcome: store.JobFailed},
			{Job: "sync:itglue", Scope: "all", StartedAt: t0.Add(5 * time.Hour), FinishedAt: at(5), Outcome: store.JobSkipped},
			{Job: "sync:itglue", Scope: "all", StartedAt: t0.Add(6 * time.Hour), Outcome: store.JobRunning},
			{Job: "sync", Scope: "itglue", StartedAt: t0, FinishedAt: at(2), Outcome: store.JobOK},
			{Job: "reconcile", Scope: "all", StartedAt: t0, FinishedAt: at(1), Outcome: store.JobFailed},
		} {
			if err := st.RecordJobRun(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.JobSuccesses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.JobSuccess{
			{Job: "sync", Scope: "itglue", FinishedAt: *at(2)},
			{Job: "sync:itglue", Scope: "all", FinishedAt: *at(3)},
		}
		if len(got) != len(want) {
			t.Fatalf("JobSuccesses = %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i].Job != want[i].Job || got[i].Scope != want[i].Scope || !got[i].FinishedAt.Equal(want[i].FinishedAt) {
				t.Errorf("JobSuccesses[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}
