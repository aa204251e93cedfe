package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AddExclusion stores an exclusion; reason, owner and a future expiry are required.
func (s *Store) AddExclusion(ctx context.Context, x *Exclusion, now time.Time) error {
	switch {
	case strings.TrimSpace(x.Reason) == "":
		return fmt.Errorf("store: an exclusion needs a reason")
	case strings.TrimSpace(x.Owner) == "":
		return fmt.Errorf("store: an exclusion needs an owner")
	case !x.ExpiresAt.After(now):
		return fmt.Errorf("store: an exclusion must expire in the future, not %s", x.ExpiresAt.UTC().Format(time.RFC3339))
	case x.CustomerID == nil && x.Rule == "" && x.TechnicianID == nil && x.DeviceID == nil:
		return fmt.Errorf("store: an exclusion needs a scope: a customer, rule, technician or device")
	}
	x.CreatedAt = now
	if err := s.db.WithContext(ctx).Create(x).Error; err != nil {
		return fmt.Errorf("store: adding exclusion: %w", err)
	}
	return nil
}

// Exclusions lists exclusions, newest first; only those in force at now unless all.
func (s *Store) Exclusions(ctx context.Context, now time.Time, all bool) ([]Exclusion, error) {
	var xs []Exclusion
	if err := exclusionsInForce(s.db.WithContext(ctx), now, all).Order("id DESC").Find(&xs).Error; err != nil {
		return nil, fmt.Errorf("store: listing exclusions: %w", err)
	}
	return xs, nil
}

// EndExclusion ends an exclusion early; the findings it suppressed open again at the
// next reconcile if their condition still holds.
func (s *Store) EndExclusion(ctx context.Context, id uint, by string, now time.Time) error {
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("store: ending exclusion %d: say who ends it", id)
	}
	res := s.db.WithContext(ctx).Model(&Exclusion{}).Where("id = ? AND removed_at IS NULL", id).
		Updates(map[string]any{"removed_at": now, "removed_by": by})
	if res.Error != nil {
		return fmt.Errorf("store: ending exclusion %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: exclusion %d: %w (or already ended)", id, ErrNotFound)
	}
	return nil
}

// exclusionsInForce keeps the exclusions in force at now, or with all every one.
func exclusionsInForce(q *gorm.DB, now time.Time, all bool) *gorm.DB {
	if all {
		return q
	}
	return q.Where("expires_at > ? AND removed_at IS NULL", now)
}
