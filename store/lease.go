package store

import (
	"context"
	"fmt"
	"time"
)

// JobLease lets exactly one replica run each scheduled slot of a job. The holder
// renews it while the job runs; when the holder dies, the lease expires and the next
// slot goes to whichever replica asks first.
type JobLease struct {
	Name string `gorm:"primaryKey"`
	// Holder names the replica that last took the lease.
	Holder string `gorm:"not null"`
	// Slot is the scheduled time of the last run taken; a slot is taken once.
	Slot      time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
}

// AcquireLease takes the job's lease for a slot on behalf of holder. It succeeds when
// the slot is later than the last one taken and the lease is free (expired, or
// already the holder's). The check and the take are one statement, so two replicas
// asking at once cannot both succeed.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, slot time.Time, ttl time.Duration, now time.Time) (bool, error) {
	slot, now = slot.UTC(), now.UTC()
	res := s.db.WithContext(ctx).Exec(`INSERT INTO job_leases (name, holder, slot, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, slot = excluded.slot, expires_at = excluded.expires_at
		WHERE job_leases.slot < excluded.slot AND (job_leases.expires_at < ? OR job_leases.holder = excluded.holder)`,
		name, holder, slot, now.Add(ttl), now)
	if res.Error != nil {
		return false, fmt.Errorf("store: acquiring lease %s: %w", name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RenewLease extends a lease the holder still has. It reports false when the lease
// was lost (it expired and another replica took it).
func (s *Store) RenewLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&JobLease{}).
		Where("name = ? AND holder = ?", name, holder).
		Update("expires_at", now.UTC().Add(ttl))
	if res.Error != nil {
		return false, fmt.Errorf("store: renewing lease %s: %w", name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease frees a lease the holder has, keeping the slot it took.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&JobLease{}).
		Where("name = ? AND holder = ?", name, holder).
		Update("expires_at", now.UTC()).Error
	if err != nil {
		return fmt.Errorf("store: releasing lease %s: %w", name, err)
	}
	return nil
}
