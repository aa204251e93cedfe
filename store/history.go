package store

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TriageFinding changes the finding ref names (its id or fingerprint) as change
// says and adds the history entry it returns, in one transaction: the finding is
// read (and locked on PostgreSQL), change decides from it, and its status, set by,
// reason, resolved at and assignee are written with the entry. An error from
// change writes nothing. It returns the finding as written and the entry.
func (s *Store) TriageFinding(ctx context.Context, ref string, change func(Finding) (Finding, FindingEvent, error)) (Finding, FindingEvent, error) {
	var (
		f Finding
		e FindingEvent
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx
		if s.driver == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if id, err := strconv.ParseUint(ref, 10, 64); err == nil {
			q = q.Where("id = ?", id)
		} else {
			q = q.Where("fingerprint = ?", ref)
		}
		var found []Finding
		if err := q.Limit(1).Find(&found).Error; err != nil {
			return fmt.Errorf("store: reading finding %s: %w", ref, err)
		}
		if len(found) == 0 {
			return fmt.Errorf("store: finding %s: %w", ref, ErrNotFound)
		}
		var err error
		if f, e, err = change(found[0]); err != nil {
			return err
		}
		row := Finding{ID: found[0].ID, Status: f.Status, StatusBy: f.StatusBy, StatusReason: f.StatusReason,
			ResolvedAt: f.ResolvedAt, Assignee: f.Assignee}
		err = tx.Model(&row).Select("status", "status_by", "status_reason", "resolved_at", "assignee").Updates(&row).Error
		if err != nil {
			return fmt.Errorf("store: writing finding %d: %w", f.ID, err)
		}
		e.FindingID = found[0].ID
		if err := tx.Create(&e).Error; err != nil {
			return fmt.Errorf("store: writing the history of finding %d: %w", f.ID, err)
		}
		return nil
	})
	return f, e, err
}

// FindingHistory lists a finding's history, oldest first.
func (s *Store) FindingHistory(ctx context.Context, findingID uint) ([]FindingEvent, error) {
	var out []FindingEvent
	err := s.db.WithContext(ctx).Where("finding_id = ?", findingID).Order("at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the history of finding %d: %w", findingID, err)
	}
	return out, nil
}
