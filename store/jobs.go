package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// JobLease lets exactly one replica run each scheduled slot of a job. The holder
// renews it while the job runs; when the holder dies, the lease expires and the next
// slot goes to whichever replica asks first. Package jobs decides who may take it;
// the store keeps the rows and changes them only as they were read.
type JobLease struct {
	Name string `gorm:"primaryKey"`
	// Holder names the replica that last took the lease.
	Holder string `gorm:"not null"`
	// Slot is the scheduled time of the last run taken; a slot is taken once.
	Slot      time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
}

// JobLease reads the lease of the job name; found is false when it was never taken.
func (s *Store) JobLease(ctx context.Context, name string) (l JobLease, found bool, err error) {
	err = s.db.WithContext(ctx).Where("name = ?", name).Take(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return JobLease{}, false, nil
	}
	if err != nil {
		return JobLease{}, false, fmt.Errorf("store: reading lease %s: %w", name, err)
	}
	return l, true, nil
}

// CreateJobLease stores a job's first lease. It reports false, and changes nothing,
// when the job has a lease already (another replica took it first).
func (s *Store) CreateJobLease(ctx context.Context, l JobLease) (bool, error) {
	l.Slot, l.ExpiresAt = l.Slot.UTC(), l.ExpiresAt.UTC()
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&l)
	if res.Error != nil {
		return false, fmt.Errorf("store: creating lease %s: %w", l.Name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReplaceJobLease writes next over the lease old, as JobLease read it. It reports
// false, and changes nothing, when the stored lease is no longer old (another replica
// changed it since), so that of two replicas replacing the same lease one wins.
func (s *Store) ReplaceJobLease(ctx context.Context, old, next JobLease) (bool, error) {
	res := s.db.WithContext(ctx).Model(&JobLease{}).
		Where("name = ? AND holder = ? AND slot = ? AND expires_at = ?", old.Name, old.Holder, old.Slot.UTC(), old.ExpiresAt.UTC()).
		Updates(map[string]any{"holder": next.Holder, "slot": next.Slot.UTC(), "expires_at": next.ExpiresAt.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("store: replacing lease %s: %w", old.Name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetJobLeaseExpiry moves the expiry of the job's lease to at, if holder has it; it
// reports whether holder had it.
func (s *Store) SetJobLeaseExpiry(ctx context.Context, name, holder string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&JobLease{}).
		Where("name = ? AND holder = ?", name, holder).
		Update("expires_at", at.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("store: setting the expiry of lease %s: %w", name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RecordJobRun stores a new job run and sets its id.
func (s *Store) RecordJobRun(ctx context.Context, run *JobRun) error {
	if err := s.db.WithContext(ctx).Create(run).Error; err != nil {
		return fmt.Errorf("store: recording run of %s: %w", run.Job, err)
	}
	return nil
}

// UpdateJobRun stores what a recorded run became (its end, outcome and counts).
func (s *Store) UpdateJobRun(ctx context.Context, run *JobRun) error {
	if err := s.db.WithContext(ctx).Save(run).Error; err != nil {
		return fmt.Errorf("store: updating run %d of %s: %w", run.ID, run.Job, err)
	}
	return nil
}

// RenewJobRun moves the lease of a running run to until.
func (s *Store) RenewJobRun(ctx context.Context, id uint, until time.Time) error {
	err := s.db.WithContext(ctx).Model(&JobRun{}).Where("id = ? AND outcome = ?", id, JobRunning).
		Update("lease_expires_at", until.UTC()).Error
	if err != nil {
		return fmt.Errorf("store: renewing the lease of run %d: %w", id, err)
	}
	return nil
}

// AbandonJobRuns marks every run still running whose lease expired before now as
// abandoned, finished when its lease expired, and returns how many it marked.
func (s *Store) AbandonJobRuns(ctx context.Context, now time.Time) (int, error) {
	res := s.db.WithContext(ctx).Model(&JobRun{}).
		Where("outcome = ? AND lease_expires_at < ?", JobRunning, now.UTC()).
		Updates(map[string]any{
			"outcome": JobAbandoned, "finished_at": gorm.Expr("lease_expires_at"),
			"error": "its lease expired while it was running: the process running it stopped before it finished",
		})
	if res.Error != nil {
		return 0, fmt.Errorf("store: marking abandoned job runs: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// JobSuccess is when a job last finished successfully for a scope.
type JobSuccess struct {
	Job, Scope string
	FinishedAt time.Time
}

// JobSuccesses lists, per job and scope, the latest run that finished ok, by job and
// scope. A job that never succeeded (or whose runs retention deleted) is absent.
func (s *Store) JobSuccesses(ctx context.Context) ([]JobSuccess, error) {
	db := s.db.WithContext(ctx)
	var runs []JobRun
	latest := db.Model(&JobRun{}).Select("MAX(id)").Where("outcome = ? AND finished_at IS NOT NULL", JobOK).Group("job, scope")
	if err := db.Where("id IN (?)", latest).Order("job, scope").Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("store: reading the latest successful job runs: %w", err)
	}
	out := make([]JobSuccess, len(runs))
	for i, r := range runs {
		out[i] = JobSuccess{Job: r.Job, Scope: r.Scope, FinishedAt: r.FinishedAt.UTC()}
	}
	return out, nil
}
