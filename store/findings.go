package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/config"
)

// FindingInput is what a rule reports: the store turns it into a new, updated or
// re-opened Finding.
type FindingInput struct {
	Rule        string
	Fingerprint string
	Subject     string
	CustomerID  *uint
	Severity    string
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

// ApplyFindings records one evaluation of the given rules at now: a finding seen for
// the first time opens, a resolved one seen again re-opens, an open one is refreshed,
// and a finding of these rules that was not reported again is resolved. A finding an
// active exclusion matches is kept as suppressed, and opens again when no exclusion
// matches it any more. Rules not listed are left alone, so a rule that failed to
// evaluate never resolves its findings. Each opening, re-opening, escalation (a rise
// in severity) and resolution of an unsuppressed finding writes an OutboxEntry in the
// same transaction, so no alert is lost to a crash.
func (s *Store) ApplyFindings(ctx context.Context, rules []string, found []FindingInput, now time.Time) (ApplyResult, error) {
	var res ApplyResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var outbox []OutboxEntry
		exclusions, err := activeExclusions(tx, now)
		if err != nil {
			return err
		}
		var existing []Finding
		if err := tx.Where("rule IN ?", rules).Find(&existing).Error; err != nil {
			return fmt.Errorf("store: reading findings: %w", err)
		}
		byFingerprint := make(map[string]*Finding, len(existing))
		for i := range existing {
			byFingerprint[existing[i].Fingerprint] = &existing[i]
		}
		seen := make(map[string]bool, len(found))
		for _, in := range found {
			if !slices.Contains(rules, in.Rule) {
				return fmt.Errorf("store: finding of rule %s reported in an evaluation of %v", in.Rule, rules)
			}
			if seen[in.Fingerprint] {
				continue
			}
			seen[in.Fingerprint] = true
			status, by, reason := StatusOpen, "", ""
			if x := matchExclusion(exclusions, in); x != nil {
				status, by, reason = StatusSuppressed, x.Owner, x.describe()
			}
			f, ok := byFingerprint[in.Fingerprint]
			if !ok {
				f = &Finding{
					Rule: in.Rule, Fingerprint: in.Fingerprint, Subject: in.Subject, CustomerID: in.CustomerID,
					Severity: in.Severity, Summary: in.Summary, Evidence: in.Evidence,
					TechnicianID: in.TechnicianID, DeviceID: in.DeviceID,
					FirstSeen: now, LastSeen: now, Status: status, StatusBy: by, StatusReason: reason,
				}
				if err := tx.Create(f).Error; err != nil {
					return fmt.Errorf("store: opening finding %s: %w", in.Fingerprint, err)
				}
				if status == StatusOpen {
					outbox = append(outbox, outboxEntry(f, EventOpened, in.Severity, now))
				}
				res.Opened++
				continue
			}
			updates := map[string]any{
				"last_seen": now, "summary": in.Summary, "severity": in.Severity,
				"evidence": in.Evidence, "customer_id": in.CustomerID, "subject": in.Subject,
				"technician_id": in.TechnicianID, "device_id": in.DeviceID,
			}
			switch {
			case status == StatusSuppressed && (f.Status != StatusSuppressed || f.StatusReason != reason):
				updates["status"], updates["status_by"], updates["status_reason"], updates["resolved_at"] = status, by, reason, nil
				res.Updated++
			case status == StatusOpen && (f.Status == StatusResolved || f.Status == StatusSuppressed):
				why := "condition returned"
				if f.Status == StatusSuppressed {
					why = "no exclusion matches it any more"
				}
				updates["status"], updates["status_by"], updates["status_reason"], updates["resolved_at"] = StatusOpen, "custos", why, nil
				outbox = append(outbox, outboxEntry(f, EventReopened, in.Severity, now))
				res.Reopened++
			default:
				if f.Status != StatusSuppressed && severityRank(in.Severity) > severityRank(f.Severity) {
					outbox = append(outbox, outboxEntry(f, EventEscalated, in.Severity, now))
				}
				res.Updated++
			}
			if err := tx.Model(f).Updates(updates).Error; err != nil {
				return fmt.Errorf("store: updating finding %s: %w", in.Fingerprint, err)
			}
		}
		for _, f := range existing {
			if seen[f.Fingerprint] || f.Status == StatusResolved {
				continue
			}
			err := tx.Model(&Finding{ID: f.ID}).Updates(map[string]any{
				"status": StatusResolved, "status_by": "custos",
				"status_reason": "condition no longer holds", "resolved_at": now,
			}).Error
			if err != nil {
				return fmt.Errorf("store: resolving finding %s: %w", f.Fingerprint, err)
			}
			if f.Status != StatusSuppressed {
				outbox = append(outbox, outboxEntry(&f, EventResolved, f.Severity, now))
			}
			res.Resolved++
		}
		return writeOutbox(tx, outbox)
	})
	return res, err
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
			severityRank(b.Severity)-severityRank(a.Severity),
			strings.Compare(a.CustomerName, b.CustomerName),
			strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Summary, b.Summary),
		)
	})
	return out, nil
}

func severityRank(s string) int { return slices.Index(config.Severities, s) }

// OpenFindingCount is how many findings of one rule and severity are open.
type OpenFindingCount struct {
	Rule     string
	Severity string
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
