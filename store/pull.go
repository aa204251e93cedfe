package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/custos-msp/custos/record"
)

// StreamKey names one stream of one connector for one scope.
type StreamKey struct {
	Connector string
	Stream    string
	Scope     string
}

// String formats the key as connector/stream/scope.
func (k StreamKey) String() string { return k.Connector + "/" + k.Stream + "/" + k.Scope }

// Checkpoint returns where the stream resumes for the scope; a zero Checkpoint when it
// never ran.
func (s *Store) Checkpoint(ctx context.Context, key StreamKey) (Checkpoint, error) {
	var cp Checkpoint
	err := s.db.WithContext(ctx).
		Where("connector = ? AND stream = ? AND scope = ?", key.Connector, key.Stream, key.Scope).
		Take(&cp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Checkpoint{Connector: key.Connector, Stream: key.Stream, Scope: key.Scope}, nil
	}
	if err != nil {
		return cp, fmt.Errorf("store: reading checkpoint %s: %w", key, err)
	}
	return cp, nil
}

// Page is a batch of records from one pull and the cursor that resumes after them.
type Page struct {
	Key     StreamKey
	Records []record.Record
	Cursor  string
	// PullStartedAt is when the (possibly resumed) pull began; kept with the cursor.
	PullStartedAt *time.Time
	// SeenAt stamps every record written.
	SeenAt time.Time
}

// CommitPage writes the records and moves the checkpoint to the page's cursor in one
// transaction: either both are stored or neither is.
func (s *Store) CommitPage(ctx context.Context, p Page) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.upsertRecords(tx, p); err != nil {
			return fmt.Errorf("store: writing %s page: %w", p.Key, err)
		}
		return saveCheckpoint(tx, p.Key, p.Cursor, p.PullStartedAt)
	})
}

// CompleteSnapshot ends a snapshot pull that began at pullStartedAt: rows of the
// stream and scope that the pull did not see are marked removed, and the checkpoint
// moves to next, in one transaction. It returns how many rows were marked.
//
// A record the pull quarantined was listed, only not decoded: its row is not marked
// removed. When a quarantined payload named no id, nothing of the scope is marked
// removed (any unseen row may be that record), and ErrSnapshotHeldBack says so
// with the checkpoint moved all the same. Quarantined rows of the scope that the pull
// did not meet again are deleted.
func (s *Store) CompleteSnapshot(ctx context.Context, key StreamKey, pullStartedAt time.Time, next string) (int, error) {
	removed := 0
	var held heldBack
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if held, err = quarantinedInPull(tx, key, pullStartedAt); err != nil {
			return err
		}
		if held.unnamed > 0 {
			return saveCheckpoint(tx, key, next, nil)
		}
		for _, t := range tablesWhere(func(t Table) bool { return t.Pull == Snapshot }) {
			q := tx.Model(t.Model).
				Where("source = ? AND stream = ? AND scope = ? AND seen_at < ? AND removed_at IS NULL",
					key.Connector, key.Stream, key.Scope, pullStartedAt)
			if len(held.ids) > 0 {
				ids := held.ids
				if t.personIDs() {
					if ids, err = s.storedSourceIDs(t, ids); err != nil {
						return err
					}
				}
				q = q.Where("source_id NOT IN ?", ids)
			}
			res := q.Update("removed_at", pullStartedAt)
			if res.Error != nil {
				return fmt.Errorf("store: marking removed rows of %s: %w", key, res.Error)
			}
			removed += int(res.RowsAffected)
		}
		return saveCheckpoint(tx, key, next, nil)
	})
	if err == nil && held.unnamed > 0 {
		err = fmt.Errorf("%w: %d quarantined record(s) of %s name no id", ErrSnapshotHeldBack, held.unnamed, key)
	}
	return removed, err
}

// ErrSnapshotHeldBack is returned by CompleteSnapshot, with the pull otherwise
// complete, when it marked nothing removed because a quarantined record named no id.
var ErrSnapshotHeldBack = errors.New("store: snapshot completed without marking rows removed")

// SaveCursor moves the checkpoint without writing records.
func (s *Store) SaveCursor(ctx context.Context, key StreamKey, cursor string) error {
	return saveCheckpoint(s.db.WithContext(ctx), key, cursor, nil)
}

func saveCheckpoint(tx *gorm.DB, key StreamKey, cursor string, pullStartedAt *time.Time) error {
	cp := Checkpoint{
		Connector: key.Connector, Stream: key.Stream, Scope: key.Scope,
		Cursor: cursor, PullStartedAt: pullStartedAt, UpdatedAt: tx.NowFunc(),
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "connector"}, {Name: "stream"}, {Name: "scope"}},
		DoUpdates: clause.AssignmentColumns([]string{"cursor", "pull_started_at", "updated_at"}),
	}).Create(&cp).Error
	if err != nil {
		return fmt.Errorf("store: saving checkpoint %s: %w", key, err)
	}
	return nil
}

// RecordCoverage stores the outcome of one pull.
func (s *Store) RecordCoverage(ctx context.Context, c *Coverage) error {
	if err := s.db.WithContext(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("store: recording coverage of %s/%s/%s: %w", c.Connector, c.Stream, c.Scope, err)
	}
	return nil
}
