package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/vocab"
)

// FindingInput is what a rule reports: the store turns it into a new, updated or
// re-opened Finding.
type FindingInput struct {
	Rule        string
	Fingerprint string
	Subject     string
	CustomerID  *uint
	Severity    vocab.Severity
	Summary     string
	Evidence    string
	// TechnicianID and DeviceID, when the finding is about one, let exclusions match it.
	TechnicianID *uint
	DeviceID     *uint
}

// ApplyResult counts what ApplyFindings changed.
type ApplyResult struct {
	Opened, Reopened, Updated, Resolved int
}

// Add adds o's counts to r.
func (r *ApplyResult) Add(o ApplyResult) {
	r.Opened += o.Opened
	r.Reopened += o.Reopened
	r.Updated += o.Updated
	r.Resolved += o.Resolved
}

// ApplyFindings records one evaluation of the given rules at now: a finding seen for
// the first time opens, a resolved one seen again re-opens, an open one is refreshed,
// and a finding of these rules that was not reported again is resolved. A finding an
// active exclusion matches is kept as suppressed, and opens again when no exclusion
// matches it any more. Rules not listed are left alone, so a rule that failed to
// evaluate never resolves its findings. Each opening, re-opening, escalation (a rise
// in severity) and resolution of an unsuppressed finding writes an OutboxEntry in the
// same transaction, so no alert is lost to a crash.
func (s *Store) ApplyFindings(ctx context.Context, rules []string, found []FindingInput, now time.Time) (ApplyResult, error) {
	return s.apply(ctx, findingScope{rules: rules}, found, now)
}

// ApplyCustomerFindings records one evaluation of the given rules for one customer,
// as ApplyFindings does, except that only that customer's findings of the rules are
// refreshed or resolved: an evaluation is recorded a customer at a time, and each
// customer in a transaction of its own.
func (s *Store) ApplyCustomerFindings(ctx context.Context, rules []string, customerID uint, found []FindingInput, now time.Time) (ApplyResult, error) {
	return s.apply(ctx, findingScope{rules: rules, customer: &customerID}, found, now)
}

// CustomersWithFindings lists the customers that have findings of the rules not
// resolved, in id order.
func (s *Store) CustomersWithFindings(ctx context.Context, rules []string) ([]uint, error) {
	var ids []uint
	err := s.db.WithContext(ctx).Model(&Finding{}).Distinct("customer_id").
		Where("rule IN ? AND status <> ? AND customer_id IS NOT NULL", rules, StatusResolved).
		Order("customer_id").Pluck("customer_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: listing customers with findings of %v: %w", rules, err)
	}
	return ids, nil
}

// findingBatch is how many findings one INSERT or UPDATE statement writes.
const findingBatch = 500

func (s *Store) apply(ctx context.Context, sc findingScope, found []FindingInput, now time.Time) (ApplyResult, error) {
	var res ApplyResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		exclusions, err := activeExclusions(tx, now)
		if err != nil {
			return err
		}
		existing, err := sc.existing(tx)
		if err != nil {
			return err
		}
		changes, err := planChanges(sc, existing, found, exclusions)
		if err != nil {
			return err
		}
		res, err = recordChanges(tx, changes, now)
		return err
	})
	return res, err
}

// recordChanges carries out planned changes: new findings inserted a batch at a time,
// findings that only were seen again and resolutions updated a batch at a time,
// other changes one by one, and the outbox entries in the order of the changes.
func recordChanges(tx *gorm.DB, changes []change, now time.Time) (ApplyResult, error) {
	var res ApplyResult
	created := make([]Finding, 0, len(changes))
	for _, c := range changes {
		if c.existing == nil {
			status, by, reason := c.status()
			in := c.in
			created = append(created, Finding{
				Rule: in.Rule, Fingerprint: in.Fingerprint, Subject: in.Subject, CustomerID: in.CustomerID,
				Severity: in.Severity, Summary: in.Summary, Evidence: in.Evidence,
				TechnicianID: in.TechnicianID, DeviceID: in.DeviceID,
				FirstSeen: now, LastSeen: now, Status: status, StatusBy: by, StatusReason: reason,
			})
		}
	}
	if len(created) > 0 {
		if err := tx.CreateInBatches(created, findingBatch).Error; err != nil {
			return res, fmt.Errorf("store: opening %d findings: %w", len(created), err)
		}
	}
	var (
		outbox            []OutboxEntry
		seen, resolutions []uint
		next              int
	)
	for _, c := range changes {
		in, f := c.in, c.existing
		if f == nil {
			f = &created[next]
			next++
			if f.Status == StatusOpen {
				outbox = append(outbox, outboxEntry(f, EventOpened, in.Severity, now))
			}
			res.Opened++
			continue
		}
		if c.outcome == PreviewResolve {
			resolutions = append(resolutions, f.ID)
			if f.Status != StatusSuppressed {
				outbox = append(outbox, outboxEntry(f, EventResolved, f.Severity, now))
			}
			res.Resolved++
			continue
		}
		updates := map[string]any{}
		status, by, reason := c.status()
		switch {
		case status == StatusSuppressed && (f.Status != StatusSuppressed || f.StatusReason != reason):
			updates["status"], updates["status_by"], updates["status_reason"], updates["resolved_at"] = status, by, reason, nil
			res.Updated++
		case c.outcome == PreviewReopen:
			updates["status"], updates["status_by"], updates["status_reason"], updates["resolved_at"] = status, by, reason, nil
			outbox = append(outbox, outboxEntry(f, EventReopened, in.Severity, now))
			res.Reopened++
		default:
			if f.Status != StatusSuppressed && in.Severity.Above(f.Severity) {
				outbox = append(outbox, outboxEntry(f, EventEscalated, in.Severity, now))
			}
			res.Updated++
		}
		if len(updates) == 0 && f.sameContent(in) {
			seen = append(seen, f.ID)
			continue
		}
		updates["last_seen"], updates["summary"], updates["severity"], updates["evidence"] = now, in.Summary, in.Severity, in.Evidence
		updates["customer_id"], updates["subject"], updates["technician_id"], updates["device_id"] = in.CustomerID, in.Subject, in.TechnicianID, in.DeviceID
		if err := tx.Model(f).Updates(updates).Error; err != nil {
			return res, fmt.Errorf("store: updating finding %s: %w", in.Fingerprint, err)
		}
	}
	for ids := range slices.Chunk(seen, findingBatch) {
		if err := tx.Model(&Finding{}).Where("id IN ?", ids).Update("last_seen", now).Error; err != nil {
			return res, fmt.Errorf("store: refreshing %d findings: %w", len(ids), err)
		}
	}
	for ids := range slices.Chunk(resolutions, findingBatch) {
		err := tx.Model(&Finding{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": StatusResolved, "status_by": "custos", "status_reason": "condition no longer holds", "resolved_at": now,
		}).Error
		if err != nil {
			return res, fmt.Errorf("store: resolving %d findings: %w", len(ids), err)
		}
	}
	return res, writeOutbox(tx, outbox)
}

// status is the status, set by and reason a reported finding gets: suppressed by its
// exclusion, or open — re-opened when it was resolved or suppressed before.
func (c change) status() (status, by, reason string) {
	switch {
	case c.exclusion != nil:
		return StatusSuppressed, c.exclusion.Owner, c.exclusion.describe()
	case c.existing == nil:
		return StatusOpen, "", ""
	case c.existing.Status == StatusSuppressed:
		return StatusOpen, "custos", "no exclusion matches it any more"
	case c.existing.Status == StatusResolved:
		return StatusOpen, "custos", "condition returned"
	}
	return c.existing.Status, c.existing.StatusBy, c.existing.StatusReason
}

// FindingFilter selects findings; empty fields match everything.
type FindingFilter struct {
	// Customer matches the customer's name, case-insensitively.
	Customer string
	Rule     string
	Status   string
}

// FindingView is a finding with its customer's name.
type FindingView struct {
	Finding
	CustomerName string
}

// Findings lists findings ordered by severity (most severe first), customer and rule.
func (s *Store) Findings(ctx context.Context, f FindingFilter) ([]FindingView, error) {
	q := s.db.WithContext(ctx).Table("findings").
		Select("findings.*, COALESCE(customers.name, '') AS customer_name").
		Joins("LEFT JOIN customers ON customers.id = findings.customer_id")
	if f.Customer != "" {
		q = q.Where("LOWER(customers.name) = LOWER(?)", f.Customer)
	}
	if f.Rule != "" {
		q = q.Where("findings.rule = ?", f.Rule)
	}
	if f.Status != "" {
		q = q.Where("findings.status = ?", f.Status)
	}
	var out []FindingView
	if err := q.Order("findings.id").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing findings: %w", err)
	}
	slices.SortStableFunc(out, func(a, b FindingView) int {
		return cmp.Or(
			b.Severity.Rank()-a.Severity.Rank(),
			strings.Compare(a.CustomerName, b.CustomerName),
			strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Summary, b.Summary),
		)
	})
	return out, nil
}

// OpenFindingCount is how many findings of one rule and severity are open.
type OpenFindingCount struct {
	Rule     string
	Severity vocab.Severity
	Count    int
}

// OpenFindingCounts counts open findings per rule and severity.
func (s *Store) OpenFindingCounts(ctx context.Context) ([]OpenFindingCount, error) {
	var out []OpenFindingCount
	err := s.db.WithContext(ctx).Model(&Finding{}).Select("rule, severity, COUNT(*) AS count").
		Where("status = ?", StatusOpen).Group("rule, severity").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: counting open findings: %w", err)
	}
	return out, nil
}
