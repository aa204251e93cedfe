package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/custos-msp/custos/store"
)

// A lease lets exactly one replica run each scheduled slot of a job. The holder
// renews it while the job runs; when the holder dies, the lease expires and the next
// slot goes to whichever replica asks first. The decision is made here on the lease
// as read; the store writes it only if nobody changed the lease meanwhile, so two
// replicas asking at once cannot both succeed.

// mayTake reports whether holder may take the lease cur for slot at now: the slot is
// later than the last one taken and the lease is free (expired, or already the
// holder's).
func mayTake(cur store.JobLease, holder string, slot, now time.Time) bool {
	return cur.Slot.Before(slot) && (cur.ExpiresAt.Before(now) || cur.Holder == holder)
}

// acquireLease takes the job's lease for a slot on behalf of holder, for ttl from now,
// and reports whether it did.
func acquireLease(ctx context.Context, st *store.Store, name, holder string, slot time.Time, ttl time.Duration, now time.Time) (bool, error) {
	cur, found, err := st.JobLease(ctx, name)
	if err != nil {
		return false, fmt.Errorf("jobs: acquiring lease: %w", err)
	}
	return takeLease(ctx, st, cur, found, store.JobLease{Name: name, Holder: holder, Slot: slot, ExpiresAt: now.Add(ttl)}, now)
}

// takeLease writes next over the lease cur, as read (found false: none was), if
// next's holder may take it for next's slot, and reports whether it did.
func takeLease(ctx context.Context, st *store.Store, cur store.JobLease, found bool, next store.JobLease, now time.Time) (bool, error) {
	if !found {
		ok, err := st.CreateJobLease(ctx, next)
		if err != nil || ok {
			return ok, err
		}
		// Another replica created it first: decide on its lease.
		if cur, _, err = st.JobLease(ctx, next.Name); err != nil {
			return false, fmt.Errorf("jobs: acquiring lease: %w", err)
		}
	}
	if !mayTake(cur, next.Holder, next.Slot, now) {
		return false, nil
	}
	return st.ReplaceJobLease(ctx, cur, next)
}

// renewLease extends a lease the holder still has to ttl from now. It reports false
// when the lease was lost (it expired and another replica took it).
func renewLease(ctx context.Context, st *store.Store, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	return st.SetJobLeaseExpiry(ctx, name, holder, now.Add(ttl))
}

// releaseLease frees a lease the holder has, keeping the slot it took.
func releaseLease(ctx context.Context, st *store.Store, name, holder string, now time.Time) error {
	_, err := st.SetJobLeaseExpiry(ctx, name, holder, now)
	return err
}
