package jobs

import (
	"context"
	"hash/fnv"
	stdsync "sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/store"
)

// Job is a unit of work the scheduler runs on a cron schedule.
type Job struct {
	// Name identifies the job in run history, leases and metrics, e.g. "sync:itglue".
	Name     string
	Schedule cron.Schedule
	Run      func(ctx context.Context) (Counts, error)
	// Then, when set, names a job to run right after a run of this one that brought
	// records (Counts["records"] > 0): reconcile after a sync.
	Then string
	// FirstAtSlot keeps a job that never ran from running at start: its first run is
	// its first slot. The monthly report sets it: a month Custos did not watch has no
	// report to send.
	FirstAtSlot bool
}

// Scheduler runs jobs on their schedules. A job never overlaps itself: a run that
// overruns its next slots skips them and records that it did. With several
// replicas on one database, each slot runs on exactly one of them, through a lease.
// At start, a job that missed a slot (or never ran) runs once, spread as its slots
// are, before it keeps its schedule: see owedRun.
type Scheduler struct {
	Runner *Runner
	Store  *store.Store
	// Holder names this replica in leases.
	Holder   string
	LeaseTTL time.Duration
	// Spread delays each job's slots by a fixed amount derived from its name, up to
	// Spread, so that jobs do not all start at the same second.
	Spread   time.Duration
	Location *time.Location
	Log      zerolog.Logger

	jobs   []*scheduled
	byName map[string]*scheduled
	wg     stdsync.WaitGroup
	cancel context.CancelFunc
}

// scheduledScope is the scope the scheduler records its runs under.
const scheduledScope = "all"

type scheduled struct {
	Job
	offset  time.Duration
	trigger chan struct{}
}

// Add registers a job; call it before Start.
func (s *Scheduler) Add(j Job) {
	if s.byName == nil {
		s.byName = map[string]*scheduled{}
	}
	sj := &scheduled{Job: j, offset: spreadOffset(j.Name, s.Spread), trigger: make(chan struct{}, 1)}
	s.jobs = append(s.jobs, sj)
	s.byName[j.Name] = sj
}

// spreadOffset derives a job's fixed delay from its name: the same every start, and
// different jobs land at different seconds within the spread.
func spreadOffset(name string, spread time.Duration) time.Duration {
	if spread < time.Second {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return time.Duration(h.Sum64()%uint64(spread/time.Second)) * time.Second
}

// Start runs every job's loop until Stop.
func (s *Scheduler) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	now := s.Runner.now()
	for _, j := range s.jobs {
		s.Log.Info().Str("job", j.Name).Time("next_run", s.fireTime(j, now)).Dur("spread", j.offset).Msg("job scheduled")
		s.wg.Add(1)
		go s.loop(ctx, j)
	}
}

// Stop stops taking new work, cancels the runs in flight (a sync commits the batch
// it holds with its cursor) and waits for them until ctx ends.
func (s *Scheduler) Stop(ctx context.Context) error {
	if s.cancel != nil {
		s.cancel()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Trigger asks for a run of the named job now; triggers that arrive while one is
// pending are merged.
func (s *Scheduler) Trigger(name string) {
	if j, ok := s.byName[name]; ok {
		select {
		case j.trigger <- struct{}{}:
		default:
		}
	}
}

// fireTime is when the first slot after t starts, spread included.
func (s *Scheduler) fireTime(j *scheduled, t time.Time) time.Time {
	return j.Schedule.Next(t.In(s.location())).Add(j.offset)
}

func (s *Scheduler) location() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// loop runs the job's slots until ctx ends. First, its spread after the start, it
// runs the run the job owes if it owes one; a trigger before then stands for it.
func (s *Scheduler) loop(ctx context.Context, j *scheduled) {
	defer s.wg.Done()
	from := s.Runner.now()
	checkOwed := true
	for {
		slot := j.Schedule.Next(from.In(s.location()))
		fire := slot.Add(j.offset)
		if checkOwed {
			fire = from.Add(j.offset) // never after the first slot's: that is slot + offset
		}
		timer := time.NewTimer(fire.Sub(s.Runner.now()))
		triggered := false
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-j.trigger:
			timer.Stop()
			slot, triggered = s.Runner.now(), true
		}
		if checkOwed && !triggered {
			checkOwed = false
			if s.runOwed(ctx, j) {
				from = s.Runner.now()
			}
			// Else from stays the start: the first slot is still to come.
			continue
		}
		checkOwed = false
		s.runSlot(ctx, j, slot)
		finished := s.Runner.now()
		if !triggered {
			s.recordSkipped(ctx, j, slot, finished)
		}
		from = finished
		if from.Before(slot) {
			from = slot
		}
	}
}

// runSlot runs one slot of the job if this replica wins its lease.
func (s *Scheduler) runSlot(ctx context.Context, j *scheduled, slot time.Time) {
	if ctx.Err() != nil {
		return
	}
	ok, err := acquireLease(ctx, s.Store, j.Name, s.Holder, slot, s.LeaseTTL, s.Runner.now())
	if err != nil {
		s.Log.Error().Err(err).Str("job", j.Name).Msg("cannot take the job's lease; slot not run")
		return
	}
	if !ok {
		s.Log.Debug().Str("job", j.Name).Time("slot", slot).Msg("slot taken by another replica")
		return
	}
	s.runLeased(ctx, j)
}

// runOwed runs the run the job owes at start, if it still owes one and this replica
// wins its lease, says so and why, and reports whether it ran.
func (s *Scheduler) runOwed(ctx context.Context, j *scheduled) bool {
	if ctx.Err() != nil {
		return false
	}
	now := s.Runner.now()
	owed, ok, err := takeOwedRun(ctx, s.Store, j, s.Holder, s.LeaseTTL, now, s.location())
	if err != nil {
		s.Log.Error().Err(err).Str("job", j.Name).Msg("cannot tell whether the job missed a slot; it keeps its schedule")
		return false
	}
	if !ok {
		return false
	}
	s.Log.Info().Str("job", j.Name).Time("slot", owed.Slot).Msgf("%s: %s: running now", j.Name, owed.Why)
	s.runLeased(ctx, j)
	return true
}

// runLeased runs the job under the lease this replica took, renewing the lease while
// the job runs and cancelling the run if the lease is lost, so that two replicas
// never run the job at once; then it frees the lease.
func (s *Scheduler) runLeased(ctx context.Context, j *scheduled) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		s.renew(runCtx, cancel, j.Name)
	}()
	var counts Counts
	_ = s.Runner.Run(runCtx, j.Name, scheduledScope, func(ctx context.Context) (Counts, error) {
		c, err := j.Run(ctx)
		counts = c
		return c, err
	})
	cancel()
	<-renewed
	if err := releaseLease(context.WithoutCancel(ctx), s.Store, j.Name, s.Holder, s.Runner.now()); err != nil {
		s.Log.Warn().Err(err).Str("job", j.Name).Msg("releasing the job's lease")
	}
	if j.Then != "" && counts["records"] > 0 {
		s.Trigger(j.Then)
	}
}

// renew extends the lease every third of its lifetime until ctx ends; when the lease
// is lost it cancels the run.
func (s *Scheduler) renew(ctx context.Context, cancel context.CancelFunc, name string) {
	every(ctx, s.LeaseTTL/3, func() bool {
		ok, err := renewLease(context.WithoutCancel(ctx), s.Store, name, s.Holder, s.LeaseTTL, s.Runner.now())
		if err == nil && !ok {
			s.Log.Error().Str("job", name).Msg("lease lost to another replica; stopping this run")
			cancel()
			return false
		}
		return true
	})
}

// recordSkipped says which slots passed while a run went on.
func (s *Scheduler) recordSkipped(ctx context.Context, j *scheduled, slot, finished time.Time) {
	skipped := 0
	for next := j.Schedule.Next(slot.In(s.location())); next.Add(j.offset).Before(finished) && skipped < 1000; next = j.Schedule.Next(next) {
		skipped++
	}
	if skipped == 0 || ctx.Err() != nil {
		return
	}
	s.Log.Warn().Str("job", j.Name).Int("slots", skipped).Msg("run overran its next slots; they were skipped")
	s.Runner.Skipped(ctx, j.Name, scheduledScope, skipped)
}
