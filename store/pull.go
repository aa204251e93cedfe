package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

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

// Checkpoints returns where each scope of a stream resumes, by scope; a scope that
// never ran is not in it.
func (s *Store) Checkpoints(ctx context.Context, connector, stream string) (map[string]Checkpoint, error) {
	var cps []Checkpoint
	if err := s.db.WithContext(ctx).Where("connector = ? AND stream = ?", connector, stream).Find(&cps).Error; err != nil {
		return nil, fmt.Errorf("store: reading checkpoints of %s/%s: %w", connector, stream, err)
	}
	out := make(map[string]Checkpoint, len(cps))
	for _, cp := range cps {
		out[cp.Scope] = cp
	}
	return out, nil
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
	_, err := s.CommitBatch(ctx, Batch{Pages: []Page{p}})
	return err
}

// CompleteSnapshot ends a snapshot pull that began at pullStartedAt: rows of the
// stream and scope that the pull did not see are marked removed, and the checkpoint
// moves to next, in one transaction. It returns how many rows were marked. It sweeps
// every snapshot table; a Completion in a Batch can name the stream's own.
//
// A record the pull quarantined was listed, only not decoded: its row is not marked
// removed. When a quarantined payload named no id, nothing of the scope is marked
// removed (any unseen row may be that record), and ErrSnapshotHeldBack says so
// with the checkpoint moved all the same. Quarantined rows of the scope that the pull
// did not meet again are deleted.
func (s *Store) CompleteSnapshot(ctx context.Context, key StreamKey, pullStartedAt time.Time, next string) (int, error) {
	done, err := s.CommitBatch(ctx, Batch{Completions: []Completion{{Key: key, Next: next, PullStartedAt: &pullStartedAt}}})
	if err != nil {
		return 0, err
	}
	return done[0].Removed, done[0].HeldBack
}

// RecordCoverage stores the outcome of one pull.
func (s *Store) RecordCoverage(ctx context.Context, c *Coverage) error {
	if err := s.db.WithContext(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("store: recording coverage of %s/%s/%s: %w", c.Connector, c.Stream, c.Scope, err)
	}
	return nil
}
