package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/store"
)

// A job catches up at start when a slot of its schedule passed with no run: the
// daemon was down, or no replica was. It runs once, spread as its slots are, then
// keeps its schedule. The decision reads only what every replica reads alike (the
// lease, then the run history) and the lease is written only as read, so of the
// replicas that start together one runs it.

// neverRanSlot is the slot a job that never ran and was never leased takes at start:
// fixed, so that replicas starting together ask for the same one, and before any
// scheduled slot.
var neverRanSlot = time.Unix(0, 0).UTC()

// catchUp is a run owed at start.
type catchUp struct {
	// Slot is what the run takes the lease for: the first slot after the last success
	// and after the last slot any replica took.
	Slot time.Time
	// Why says, for the log, why the job is owed a run.
	Why string
}

// owedRun decides whether a job owes a run at start: it does when a slot of sched
// passed (by now) after both its last success lastOK and the last slot any replica
// took, leased; zero times mean none. A job with neither runs unless firstAtSlot
// says its first run waits for its first slot.
func owedRun(sched cron.Schedule, lastOK, leased time.Time, firstAtSlot bool, now time.Time, loc *time.Location) (catchUp, bool) {
	base := lastOK
	if leased.After(base) {
		base = leased
	}
	if base.IsZero() {
		if firstAtSlot {
			return catchUp{}, false
		}
		return catchUp{Slot: neverRanSlot, Why: "never ran"}, true
	}
	missed := sched.Next(base.In(loc))
	if missed.IsZero() || missed.After(now) {
		return catchUp{}, false
	}
	interval := roughly(sched.Next(missed).Sub(missed))
	if lastOK.IsZero() {
		return catchUp{Slot: missed, Why: fmt.Sprintf("no success on record, interval %s", interval)}, true
	}
	return catchUp{Slot: missed, Why: fmt.Sprintf("last success %s ago, interval %s", roughly(now.Sub(lastOK)), interval)}, true
}

// takeOwedRun takes the job's lease for the run it owes at start, if it still owes
// one, and says why it does. It reads the lease before the run history: a replica
// that ran the owed run recorded its success before it freed the lease, so a lease
// read free comes with the success that freed it.
func takeOwedRun(ctx context.Context, st *store.Store, j *scheduled, holder string, ttl time.Duration, now time.Time, loc *time.Location) (catchUp, bool, error) {
	cur, found, err := st.JobLease(ctx, j.Name)
	if err != nil {
		return catchUp{}, false, fmt.Errorf("jobs: reading the lease of %s: %w", j.Name, err)
	}
	successes, err := st.JobSuccesses(ctx)
	if err != nil {
		return catchUp{}, false, fmt.Errorf("jobs: reading when %s last succeeded: %w", j.Name, err)
	}
	var lastOK time.Time
	for _, r := range successes {
		if r.Job == j.Name && r.Scope == scheduledScope {
			lastOK = r.FinishedAt
		}
	}
	owed, ok := owedRun(j.Schedule, lastOK, cur.Slot, j.FirstAtSlot, now, loc)
	if !ok {
		return owed, false, nil
	}
	ok, err = takeLease(ctx, st, cur, found, store.JobLease{Name: j.Name, Holder: holder, Slot: owed.Slot, ExpiresAt: now.Add(ttl)}, now)
	return owed, ok, err
}

// roughly writes a duration as a person reads an age: "3h", "1d2h", "12m", "5s".
func roughly(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return duration.Duration(d).Approx()
}
