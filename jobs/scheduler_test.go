package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

var everySecond = cron.Every(time.Second)

func newScheduler(st *store.Store, holder string) *jobs.Scheduler {
	return &jobs.Scheduler{
		Runner: &jobs.Runner{Store: st, Log: zerolog.Nop()}, Store: st, Holder: holder,
		LeaseTTL: 3 * time.Second, Log: zerolog.Nop(),
	}
}

// probe is a job that counts its runs and notices when two overlap.
type probe struct {
	runs, active, overlaps atomic.Int32
	took                   time.Duration
}

func (p *probe) run(ctx context.Context) (jobs.Counts, error) {
	if p.active.Add(1) > 1 {
		p.overlaps.Add(1)
	}
	defer p.active.Add(-1)
	p.runs.Add(1)
	select {
	case <-time.After(p.took):
	case <-ctx.Done():
	}
	return jobs.Counts{"records": 1}, nil
}

// ranJustNow records a successful run of the job, so that it owes none at start.
func ranJustNow(t *testing.T, st *store.Store, job string) {
	t.Helper()
	now := time.Now()
	if err := st.RecordJobRun(context.Background(), &store.JobRun{Job: job, Scope: "all", StartedAt: now, FinishedAt: &now, Outcome: store.JobOK}); err != nil {
		t.Fatal(err)
	}
}

func runs(t *testing.T, st *store.Store, job, outcome string) int64 {
	t.Helper()
	var n int64
	if err := storetest.DB(context.Background(), st).Model(&store.JobRun{}).Where("job = ? AND outcome = ?", job, outcome).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestScheduler_ThreeReplicasRunEachSlotOnceAndSurviveALoss(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		p := &probe{took: 100 * time.Millisecond}
		var replicas []*jobs.Scheduler
		for i := range 3 {
			s := newScheduler(st, fmt.Sprintf("replica-%d", i))
			// FirstAtSlot: no run at start, so that the runs counted are the slots'.
			s.Add(jobs.Job{Name: "sync:test", Schedule: everySecond, Run: p.run, FirstAtSlot: true})
			s.Start(context.Background())
			replicas = append(replicas, s)
		}
		time.Sleep(2500 * time.Millisecond)
		// Kill one replica: the others carry on with the next slots.
		_ = replicas[0].Stop(context.Background())
		before := p.runs.Load()
		time.Sleep(2 * time.Second)
		for _, s := range replicas[1:] {
			_ = s.Stop(context.Background())
		}

		if p.overlaps.Load() != 0 {
			t.Errorf("%d runs overlapped", p.overlaps.Load())
		}
		total := p.runs.Load()
		if before < 2 || total-before < 1 {
			t.Errorf("runs: %d before a replica stopped, %d after; want slots to keep running", before, total-before)
		}
		if total > 5 {
			t.Errorf("%d runs in about 4.5 one-second slots: some slot ran on more than one replica", total)
		}
		if got := runs(t, st, "sync:test", "ok"); got != int64(total) {
			t.Errorf("run history has %d ok runs, the job ran %d times", got, total)
		}
		var jobNames []string
		storetest.DB(context.Background(), st).Model(&store.JobRun{}).Distinct().Pluck("job", &jobNames)
		if len(jobNames) != 1 {
			t.Errorf("run history jobs = %v", jobNames)
		}
	})
}

func TestScheduler_OverrunSkipsSlotsAndSaysSo(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	ranJustNow(t, st, "slow")
	p := &probe{took: 2200 * time.Millisecond}
	s := newScheduler(st, "solo")
	s.Add(jobs.Job{Name: "slow", Schedule: everySecond, Run: p.run})
	s.Start(context.Background())
	time.Sleep(3500 * time.Millisecond)
	_ = s.Stop(context.Background())
	if p.overlaps.Load() != 0 {
		t.Error("an overrunning job overlapped itself")
	}
	if runs(t, st, "slow", "skipped") == 0 {
		t.Error("skipped slots were not recorded")
	}
}

func TestScheduler_ThenTriggersFollowUpJob(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	sync, reconcile := &probe{}, &probe{}
	s := newScheduler(st, "solo")
	s.Add(jobs.Job{Name: "sync", Schedule: everySecond, Run: sync.run, Then: "reconcile"})
	s.Add(jobs.Job{Name: "reconcile", Schedule: cron.Every(time.Hour), Run: reconcile.run})
	s.Start(context.Background())
	// The loop ends as soon as reconcile runs; the deadline is only how long a machine
	// busy with other builds may take to get there (3 s once failed under load).
	deadline := time.Now().Add(20 * time.Second)
	for reconcile.runs.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = s.Stop(context.Background())
	if sync.runs.Load() == 0 || reconcile.runs.Load() == 0 {
		t.Errorf("sync ran %d times, reconcile %d; want reconcile right after a sync that brought records", sync.runs.Load(), reconcile.runs.Load())
	}
}

func TestScheduler_StopCancelsRunInFlight(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	p := &probe{took: time.Hour}
	s := newScheduler(st, "solo")
	s.Add(jobs.Job{Name: "long", Schedule: everySecond, Run: p.run})
	s.Start(context.Background())
	for p.active.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if got := runs(t, st, "long", "ok"); got != 1 {
		t.Errorf("run history: %d finished runs, want the cancelled run recorded", got)
	}
}

func TestScheduler_CatchesUpOwedRunsOnceAtStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ranJustNow(t, st, "fresh")
		hourly := cron.Every(time.Hour)
		// The owed run lasts long enough for the second replica to decide while the
		// first runs it.
		owed, fresh, monthly := &probe{took: 500 * time.Millisecond}, &probe{}, &probe{}
		var logs lockedBuffer
		var replicas []*jobs.Scheduler
		for i := range 2 {
			s := newScheduler(st, fmt.Sprintf("replica-%d", i))
			s.Log = zerolog.New(&logs)
			s.Add(jobs.Job{Name: "owed", Schedule: hourly, Run: owed.run})
			s.Add(jobs.Job{Name: "fresh", Schedule: hourly, Run: fresh.run})
			s.Add(jobs.Job{Name: "monthly", Schedule: hourly, Run: monthly.run, FirstAtSlot: true})
			replicas = append(replicas, s)
		}
		for _, s := range replicas {
			s.Start(ctx)
		}
		deadline := time.Now().Add(5 * time.Second)
		for runs(t, st, "owed", "ok") == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // time for a second replica to run it, were it to
		for _, s := range replicas {
			_ = s.Stop(ctx)
		}
		if got := owed.runs.Load(); got != 1 {
			t.Errorf("the job that never ran ran %d times at start on two replicas, want once", got)
		}
		if fresh.runs.Load() != 0 || monthly.runs.Load() != 0 {
			t.Errorf("ran at start: a job that just succeeded %d times, a first-at-slot job %d times; want neither",
				fresh.runs.Load(), monthly.runs.Load())
		}
		if n := strings.Count(logs.String(), "owed: never ran: running now"); n != 1 {
			t.Errorf("the run owed at start was logged %d times, want once, saying what is caught up and why:\n%s", n, logs.String())
		}
	})
}

// lockedBuffer serialises the scheduler goroutines' log writes.
type lockedBuffer struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
