package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EveryCustomer is the customer id of a change that concerns every customer.
const EveryCustomer = 0

// Changes is what changed in reconcile's inputs since the last completed run, as the
// change journal says (ReconcileChange), and what that run left (ReconcileState).
type Changes struct {
	// Customers are the customers whose inputs changed, in id order; Every says a
	// change concerned every customer.
	Customers []uint
	Every     bool
	// Last is what the last completed run left; Ran is false before the first.
	Last ReconcileState
	Ran  bool
	// marks are the journal rows claimed, deleted when the run completes.
	marks []uint
}

// ClaimChanges claims the change journal's marks and returns what they say, with the
// state the last completed run left. Marks claimed by a run that did not complete
// are claimed again. A change that commits after the claim leaves a new mark for the
// next run; on PostgreSQL a change still open when the claim runs holds its mark
// (FOR SHARE), so the claim waits for it and the run then reads it.
func (s *Store) ClaimChanges(ctx context.Context) (Changes, error) {
	var c Changes
	db := s.db.WithContext(ctx)
	if err := db.Model(&ReconcileChange{}).Where("claimed = ?", false).Update("claimed", true).Error; err != nil {
		return c, fmt.Errorf("store: claiming the reconcile change journal: %w", err)
	}
	var marks []ReconcileChange
	if err := db.Where("claimed = ?", true).Order("customer_id").Find(&marks).Error; err != nil {
		return c, fmt.Errorf("store: reading the reconcile change journal: %w", err)
	}
	for _, m := range marks {
		c.marks = append(c.marks, m.ID)
		switch {
		case m.CustomerID == EveryCustomer:
			c.Every = true
		case len(c.Customers) == 0 || c.Customers[len(c.Customers)-1] != m.CustomerID:
			c.Customers = append(c.Customers, m.CustomerID)
		}
	}
	err := db.Order("id DESC").Take(&c.Last).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return c, fmt.Errorf("store: reading the last reconcile run: %w", err)
	default:
		c.Ran = true
	}
	return c, nil
}

// ExclusionsEnded returns the customers of exclusions that ended by themselves (not
// removed) after after and at or before upTo, in id order, and whether one of no
// customer did: time alone changes what those customers' findings are.
func (s *Store) ExclusionsEnded(ctx context.Context, after, upTo time.Time) (customers []uint, every bool, err error) {
	var ids []uint
	err = s.db.WithContext(ctx).Model(&Exclusion{}).Where("removed_at IS NULL AND expires_at > ? AND expires_at <= ?", after.UTC(), upTo.UTC()).
		Pluck("COALESCE(customer_id, 0)", &ids).Error
	if err != nil {
		return nil, false, fmt.Errorf("store: reading the exclusions ended since the last reconcile: %w", err)
	}
	for _, id := range ids {
		if id == EveryCustomer {
			every = true
		} else {
			customers = append(customers, id)
		}
	}
	slices.Sort(customers)
	return slices.Compact(customers), every, nil
}

// CompleteChanges records a completed run at now with the settings fingerprint, in
// one transaction deleting the journal marks c claimed (whose customers the run
// checked); full says the run checked every customer.
func (s *Store) CompleteChanges(ctx context.Context, c Changes, settings string, now time.Time, full bool) error {
	state := ReconcileState{ID: 1, Settings: settings, RunAt: now.UTC(), FullAt: c.Last.FullAt}
	if full || !c.Ran {
		state.FullAt = now.UTC()
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for batch := range slices.Chunk(c.marks, 500) {
			if err := tx.Delete(&ReconcileChange{}, batch).Error; err != nil {
				return err
			}
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&state).Error
	})
	if err != nil {
		return fmt.Errorf("store: recording the reconcile run: %w", err)
	}
	return nil
}
