package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// readError wraps the error of reading one row, what: a missing row wraps ErrNotFound
// (and gorm's own error, which callers once tested for).
func readError(what string, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("store: %s: %w (%w)", what, ErrNotFound, err)
	}
	return fmt.Errorf("store: reading %s: %w", what, err)
}

// RecordAuthorisation stores an authorisation recorded in Custos and sets its id.
func (s *Store) RecordAuthorisation(ctx context.Context, a *Authorisation) error {
	if err := s.db.WithContext(ctx).Create(a).Error; err != nil {
		return fmt.Errorf("store: recording authorisation: %w", err)
	}
	return nil
}

// ImportAuthorisations stores the authorisations in one transaction, leaving out those
// whose (source, source id) is already stored, and returns how many it added.
func (s *Store) ImportAuthorisations(ctx context.Context, auths []Authorisation) (int, error) {
	var added int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "source"}, {Name: "source_id"}},
			DoNothing: true,
		}).CreateInBatches(&auths, insertBatch)
		added = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: importing authorisations: %w", err)
	}
	return int(added), nil
}

// Authorisation reads authorisation id.
func (s *Store) Authorisation(ctx context.Context, id uint) (Authorisation, error) {
	var a Authorisation
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return a, readError(fmt.Sprintf("authorisation %d", id), err)
	}
	return a, nil
}

// RevokeAuthorisation records that authorisation id was revoked at, by whom and why,
// unless it is revoked already; it reports whether it revoked it.
func (s *Store) RevokeAuthorisation(ctx context.Context, id uint, at time.Time, by, reason string) (bool, error) {
	revoked := Authorisation{RevokedAt: &at, RevokedBy: by, RevokeReason: reason}
	res := s.db.WithContext(ctx).Model(&Authorisation{}).Where("id = ? AND revoked_at IS NULL", id).
		Select("revoked_at", "revoked_by", "revoke_reason").Updates(&revoked)
	if res.Error != nil {
		return false, fmt.Errorf("store: revoking authorisation %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// authorisationViews selects authorisations with the names of what they cover.
func authorisationViews(db *gorm.DB) *gorm.DB {
	return db.Table("authorisations").
		Select("authorisations.*, COALESCE(customers.name, '') AS customer_name, " +
			"COALESCE(technicians.name, '') AS technician_name, COALESCE(devices.name, '') AS device_name").
		Joins("LEFT JOIN customers ON customers.id = authorisations.customer_id").
		Joins("LEFT JOIN technicians ON technicians.id = authorisations.technician_id").
		Joins("LEFT JOIN devices ON devices.id = authorisations.device_id")
}

// Authorisations lists the authorisations of every source with their names, of one
// customer when customerID is not nil, by start and id.
func (s *Store) Authorisations(ctx context.Context, customerID *uint) ([]AuthorisationView, error) {
	q := authorisationViews(s.db.WithContext(ctx))
	if customerID != nil {
		q = q.Where("authorisations.customer_id = ?", *customerID)
	}
	var out []AuthorisationView
	if err := q.Order("authorisations.valid_from, authorisations.id").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing authorisations: %w", err)
	}
	return out, nil
}

// RecordVerifiedBackup stores a verified backup and sets its id.
func (s *Store) RecordVerifiedBackup(ctx context.Context, b *VerifiedBackup) error {
	if err := s.db.WithContext(ctx).Create(b).Error; err != nil {
		return fmt.Errorf("store: recording verified backup: %w", err)
	}
	return nil
}

// VerifiedBackup reads verified backup id.
func (s *Store) VerifiedBackup(ctx context.Context, id uint) (VerifiedBackup, error) {
	var b VerifiedBackup
	if err := s.db.WithContext(ctx).Take(&b, id).Error; err != nil {
		return b, readError(fmt.Sprintf("verified backup %d", id), err)
	}
	return b, nil
}

// WithdrawVerifiedBackup records that verified backup id was withdrawn at, by whom
// and why.
func (s *Store) WithdrawVerifiedBackup(ctx context.Context, id uint, at time.Time, by, reason string) error {
	err := s.db.WithContext(ctx).Model(&VerifiedBackup{ID: id}).
		Updates(map[string]any{"withdrawn_at": at, "withdrawn_by": by, "withdraw_reason": reason}).Error
	if err != nil {
		return fmt.Errorf("store: withdrawing verified backup %d: %w", id, err)
	}
	return nil
}

// VerifiedBackupView is a verified backup with its customer's and device's names.
type VerifiedBackupView struct {
	VerifiedBackup
	CustomerName string
	DeviceName   string
}

// VerifiedBackups lists the verified backups with their names, of one customer when
// customerID is not nil, withdrawn ones only when withdrawn is set, newest first.
func (s *Store) VerifiedBackups(ctx context.Context, customerID *uint, withdrawn bool) ([]VerifiedBackupView, error) {
	q := s.db.WithContext(ctx).Table("verified_backups").
		Select("verified_backups.*, COALESCE(customers.name, '') AS customer_name, COALESCE(devices.name, '') AS device_name").
		Joins("LEFT JOIN customers ON customers.id = verified_backups.customer_id").
		Joins("LEFT JOIN devices ON devices.id = verified_backups.device_id")
	if customerID != nil {
		q = q.Where("verified_backups.customer_id = ?", *customerID)
	}
	if !withdrawn {
		q = q.Where("verified_backups.withdrawn_at IS NULL")
	}
	var out []VerifiedBackupView
	if err := q.Order("verified_backups.taken_at DESC, verified_backups.id DESC").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing verified backups: %w", err)
	}
	return out, nil
}

// Device reads canonical device id.
func (s *Store) Device(ctx context.Context, id uint) (Device, error) {
	var d Device
	if err := s.db.WithContext(ctx).Take(&d, id).Error; err != nil {
		return d, readError(fmt.Sprintf("device %d", id), err)
	}
	return d, nil
}
