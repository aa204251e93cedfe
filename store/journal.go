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

// The kinds of change the journal records (ReconcileChange.Kind).
const (
	// ChangeWhole concerns the whole customer: a name, a contact, an exclusion, a
	// person's triage.
	ChangeWhole = "w"
	// ChangeEvent is an access event that started on the mark's day.
	ChangeEvent = "e"
	// ChangeGrant is an authorisation whose earliest time (start, end or
	// revocation) fell on the mark's day.
	ChangeGrant = "a"
	// ChangeBackup is a verified backup taken on the mark's day.
	ChangeBackup = "b"
)

// CustomerChanges is what the journal says changed of one customer: the whole of
// it, or the days (UTC midnights, in order, each once) on which changed access
// events started, changed authorisations' earliest times fell and changed verified
// backups were taken, each of the old row and of the new.
type CustomerChanges struct {
	Whole                   bool
	Events, Grants, Backups []time.Time
}

// Changes is what changed in reconcile's inputs since the last completed run, as the
// change journal says (ReconcileChange), and what that run left (ReconcileState).
type Changes struct {
	// Customers are the customers whose inputs changed, in id order; Every says a
	// change concerned every customer.
	Customers []uint
	Every     bool
	// Of says, by customer of Customers, what changed of it.
	Of map[uint]CustomerChanges
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
	c.Of = map[uint]CustomerChanges{}
	for _, m := range marks {
		c.marks = append(c.marks, m.ID)
		if m.CustomerID == EveryCustomer {
			c.Every = true
			continue
		}
		if len(c.Customers) == 0 || c.Customers[len(c.Customers)-1] != m.CustomerID {
			c.Customers = append(c.Customers, m.CustomerID)
		}
		cc := c.Of[m.CustomerID]
		cc.add(m)
		c.Of[m.CustomerID] = cc
	}
	for id, cc := range c.Of {
		for _, days := range []*[]time.Time{&cc.Events, &cc.Grants, &cc.Backups} {
			slices.SortFunc(*days, time.Time.Compare)
			*days = slices.CompactFunc(*days, time.Time.Equal)
		}
		c.Of[id] = cc
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

// add adds what mark m says; a mark of a kind or day it does not know concerns the
// whole customer.
func (cc *CustomerChanges) add(m ReconcileChange) {
	day, err := time.Parse(time.DateOnly, m.Day)
	switch {
	case m.Kind == ChangeWhole || err != nil:
		cc.Whole = true
	case m.Kind == ChangeEvent:
		cc.Events = append(cc.Events, day)
	case m.Kind == ChangeGrant:
		cc.Grants = append(cc.Grants, day)
	case m.Kind == ChangeBackup:
		cc.Backups = append(cc.Backups, day)
	default:
		cc.Whole = true
	}
}

// GrantStartBefore returns the start of the nth latest of the customer's
// authorisations that access matching reads (not removed) starting before t, and
// false when fewer than n start before t.
func (s *Store) GrantStartBefore(ctx context.Context, customerID uint, t time.Time, n int) (time.Time, bool, error) {
	var starts []time.Time
	err := s.db.WithContext(ctx).Model(&Authorisation{}).Where("customer_id = ? AND removed_at IS NULL AND valid_from < ?", customerID, t.UTC()).
		Order("valid_from DESC").Offset(n-1).Limit(1).Pluck("valid_from", &starts).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: reading the authorisations of customer %d before %s: %w", customerID, t.UTC().Format(time.DateOnly), err)
	}
	if len(starts) == 0 {
		return time.Time{}, false, nil
	}
	return starts[0], true, nil
}

// BackupOfEveryDeviceAfter returns when the customer's first verified backup of no
// one device (not withdrawn) taken after t was taken, and false when there is none.
func (s *Store) BackupOfEveryDeviceAfter(ctx context.Context, customerID uint, t time.Time) (time.Time, bool, error) {
	var taken []time.Time
	err := s.db.WithContext(ctx).Model(&VerifiedBackup{}).
		Where("customer_id = ? AND device_id IS NULL AND withdrawn_at IS NULL AND taken_at > ?", customerID, t.UTC()).
		Order("taken_at").Limit(1).Pluck("taken_at", &taken).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: reading the verified backups of customer %d after %s: %w", customerID, t.UTC().Format(time.DateOnly), err)
	}
	if len(taken) == 0 {
		return time.Time{}, false, nil
	}
	return taken[0], true, nil
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
