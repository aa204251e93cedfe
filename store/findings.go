package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/vocab"
)

// FindingScope names the findings one evaluation speaks for: those of its rules
// and, when CustomerID is set, of that customer only, and when Days is set, of
// the findings about a day (Finding.Day), those about a day in it only.
type FindingScope struct {
	Rules      []string
	CustomerID *uint
	Days       *DaySpan
}

// HasDay says whether a finding about day (empty for about no one day) is in the
// scope's days.
func (s FindingScope) HasDay(day string) bool {
	return s.Days == nil || day == "" || s.Days.Contains(day)
}

// FindingState is what recording an evaluation starts from: the stored findings of
// a scope and the exclusions in force, each in id order.
type FindingState struct {
	Existing   []Finding
	Exclusions []Exclusion
}

// FindingWrites is what recording an evaluation writes, in one transaction.
type FindingWrites struct {
	// Insert holds new findings, inserted findingBatch at a time.
	Insert []Finding
	// Update holds findings whose content or status changed, each written in full
	// (all but its id and first seen).
	Update []Finding
	// Seen holds findings of which only last seen changed; StatusOnly those of
	// which only the status, set by, reason and resolved at changed. Both are
	// written findingBatch at a time, one statement for each run of equal values.
	Seen, StatusOnly []Finding
	// Outbox holds the entries to write after the findings, in order. An entry
	// without a FindingID is about a finding of Insert, named by its fingerprint.
	Outbox []OutboxEntry
	// History holds the entries the changes add to the findings' histories; one
	// without a FindingID is about a finding of Insert, named by its fingerprint.
	History []FindingEvent
}

// ReadFindingState reads the stored findings of scope and the exclusions in force at now.
func (s *Store) ReadFindingState(ctx context.Context, scope FindingScope, now time.Time) (FindingState, error) {
	return readFindingState(s.db.WithContext(ctx), scope, now)
}

// RecordFindings reads the state of scope at now, asks plan what to write and
// writes it, all in one transaction: when plan or a write fails, nothing is kept.
func (s *Store) RecordFindings(ctx context.Context, scope FindingScope, now time.Time, plan func(FindingState) (FindingWrites, error)) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		state, err := readFindingState(tx, scope, now)
		if err != nil {
			return err
		}
		w, err := plan(state)
		if err != nil {
			return err
		}
		return w.write(tx)
	})
}

func readFindingState(db *gorm.DB, scope FindingScope, now time.Time) (FindingState, error) {
	var st FindingState
	if err := db.Where("expires_at > ? AND removed_at IS NULL", now).Order("id").Find(&st.Exclusions).Error; err != nil {
		return st, fmt.Errorf("store: reading exclusions: %w", err)
	}
	q := db.Where("rule IN ?", scope.Rules)
	if scope.CustomerID != nil {
		q = q.Where("customer_id = ?", *scope.CustomerID)
	}
	if scope.Days == nil {
		if err := q.Order("id").Find(&st.Existing).Error; err != nil {
			return st, fmt.Errorf("store: reading findings: %w", err)
		}
		return st, nil
	}
	// The findings about no one day, then those about the scope's days: two
	// searches of the index on customer and day (with an OR, SQLite reads every
	// finding of the customer).
	var about []Finding
	days := q.Session(&gorm.Session{}).Where("day >= ?", scope.Days.From.UTC().Format(time.DateOnly))
	if !scope.Days.To.IsZero() {
		days = days.Where("day < ?", scope.Days.To.UTC().Format(time.DateOnly))
	}
	if err := q.Session(&gorm.Session{}).Where("day = ''").Find(&st.Existing).Error; err != nil {
		return st, fmt.Errorf("store: reading findings: %w", err)
	}
	if err := days.Find(&about).Error; err != nil {
		return st, fmt.Errorf("store: reading findings of %s: %w", scope.Days, err)
	}
	st.Existing = append(st.Existing, about...)
	slices.SortFunc(st.Existing, func(a, b Finding) int { return cmp.Compare(a.ID, b.ID) })
	return st, nil
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

func (w FindingWrites) write(tx *gorm.DB) error {
	if len(w.Insert) > 0 {
		if err := tx.CreateInBatches(w.Insert, findingBatch).Error; err != nil {
			return fmt.Errorf("store: opening %d findings: %w", len(w.Insert), err)
		}
	}
	for i := range w.Update {
		f := &w.Update[i]
		// A struct, not a map: gorm seals personal columns only from a model's fields.
		err := tx.Model(f).Select("last_seen", "day", "summary", "severity", "evidence", "customer_id", "subject",
			"technician_id", "device_id", "status", "status_by", "status_reason", "resolved_at").Updates(f).Error
		if err != nil {
			return fmt.Errorf("store: updating finding %s: %w", f.Fingerprint, err)
		}
	}
	err := updateInRuns(tx, w.Seen, func(a, b *Finding) bool { return a.LastSeen.Equal(b.LastSeen) },
		func(f *Finding) map[string]any { return map[string]any{"last_seen": f.LastSeen} })
	if err != nil {
		return fmt.Errorf("store: refreshing findings: %w", err)
	}
	err = updateInRuns(tx, w.StatusOnly, sameStatus, func(f *Finding) map[string]any {
		return map[string]any{"status": f.Status, "status_by": f.StatusBy, "status_reason": f.StatusReason, "resolved_at": f.ResolvedAt}
	})
	if err != nil {
		return fmt.Errorf("store: changing the status of findings: %w", err)
	}
	inserted := make(map[string]uint, len(w.Insert))
	for _, f := range w.Insert {
		inserted[f.Fingerprint] = f.ID
	}
	for i := range w.Outbox {
		if err := fillFindingID(&w.Outbox[i].FindingID, w.Outbox[i].Fingerprint, inserted, "outbox entry"); err != nil {
			return err
		}
	}
	for i := range w.History {
		if err := fillFindingID(&w.History[i].FindingID, w.History[i].Fingerprint, inserted, "history entry"); err != nil {
			return err
		}
	}
	if len(w.History) > 0 {
		if err := tx.CreateInBatches(w.History, findingBatch).Error; err != nil {
			return fmt.Errorf("store: writing %d history entries of findings: %w", len(w.History), err)
		}
	}
	return writeOutbox(tx, w.Outbox)
}

// fillFindingID sets *id, when it is 0, to the id of the finding inserted under
// fingerprint; what names the entry in the error when there is none.
func fillFindingID(id *uint, fingerprint string, inserted map[string]uint, what string) error {
	if *id == 0 {
		if *id = inserted[fingerprint]; *id == 0 {
			return fmt.Errorf("store: %s for finding %s, which is neither stored nor inserted", what, fingerprint)
		}
	}
	return nil
}

// updateInRuns sets the columns cols gives on fs, one statement for each run of
// at most findingBatch findings that same says have equal values.
func updateInRuns(tx *gorm.DB, fs []Finding, same func(a, b *Finding) bool, cols func(*Finding) map[string]any) error {
	for start := 0; start < len(fs); {
		first := &fs[start]
		ids := []uint{first.ID}
		end := start + 1
		for ; end < len(fs) && len(ids) < findingBatch && same(first, &fs[end]); end++ {
			ids = append(ids, fs[end].ID)
		}
		if err := tx.Model(&Finding{}).Where("id IN ?", ids).Updates(cols(first)).Error; err != nil {
			return fmt.Errorf("writing %d findings: %w", len(ids), err)
		}
		start = end
	}
	return nil
}

// sameStatus reports whether a and b have the same status, set by, reason and resolved at.
func sameStatus(a, b *Finding) bool {
	return a.Status == b.Status && a.StatusBy == b.StatusBy && a.StatusReason == b.StatusReason &&
		((a.ResolvedAt == nil && b.ResolvedAt == nil) || (a.ResolvedAt != nil && b.ResolvedAt != nil && a.ResolvedAt.Equal(*b.ResolvedAt)))
}

// FindingFilter selects findings; empty fields match everything.
type FindingFilter struct {
	// CustomerID keeps the findings of one customer: a name is looked up to its id
	// first, never matched as text.
	CustomerID *uint
	Rule       string
	Status     string
	// ReasonPrefix matches the findings whose status reason starts with it.
	ReasonPrefix string
}

// FindingView is a finding with its customer's name.
type FindingView struct {
	Finding
	CustomerName string
}

// Findings lists findings ordered by severity (most severe first), customer and rule.
func (s *Store) Findings(ctx context.Context, f FindingFilter) ([]FindingView, error) {
	var out []FindingView
	q := s.findings(ctx, f).Select("findings.*, COALESCE(customers.name, '') AS customer_name")
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

// CountFindings counts the findings f selects.
func (s *Store) CountFindings(ctx context.Context, f FindingFilter) (int64, error) {
	var n int64
	if err := s.findings(ctx, f).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: counting findings: %w", err)
	}
	return n, nil
}

// findings is the query of the findings f selects, joined to their customers.
func (s *Store) findings(ctx context.Context, f FindingFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Table("findings").Joins("LEFT JOIN customers ON customers.id = findings.customer_id")
	if f.CustomerID != nil {
		q = q.Where("findings.customer_id = ?", *f.CustomerID)
	}
	if f.Rule != "" {
		q = q.Where("findings.rule = ?", f.Rule)
	}
	if f.Status != "" {
		q = q.Where("findings.status = ?", f.Status)
	}
	if f.ReasonPrefix != "" {
		q = q.Where("SUBSTR(findings.status_reason, 1, ?) = ?", utf8.RuneCountInString(f.ReasonPrefix), f.ReasonPrefix)
	}
	return q
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
