package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/custos-msp/custos/record"
)

// Batch is what the pulls of one or more scopes write together, in one transaction:
// a sync commits the pages of many small scopes at once, each scope's cursor with its
// own records, so that after a crash every scope resumes right after its last
// committed page.
type Batch struct {
	// Pages are written in order: a record of a later page replaces one of an earlier
	// page with the same key, and a scope's checkpoint moves to its last page's cursor.
	Pages []Page
	// Completions end pulls whose pages are committed, in this batch or before.
	Completions []Completion
	// Coverage rows of pulls that end without a completion (those that failed).
	Coverage []Coverage
}

// Completion ends a pull: its checkpoint moves to Next and, for a snapshot pull, the
// rows of its scope the pull did not see are marked removed (see CompleteSnapshot).
type Completion struct {
	Key  StreamKey
	Next string
	// PullStartedAt is when the snapshot pull began; nil for an incremental pull,
	// whose completion only moves the checkpoint.
	PullStartedAt *time.Time
	// Records are the kinds of record the stream writes, as typed nil pointers (e.g.
	// (*record.Configuration)(nil)): the sweep marks rows of their tables only. None:
	// every snapshot table.
	Records []record.Record
	// Coverage, when set, is the pull's coverage row, written with the completion: its
	// Removed becomes the rows marked, and a held-back sweep counts as one more warning.
	Coverage *Coverage
}

// Completed is what one completion did.
type Completed struct {
	// Removed is how many rows the sweep marked removed.
	Removed int
	// HeldBack wraps ErrSnapshotHeldBack when the sweep marked nothing because a
	// quarantined record named no id; the checkpoint moved all the same.
	HeldBack error
}

// ErrSnapshotHeldBack is returned by CompleteSnapshot, with the pull otherwise
// complete, when it marked nothing removed because a quarantined record named no id.
var ErrSnapshotHeldBack = errors.New("store: snapshot completed without marking rows removed")

// CommitBatch writes the batch in one transaction: either all of it is stored or
// none. It returns what each completion did, in order.
func (s *Store) CommitBatch(ctx context.Context, b Batch) ([]Completed, error) {
	var done []Completed
	err := s.writes(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.upsertRecords(tx, b.Pages); err != nil {
			return fmt.Errorf("store: writing %s: %w", pagesOf(b.Pages), err)
		}
		var cps checkpoints
		for _, p := range b.Pages {
			cps.set(p.Key, p.Cursor, p.PullStartedAt, tx.NowFunc())
		}
		var err error
		if done, err = s.sweep(tx, b.Completions); err != nil {
			return err
		}
		coverage := b.Coverage
		for i, c := range b.Completions {
			cps.set(c.Key, c.Next, nil, tx.NowFunc())
			if c.Coverage != nil {
				cov := *c.Coverage
				cov.Removed = done[i].Removed
				if done[i].HeldBack != nil {
					cov.Warnings++
				}
				coverage = append(coverage, cov)
			}
		}
		if err := cps.save(tx); err != nil {
			return err
		}
		if len(coverage) > 0 {
			if err := tx.CreateInBatches(&coverage, insertBatch).Error; err != nil {
				return fmt.Errorf("store: recording coverage of %d pulls: %w", len(coverage), err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// writes is the handle pulls write through: statements are prepared once per
// connection and kept (up to preparedStatements of them), instead of being prepared
// again for every page.
func (s *Store) writes(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Session(&gorm.Session{PrepareStmt: true})
}

// preparedStatements bounds the statements writes keeps prepared.
const preparedStatements = 512

// pagesOf names the scopes of pages in an error: "the itglue/configurations/12 page"
// or "pages of 40 scopes".
func pagesOf(pages []Page) string {
	keys := map[StreamKey]bool{}
	for _, p := range pages {
		keys[p.Key] = true
	}
	if len(keys) == 1 {
		return pages[0].Key.String() + " page"
	}
	return fmt.Sprintf("pages of %d scopes", len(keys))
}

// sweep marks removed, for each completed snapshot pull, the rows of its scope that
// the pull did not see, in the tables of its stream's records. Pulls of one stream
// that began at the same time are swept together, one statement per table.
func (s *Store) sweep(tx *gorm.DB, cs []Completion) ([]Completed, error) {
	done := make([]Completed, len(cs))
	held, err := quarantinedInPulls(tx, cs)
	if err != nil {
		return nil, err
	}
	type together struct {
		table          string
		source, stream string
		started        time.Time
	}
	var order []together
	groups := map[together][]int{}
	for i, c := range cs {
		if c.PullStartedAt == nil {
			continue
		}
		if held[i].unnamed > 0 {
			done[i].HeldBack = fmt.Errorf("%w: %d quarantined record(s) of %s name no id", ErrSnapshotHeldBack, held[i].unnamed, c.Key)
			continue
		}
		swept, err := sweptTables(c.Records)
		if err != nil {
			return nil, fmt.Errorf("store: completing %s: %w", c.Key, err)
		}
		for _, t := range swept {
			if len(held[i].ids) > 0 {
				n, err := s.sweepHeld(tx, t, c, held[i].ids)
				if err != nil {
					return nil, err
				}
				done[i].Removed += n
				continue
			}
			g := together{t.Name, c.Key.Connector, c.Key.Stream, c.PullStartedAt.UTC()}
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			groups[g] = append(groups[g], i)
		}
	}
	for _, g := range order {
		byScope := map[string]int{}
		scopes := make([]string, 0, len(groups[g]))
		for _, i := range groups[g] {
			byScope[cs[i].Key.Scope] = i
			scopes = append(scopes, cs[i].Key.Scope)
		}
		var marked []string
		err := tx.Raw("UPDATE "+g.table+" SET removed_at = ? WHERE source = ? AND stream = ? AND scope IN ? AND seen_at < ? AND removed_at IS NULL RETURNING scope",
			g.started, g.source, g.stream, scopes, g.started).Scan(&marked).Error
		if err != nil {
			return nil, fmt.Errorf("store: marking removed rows of %s/%s in %d scopes: %w", g.source, g.stream, len(scopes), err)
		}
		for _, scope := range marked {
			done[byScope[scope]].Removed++
		}
	}
	return done, nil
}

// sweepHeld marks removed the rows of table t that the completed pull c did not see,
// but for those of the records it quarantined (ids): they were listed, only not
// decoded.
func (s *Store) sweepHeld(tx *gorm.DB, t Table, c Completion, ids []string) (int, error) {
	if t.personIDs() {
		var err error
		if ids, err = s.storedSourceIDs(t, ids); err != nil {
			return 0, err
		}
	}
	res := tx.Model(t.Model).
		Where("source = ? AND stream = ? AND scope = ? AND seen_at < ? AND removed_at IS NULL AND source_id NOT IN ?",
			c.Key.Connector, c.Key.Stream, c.Key.Scope, *c.PullStartedAt, ids).
		Update("removed_at", *c.PullStartedAt)
	if res.Error != nil {
		return 0, fmt.Errorf("store: marking removed rows of %s: %w", c.Key, res.Error)
	}
	return int(res.RowsAffected), nil
}

// sweptTables returns the snapshot tables of the kinds of record; every snapshot
// table when none is given.
func sweptTables(kinds []record.Record) ([]Table, error) {
	if len(kinds) == 0 {
		return tablesWhere(func(t Table) bool { return t.Pull == Snapshot }), nil
	}
	var out []Table
	for _, k := range kinds {
		t, ok := tableByRecord[reflect.TypeOf(k)]
		if !ok {
			return nil, fmt.Errorf("no table for record type %T", k)
		}
		if t.Pull == Snapshot {
			out = append(out, t)
		}
	}
	return out, nil
}

// lastWins is a list of values by key in which a value put again under a key
// replaces the earlier one in its place: one upsert may not touch a row twice
// (PostgreSQL refuses it), so the last of a batch's values for a row wins.
type lastWins[K comparable, V any] struct {
	values []V
	at     map[K]int
}

func (l *lastWins[K, V]) put(k K, v V) {
	if i, ok := l.at[k]; ok {
		l.values[i] = v
		return
	}
	if l.at == nil {
		l.at = map[K]int{}
	}
	l.at[k] = len(l.values)
	l.values = append(l.values, v)
}

// checkpoints collects the checkpoints a batch moves, each scope's last one winning.
type checkpoints struct {
	lastWins[StreamKey, Checkpoint]
}

func (c *checkpoints) set(key StreamKey, cursor string, pullStartedAt *time.Time, now time.Time) {
	c.put(key, Checkpoint{
		Connector: key.Connector, Stream: key.Stream, Scope: key.Scope,
		Cursor: cursor, PullStartedAt: pullStartedAt, UpdatedAt: now,
	})
}

// save upserts the checkpoints.
func (c *checkpoints) save(tx *gorm.DB) error {
	rows := c.values
	if len(rows) == 0 {
		return nil
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "connector"}, {Name: "stream"}, {Name: "scope"}},
		DoUpdates: clause.AssignmentColumns([]string{"cursor", "pull_started_at", "updated_at"}),
	}).CreateInBatches(&rows, insertBatch).Error
	if err != nil {
		if len(rows) == 1 {
			return fmt.Errorf("store: saving checkpoint %s: %w", StreamKey{rows[0].Connector, rows[0].Stream, rows[0].Scope}, err)
		}
		return fmt.Errorf("store: saving %d checkpoints: %w", len(rows), err)
	}
	return nil
}
