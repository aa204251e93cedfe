package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// RecordEvidenceManifest stores the manifest hash of an evidence bundle just made.
func (s *Store) RecordEvidenceManifest(ctx context.Context, m *EvidenceManifest) error {
	if err := s.db.WithContext(ctx).Create(m).Error; err != nil {
		return fmt.Errorf("store: recording the evidence manifest of %s: %w", m.Month, err)
	}
	return nil
}

// LatestEvidenceManifest returns the last evidence bundle made of a customer's month,
// or nil when none was.
func (s *Store) LatestEvidenceManifest(ctx context.Context, customerID uint, month string) (*EvidenceManifest, error) {
	var m EvidenceManifest
	err := s.db.WithContext(ctx).Where("customer_id = ? AND month = ?", customerID, month).Order("id DESC").First(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading the evidence manifest of %s: %w", month, err)
	}
	return &m, nil
}
