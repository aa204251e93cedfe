package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// RetentionPolicy says how long each kind of data is kept. A zero (or negative)
// duration keeps that kind forever.
type RetentionPolicy struct {
	// RawPayloads is how long a sealed vendor payload is kept after its row was last seen.
	RawPayloads time.Duration
	// RemovedRecords is how long a row is kept after a snapshot found it removed.
	RemovedRecords time.Duration
	// Coverage is how long a coverage row is kept after its pull started.
	Coverage time.Duration
	// JobRuns is how long the history of a finished job run is kept after it started.
	JobRuns time.Duration
	// ResolvedFindings is how long a resolved finding is kept after it was resolved.
	ResolvedFindings time.Duration
	// AccessEvents is how long an access event is kept after it started.
	AccessEvents time.Duration
	// PersonalData is how long an access event keeps the personal values the data
	// inventory says expire so (ExpiresAsPersonalData); after it they are blanked
	// (the technician link stays).
	PersonalData time.Duration
	// Deliveries is how long a delivery receipt and a notify log row are kept after
	// they were written. A delivered message's body is deleted on delivery, and any
	// body left on a delivery that is no longer pending is deleted whatever this says.
	Deliveries time.Duration
	// Reports is how long a rendered report is kept after it was written; the
	// retention job deletes its file and its archive row (jobs.RetentionJob).
	Reports time.Duration
	// AuditTrail is how long an entry of the audit trail is kept after the change it
	// records, and an API token after it was revoked or expired. Console sessions go
	// once they expired, whatever the policy says.
	AuditTrail time.Duration
}

// PruneResult counts what Prune did.
type PruneResult struct {
	// RawCleared counts rows whose raw payload was cleared.
	RawCleared            int
	OrganizationsDeleted  int
	ConfigurationsDeleted int
	// BackupsDeleted counts the backups deleted with their configurations.
	BackupsDeleted  int
	CoverageDeleted int
	JobRunsDeleted  int
	FindingsDeleted int
	// FindingEventsDeleted counts the history entries deleted with their findings.
	FindingEventsDeleted int
	// OthersDeleted counts removed endpoints, agents and user accounts deleted.
	OthersDeleted       int
	AccessEventsDeleted int
	AccessEventsBlanked int
	// DeliveryBodiesCleared counts bodies left on finished deliveries and deleted.
	DeliveryBodiesCleared int
	// DeliveriesDeleted counts receipts deleted; NotifyLogsDeleted notify log rows.
	DeliveriesDeleted int
	NotifyLogsDeleted int
	// ReportsDeleted counts rendered reports deleted, file and archive row.
	ReportsDeleted int
	// AuditEntriesDeleted counts entries of the audit trail deleted; TokensDeleted
	// revoked or expired API tokens; SessionsDeleted expired console sessions.
	AuditEntriesDeleted int
	TokensDeleted       int
	SessionsDeleted     int
}

// DefaultPruneBatch is the batch Prune uses when it is given none.
const DefaultPruneBatch = 500

// maxPruneBatch bounds a batch, so the ids of one batch stay well under both
// databases' limits on bound parameters.
const maxPruneBatch = 5000

// Prune applies the policy at now. Each action works in batches of at most batch rows
// (DefaultPruneBatch when batch is not positive), one transaction each: the ids of the
// matching rows are selected in id order (and locked on PostgreSQL), then those rows
// are changed with the condition checked again. So a row refreshed meanwhile is left
// alone, a long prune never holds a lock for long, and a crash part-way loses only
// rows that were due to go. It returns what was done before any error.
func (s *Store) Prune(ctx context.Context, p RetentionPolicy, now time.Time, batch int) (PruneResult, error) {
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	batch = min(batch, maxPruneBatch)
	now = now.UTC()
	var res PruneResult
	// Removed records go first, so their raw payloads are not cleared only to be deleted.
	// Each step works on the tables that its of selects.
	steps := []struct {
		keep time.Duration
		of   func(Table) bool
		run  func(t Table, cutoff time.Time) error
	}{
		{p.RemovedRecords, retainedAs(KeptWhileListed), func(t Table, cutoff time.Time) error {
			n, children, err := s.pruneWithChildren(ctx, batch, t, "removed_at IS NOT NULL AND removed_at < ?", cutoff)
			*res.removedCount(t.Name) += n
			res.BackupsDeleted += children
			return err
		}},
		{p.AccessEvents, retainedAs(KeptAsEvents), func(t Table, cutoff time.Time) error {
			n, err := s.pruneDelete(ctx, batch, t.Model, "started_at < ?", cutoff)
			res.AccessEventsDeleted += n
			return err
		}},
		{p.PersonalData, retainedAs(KeptAsEvents), func(t Table, cutoff time.Time) error {
			changes, pending := expiringPersonalData(t.InventoryOf())
			if len(changes) == 0 {
				return nil
			}
			where := "started_at < ? AND (" + strings.Join(pending, " OR ") + ")"
			n, _, err := s.pruneBatches(ctx, batch, t.Model, where, []any{cutoff},
				func(tx *gorm.DB, ids []uint) (int64, int64, error) {
					r := tx.Model(t.Model).Where("id IN ?", ids).Where(where, cutoff).UpdateColumns(changes)
					if r.Error != nil {
						return 0, 0, fmt.Errorf("blanking personal data: %w", r.Error)
					}
					return r.RowsAffected, 0, nil
				})
			res.AccessEventsBlanked += n
			return err
		}},
		{p.RawPayloads, func(t Table) bool { return slices.Contains(t.InventoryOf().Expiring(ExpiresAsRaw), "raw") }, func(t Table, cutoff time.Time) error {
			where := "raw <> '' AND seen_at < ?"
			if t.Parent != "" {
				// A child row has no seen_at of its own: it was last seen with its parent.
				where = fmt.Sprintf("raw <> '' AND %s IN (SELECT id FROM %s WHERE seen_at < ?)", t.ParentColumn, t.Parent)
			}
			n, _, err := s.pruneBatches(ctx, batch, t.Model, where, []any{cutoff},
				func(tx *gorm.DB, ids []uint) (int64, int64, error) {
					r := tx.Model(t.Model).Where("id IN ?", ids).Where(where, cutoff).UpdateColumn("raw", "")
					if r.Error != nil {
						return 0, 0, fmt.Errorf("clearing raw payloads: %w", r.Error)
					}
					return r.RowsAffected, 0, nil
				})
			res.RawCleared += n
			return err
		}},
		{p.Coverage, retainedAs(KeptAsCoverage), func(t Table, cutoff time.Time) error {
			n, err := s.pruneDelete(ctx, batch, t.Model, "started_at < ?", cutoff)
			res.CoverageDeleted += n
			return err
		}},
		{p.JobRuns, retainedAs(KeptAsJobRuns), func(t Table, cutoff time.Time) error {
			// A running job's row is the only record that it started: never pruned. One
			// whose process died is marked abandoned (AbandonJobRuns) and goes like the rest.
			n, err := s.pruneDelete(ctx, batch, t.Model,
				"started_at < ? AND finished_at IS NOT NULL AND outcome <> ?", cutoff, JobRunning)
			res.JobRunsDeleted += n
			return err
		}},
		{p.AuditTrail, retainedAs(KeptAsAuditTrail), func(t Table, cutoff time.Time) error {
			n, err := s.pruneDelete(ctx, batch, t.Model, "at < ?", cutoff)
			res.AuditEntriesDeleted += n
			return err
		}},
		{p.AuditTrail, retainedAs(KeptAsTokens), func(t Table, cutoff time.Time) error {
			n, err := s.pruneDelete(ctx, batch, t.Model, "(revoked_at < ? OR expires_at < ?)", cutoff, cutoff)
			res.TokensDeleted += n
			return err
		}},
		{p.ResolvedFindings, retainedAs(KeptUntilResolved), func(t Table, cutoff time.Time) error {
			n, history, err := s.pruneWithChildren(ctx, batch, t,
				"status = ? AND resolved_at IS NOT NULL AND resolved_at < ?", StatusResolved, cutoff)
			res.FindingsDeleted += n
			res.FindingEventsDeleted += history
			return err
		}},
	}
	for _, step := range steps {
		if step.keep <= 0 {
			continue
		}
		for _, t := range tablesWhere(step.of) {
			if err := step.run(t, now.Add(-step.keep)); err != nil {
				return res, err
			}
		}
	}
	if err := s.pruneDeliveries(ctx, p.Deliveries, now, batch, &res); err != nil {
		return res, err
	}
	n, err := s.DeleteExpiredSessions(ctx, now)
	res.SessionsDeleted = n
	return res, err
}

// pruneDeliveries deletes what a delivered or failed message left behind: any body
// still on it at once, and the receipt and notify log rows after keep (when positive).
func (s *Store) pruneDeliveries(ctx context.Context, keep time.Duration, now time.Time, batch int, res *PruneResult) error {
	finished := "status <> 'pending' AND body <> ''"
	n, _, err := s.pruneBatches(ctx, batch, &Delivery{}, finished, nil,
		func(tx *gorm.DB, ids []uint) (int64, int64, error) {
			r := tx.Model(&Delivery{}).Where("id IN ?", ids).Where(finished).UpdateColumn("body", "")
			if r.Error != nil {
				return 0, 0, fmt.Errorf("deleting delivered bodies: %w", r.Error)
			}
			return r.RowsAffected, 0, nil
		})
	res.DeliveryBodiesCleared += n
	if err != nil || keep <= 0 {
		return err
	}
	cutoff := now.Add(-keep)
	n, err = s.pruneDelete(ctx, batch, &Delivery{}, "status <> 'pending' AND created_at < ?", cutoff)
	res.DeliveriesDeleted += n
	if err != nil {
		return err
	}
	// The notify log and the group table have no id to batch by; a row is small and
	// one is written per finding and receiver, so one statement each is enough.
	r := s.db.WithContext(ctx).Where("notified_at < ?", cutoff).Delete(&NotifyLog{})
	if r.Error != nil {
		return fmt.Errorf("store: pruning notify_logs: %w", r.Error)
	}
	res.NotifyLogsDeleted += int(r.RowsAffected)
	if err := s.db.WithContext(ctx).Where("flushed_at < ?", cutoff).Delete(&NotifyGroup{}).Error; err != nil {
		return fmt.Errorf("store: pruning notify_groups: %w", err)
	}
	return nil
}

// expiringPersonalData returns what the personal data retention changes in a table
// (its columns that ExpiresAsPersonalData blanked, those that ExpiresToTechnicianPseudonym
// replaced by the row's technician's pseudonym) and, for each, the condition of a
// row it still has to change.
func expiringPersonalData(inv Inventory) (changes map[string]any, pending []string) {
	changes = map[string]any{}
	for _, c := range inv.Expiring(ExpiresAsPersonalData) {
		changes[c] = ""
		pending = append(pending, c+" <> ''")
	}
	for _, c := range inv.Expiring(ExpiresToTechnicianPseudonym) {
		changes[c] = gorm.Expr(fmt.Sprintf("CASE WHEN technician_id IS NULL THEN %s ELSE %s END", c, technicianPseudonymSQL))
		pending = append(pending, fmt.Sprintf("(technician_id IS NOT NULL AND %[1]s <> '' AND %[1]s NOT LIKE '%[2]s%%')", c, technicianPseudonymPrefix))
	}
	slices.Sort(pending)
	return changes, pending
}

// retainedAs selects the tables of a retention class.
func retainedAs(class Retention) func(Table) bool {
	return func(t Table) bool { return t.Retention == class }
}

// removedCount returns the count of PruneResult that rows of table deleted after
// their removal add to.
func (r *PruneResult) removedCount(table string) *int {
	switch table {
	case "organizations":
		return &r.OrganizationsDeleted
	case "configurations":
		return &r.ConfigurationsDeleted
	}
	return &r.OthersDeleted
}

// pruneWithChildren deletes t's rows matching where, in batches, each with the rows
// of the tables whose parent t is (a configuration's backups, a finding's history). These go explicitly
// rather than by the foreign key's cascade, so they are counted and nothing hangs on
// the connection's pragmas; the selected parents are locked, so the condition still
// holds. It returns how many rows of t and of its children it deleted.
func (s *Store) pruneWithChildren(ctx context.Context, batch int, t Table, where string, args ...any) (int, int, error) {
	children := tablesWhere(func(c Table) bool { return c.Parent == t.Name })
	return s.pruneBatches(ctx, batch, t.Model, where, args, func(tx *gorm.DB, ids []uint) (int64, int64, error) {
		var also int64
		for _, c := range children {
			del := tx.Where(c.ParentColumn+" IN ?", ids).Delete(c.Model)
			if del.Error != nil {
				return 0, 0, fmt.Errorf("deleting %s: %w", c.Name, del.Error)
			}
			also += del.RowsAffected
		}
		n, err := deleteWhere(tx, t.Model, ids, where, args...)
		return n, also, err
	})
}

// pruneDelete deletes model's rows matching where, in batches.
func (s *Store) pruneDelete(ctx context.Context, batch int, model any, where string, args ...any) (int, error) {
	n, _, err := s.pruneBatches(ctx, batch, model, where, args, func(tx *gorm.DB, ids []uint) (int64, int64, error) {
		n, err := deleteWhere(tx, model, ids, where, args...)
		return n, 0, err
	})
	return n, err
}

// pruneBatches selects up to batch ids of model's rows matching where, in id order, and
// hands them to apply in the same transaction, until a batch comes back short. apply
// returns how many rows it changed and how many related rows went with them; the sums
// count committed transactions only.
func (s *Store) pruneBatches(ctx context.Context, batch int, model any, where string, args []any,
	apply func(tx *gorm.DB, ids []uint) (int64, int64, error)) (int, int, error) {
	table := tableOf(s.db, model)
	total, related := 0, 0
	for {
		var (
			ids     []uint
			changed int64
			also    int64
		)
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			q := tx.Model(model).Where(where, args...).Order("id").Limit(batch)
			if s.driver == "postgres" {
				// SQLite's transactions take the write lock at BEGIN; on PostgreSQL the
				// rows are locked, so a writer refreshing one waits for this batch.
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			if err := q.Pluck("id", &ids).Error; err != nil {
				return fmt.Errorf("selecting rows: %w", err)
			}
			if len(ids) == 0 {
				return nil
			}
			var err error
			changed, also, err = apply(tx, ids)
			return err
		})
		if err != nil {
			return total, related, fmt.Errorf("store: pruning %s: %w", table, err)
		}
		total += int(changed)
		related += int(also)
		// A short batch was the last; a batch that changed nothing would only repeat.
		if len(ids) < batch || changed == 0 {
			return total, related, nil
		}
	}
}

// deleteWhere deletes the rows of model with the ids that still match where.
func deleteWhere(tx *gorm.DB, model any, ids []uint, where string, args ...any) (int64, error) {
	r := tx.Where("id IN ?", ids).Where(where, args...).Delete(model)
	if r.Error != nil {
		return 0, fmt.Errorf("deleting rows: %w", r.Error)
	}
	return r.RowsAffected, nil
}

// tableOf names model's table, for error messages.
func tableOf(db *gorm.DB, model any) string {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(model); err != nil {
		return fmt.Sprintf("%T", model)
	}
	return stmt.Schema.Table
}

// Reclaim gives back the pages retention freed and writes the write-ahead log into
// the database file, so that what was deleted or blanked is gone from the files too
// (secure_delete overwrote it in the pages; the log kept copies until now). On
// PostgreSQL it does nothing: vacuuming there is the operator's (docs/store.md).
func (s *Store) Reclaim(ctx context.Context) error {
	if s.driver != "sqlite" {
		return nil
	}
	for _, pragma := range []string{"PRAGMA incremental_vacuum", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if err := s.db.WithContext(ctx).Exec(pragma).Error; err != nil {
			return fmt.Errorf("store: %s: %w", pragma, err)
		}
	}
	return nil
}

// errPreview rolls back the transaction of PrunePreview.
var errPreview = errors.New("store: prune preview rolled back")

// PrunePreview says what Prune would do at now, changing nothing: it runs the same
// Prune inside one transaction and rolls it back, so the counts are exact. It holds
// that transaction (and on SQLite the write lock) while it runs.
func (s *Store) PrunePreview(ctx context.Context, p RetentionPolicy, now time.Time, batch int) (PruneResult, error) {
	var res PruneResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if res, err = (&Store{db: tx, driver: s.driver, sealer: s.sealer, dropRaw: s.dropRaw}).Prune(ctx, p, now, batch); err != nil {
			return err
		}
		return errPreview
	})
	if errors.Is(err, errPreview) {
		err = nil
	}
	return res, err
}
