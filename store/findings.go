package store

import (
	"cmp"
	"context"
	"database/sql"
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
	return readFindingState(s.db.WithContext(ctx), s.sealer, scope, now)
}

// RecordFindings reads the state of scope at now, asks plan what to write and
// writes it, all in one transaction: when plan or a write fails, nothing is kept.
func (s *Store) RecordFindings(ctx context.Context, scope FindingScope, now time.Time, plan func(FindingState) (FindingWrites, error)) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		state, err := readFindingState(tx, s.sealer, scope, now)
		if err != nil {
			return err
		}
		w, err := plan(state)
		if err != nil {
			return err
		}
		_, err = w.write(ctx, tx, s.sealer)
		return err
	})
}

// CustomerFindings is one customer's part of RecordCustomerFindings: the changed
// decisions about its access events, and what to write of its findings given their
// stored state. With Days, of its findings about a day only those about one of Days
// are read: the evaluation checked those days alone.
type CustomerFindings struct {
	CustomerID uint
	Days       *DaySpan
	Decisions  []DecisionUpdate
	Plan       func(FindingState) (FindingWrites, error)
}

// RecordCustomerFindings records several customers' evaluations of rules at now
// in one transaction, so that a run pays a commit for a batch of customers, not for
// each: it reads the stored findings of the rules of every listed customer at once,
// asks each customer's Plan what to write given its own, and writes every
// customer's decisions and findings together. When a plan or a write fails, nothing
// of any of them is kept.
func (s *Store) RecordCustomerFindings(ctx context.Context, rules []string, now time.Time, customers []CustomerFindings) error {
	if len(customers) == 0 {
		return nil
	}
	// The customers checked on the same days (or on every day, nil) are read together.
	var spans []*DaySpan
	bySpan := map[DaySpan][]uint{}
	var whole []uint
	for _, c := range customers {
		if c.Days == nil {
			whole = append(whole, c.CustomerID)
			continue
		}
		if bySpan[*c.Days] == nil {
			spans = append(spans, c.Days)
		}
		bySpan[*c.Days] = append(bySpan[*c.Days], c.CustomerID)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		exclusions, err := readExclusions(tx, now)
		if err != nil {
			return err
		}
		// By customer only, the rules picked here: SQLite's planner, given both,
		// scanned the index of rules, which grows with every customer recorded.
		var existing []Finding
		read := func(days *DaySpan, ids []uint) error {
			if len(ids) == 0 {
				return nil
			}
			fs, err := readFindingsOfDays(tx, s.sealer, days, "customer_id IN ?", ids)
			if err != nil {
				return fmt.Errorf("store: reading the findings of %d customers: %w", len(ids), err)
			}
			existing = append(existing, fs...)
			return nil
		}
		if err := read(nil, whole); err != nil {
			return err
		}
		for _, d := range spans {
			if err := read(d, bySpan[*d]); err != nil {
				return err
			}
		}
		byCustomer := map[uint][]Finding{}
		for _, f := range existing {
			if slices.Contains(rules, f.Rule) {
				byCustomer[*f.CustomerID] = append(byCustomer[*f.CustomerID], f)
			}
		}
		var (
			all       FindingWrites
			each      = make([]FindingWrites, len(customers))
			decisions []DecisionUpdate
		)
		for i, c := range customers {
			if each[i], err = c.Plan(FindingState{Existing: byCustomer[c.CustomerID], Exclusions: exclusions}); err != nil {
				return err
			}
			all.append(each[i])
			decisions = append(decisions, c.Decisions...)
		}
		if err := saveDecisions(ctx, tx, s.sealer, decisions); err != nil {
			return err
		}
		inserted, err := all.write(ctx, tx, s.sealer)
		if err != nil {
			return err
		}
		// Each plan's new findings get their ids, as RecordFindings gives them.
		for _, w := range each {
			for i := range w.Insert {
				w.Insert[i].ID = inserted[w.Insert[i].Fingerprint]
			}
		}
		return nil
	})
}

// append adds o's writes to w's.
func (w *FindingWrites) append(o FindingWrites) {
	w.Insert = append(w.Insert, o.Insert...)
	w.Update = append(w.Update, o.Update...)
	w.Seen = append(w.Seen, o.Seen...)
	w.StatusOnly = append(w.StatusOnly, o.StatusOnly...)
	w.Outbox = append(w.Outbox, o.Outbox...)
	w.History = append(w.History, o.History...)
}

func readFindingState(db *gorm.DB, sealer Sealer, scope FindingScope, now time.Time) (FindingState, error) {
	var (
		st  FindingState
		err error
	)
	if st.Exclusions, err = readExclusions(db, now); err != nil {
		return st, err
	}
	where, args := "rule IN ?", []any{scope.Rules}
	if scope.CustomerID != nil {
		where, args = where+" AND customer_id = ?", append(args, *scope.CustomerID)
	}
	if st.Existing, err = readFindingsOfDays(db, sealer, scope.Days, where, args...); err != nil {
		return st, fmt.Errorf("store: reading findings: %w", err)
	}
	return st, nil
}

// readExclusions reads the exclusions in force at now, in id order.
func readExclusions(db *gorm.DB, now time.Time) ([]Exclusion, error) {
	var out []Exclusion
	if err := db.Where("expires_at > ? AND removed_at IS NULL", now).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading exclusions: %w", err)
	}
	return out, nil
}

// readFindingsOfDays reads the findings where selects, in id order; with days, of
// those about a day (Finding.Day) only those about one of days. It searches twice,
// for the findings about no one day and for those about days, so that both use the
// index on customer and day (with an OR, SQLite reads every finding of the
// customer).
func readFindingsOfDays(db *gorm.DB, sealer Sealer, days *DaySpan, where string, args ...any) ([]Finding, error) {
	if days == nil {
		return readFindings(db, sealer, where, args...)
	}
	out, err := readFindings(db, sealer, where+" AND day = ''", args...)
	if err != nil {
		return nil, err
	}
	where, args = where+" AND day >= ?", append(slices.Clone(args), days.From.UTC().Format(time.DateOnly))
	if !days.To.IsZero() {
		where, args = where+" AND day < ?", append(args, days.To.UTC().Format(time.DateOnly))
	}
	about, err := readFindings(db, sealer, where, args...)
	if err != nil {
		return nil, fmt.Errorf("of %s: %w", days, err)
	}
	out = append(out, about...)
	slices.SortFunc(out, func(a, b Finding) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// findingColumns are a finding's columns in the order scanFinding reads them.
const findingColumns = "id, rule, fingerprint, subject, customer_id, day, severity, summary, evidence, technician_id, device_id, " +
	"first_seen, last_seen, status, status_by, status_reason, resolved_at, assignee"

// readFindings reads the findings where selects, in id order, scanning rows by
// hand and opening the sealed columns as the serializers would.
func readFindings(db *gorm.DB, sealer Sealer, where string, args ...any) ([]Finding, error) {
	rows, err := db.Raw("SELECT "+findingColumns+" FROM findings WHERE "+where+" ORDER BY id", args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var (
			f                                          Finding
			customer, technician, device               sql.NullInt64
			evidence, statusBy, statusReason, assignee sql.NullString
			firstSeen, lastSeen, resolved              sql.NullTime
		)
		if err := rows.Scan(&f.ID, &f.Rule, &f.Fingerprint, &f.Subject, &customer, &f.Day, &f.Severity, &f.Summary, &evidence,
			&technician, &device, &firstSeen, &lastSeen, &f.Status, &statusBy, &statusReason, &resolved, &assignee); err != nil {
			return nil, err
		}
		if f.Subject, err = openPersonal(sealer, f.Subject, personalData); err != nil {
			return nil, fmt.Errorf("opening the subject of finding %d: %w", f.ID, err)
		}
		if f.Summary, err = openPersonal(sealer, f.Summary, personalData); err != nil {
			return nil, fmt.Errorf("opening the summary of finding %d: %w", f.ID, err)
		}
		f.CustomerID, f.TechnicianID, f.DeviceID = optionalID(customer), optionalID(technician), optionalID(device)
		f.Evidence, f.StatusBy, f.StatusReason, f.Assignee = evidence.String, statusBy.String, statusReason.String, assignee.String
		f.FirstSeen, f.LastSeen = firstSeen.Time, lastSeen.Time
		if resolved.Valid {
			f.ResolvedAt = &resolved.Time
		}
		out = append(out, f)
	}
	return out, rows.Err()
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

// findingBatch is how many findings one UPDATE of their last seen or status writes.
const findingBatch = 500

// The columns recording an evaluation writes: of a new finding, of a finding whose
// content changed (its id first, the key), of a history entry and of an outbox entry.
var (
	findingInsert = bulkTable{name: "findings", columns: []bulkColumn{
		{"rule", "text"}, {"fingerprint", "text"}, {"subject", "text"}, {"customer_id", "bigint"}, {"day", "text"}, {"severity", "text"},
		{"summary", "text"}, {"evidence", "text"}, {"technician_id", "bigint"}, {"device_id", "bigint"},
		{"first_seen", "timestamptz"}, {"last_seen", "timestamptz"}, {"status", "text"}, {"status_by", "text"},
		{"status_reason", "text"}, {"resolved_at", "timestamptz"}, {"assignee", "text"},
	}}
	findingUpdate = bulkTable{name: "findings", columns: []bulkColumn{
		{"id", "bigint"}, {"last_seen", "timestamptz"}, {"day", "text"}, {"summary", "text"}, {"severity", "text"}, {"evidence", "text"},
		{"customer_id", "bigint"}, {"subject", "text"}, {"technician_id", "bigint"}, {"device_id", "bigint"},
		{"status", "text"}, {"status_by", "text"}, {"status_reason", "text"}, {"resolved_at", "timestamptz"},
	}}
	historyInsert = bulkTable{name: "finding_events", columns: []bulkColumn{
		{"finding_id", "bigint"}, {"at", "timestamptz"}, {"actor", "text"}, {"action", "text"}, {"note", "text"}, {"assignee", "text"},
	}}
	outboxInsert = bulkTable{name: "outbox_entries", columns: []bulkColumn{
		{"finding_id", "bigint"}, {"fingerprint", "text"}, {"event", "text"}, {"severity", "text"}, {"receiver", "text"},
		{"route", "bigint"}, {"created_at", "timestamptz"}, {"returned", "bigint"},
	}}
)

// write writes w in tx, sealing personal columns with sealer as the serializers
// would: new findings, changed ones, history and outbox entries many rows a
// statement (bulkTable), last seen and status changes one statement for each run of
// equal values. It returns the new findings' ids by fingerprint.
func (w FindingWrites) write(ctx context.Context, tx *gorm.DB, sealer Sealer) (map[string]uint, error) {
	inserted, err := insertFindings(ctx, tx, sealer, w.Insert)
	if err != nil {
		return nil, fmt.Errorf("store: opening %d findings: %w", len(w.Insert), err)
	}
	if err := updateFindings(ctx, tx, sealer, w.Update); err != nil {
		return nil, fmt.Errorf("store: updating %d findings: %w", len(w.Update), err)
	}
	err = updateInRuns(tx, w.Seen, func(a, b *Finding) bool { return a.LastSeen.Equal(b.LastSeen) },
		func(f *Finding) map[string]any { return map[string]any{"last_seen": f.LastSeen} })
	if err != nil {
		return nil, fmt.Errorf("store: refreshing findings: %w", err)
	}
	err = updateInRuns(tx, w.StatusOnly, sameStatus, func(f *Finding) map[string]any {
		return map[string]any{"status": f.Status, "status_by": f.StatusBy, "status_reason": f.StatusReason, "resolved_at": f.ResolvedAt}
	})
	if err != nil {
		return nil, fmt.Errorf("store: changing the status of findings: %w", err)
	}
	history := make([]any, 0, len(w.History)*len(historyInsert.columns))
	for i := range w.History {
		h := &w.History[i]
		if err := fillFindingID(&h.FindingID, h.Fingerprint, inserted, "history entry"); err != nil {
			return nil, err
		}
		note, err := sealPersonal(sealer, h.Note, false, personalData)
		if err != nil {
			return nil, fmt.Errorf("store: sealing the history of finding %s: %w", h.Fingerprint, err)
		}
		history = append(history, int64(h.FindingID), h.At, h.Actor, h.Action, note, h.Assignee)
	}
	if err := historyInsert.insert(ctx, tx, history, "", nil); err != nil {
		return nil, fmt.Errorf("store: writing %d history entries of findings: %w", len(w.History), err)
	}
	outbox := make([]any, 0, len(w.Outbox)*len(outboxInsert.columns))
	for i := range w.Outbox {
		o := &w.Outbox[i]
		if err := fillFindingID(&o.FindingID, o.Fingerprint, inserted, "outbox entry"); err != nil {
			return nil, err
		}
		outbox = append(outbox, int64(o.FindingID), o.Fingerprint, o.Event, string(o.Severity), o.Receiver, int64(o.Route), o.CreatedAt, int64(o.Returned))
	}
	if err := outboxInsert.insert(ctx, tx, outbox, "", nil); err != nil {
		return nil, fmt.Errorf("store: writing %d outbox entries: %w", len(w.Outbox), err)
	}
	return inserted, nil
}

// insertFindings inserts fs, sets their ids and returns them by fingerprint.
func insertFindings(ctx context.Context, tx *gorm.DB, sealer Sealer, fs []Finding) (map[string]uint, error) {
	values := make([]any, 0, len(fs)*len(findingInsert.columns))
	at := make(map[string]int, len(fs))
	for i := range fs {
		f := &fs[i]
		subject, summary, err := sealFinding(sealer, f)
		if err != nil {
			return nil, err
		}
		at[f.Fingerprint] = i
		values = append(values, f.Rule, f.Fingerprint, subject, nullID(f.CustomerID), f.Day, string(f.Severity), summary, f.Evidence,
			nullID(f.TechnicianID), nullID(f.DeviceID), f.FirstSeen, f.LastSeen, f.Status, f.StatusBy, f.StatusReason,
			nullTime(f.ResolvedAt), f.Assignee)
	}
	inserted := make(map[string]uint, len(fs))
	err := findingInsert.insert(ctx, tx, values, "id, fingerprint", func(rows *sql.Rows) error {
		var (
			id          int64
			fingerprint string
		)
		if err := rows.Scan(&id, &fingerprint); err != nil {
			return err
		}
		i, ok := at[fingerprint]
		if !ok {
			return fmt.Errorf("inserting findings returned finding %s, which was not inserted", fingerprint)
		}
		fs[i].ID, inserted[fingerprint] = uint(id), uint(id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(inserted) != len(fs) {
		return nil, fmt.Errorf("inserting %d findings returned %d ids", len(fs), len(inserted))
	}
	return inserted, nil
}

// updateFindings writes each of fs in full but for its id, first seen and assignee.
func updateFindings(ctx context.Context, tx *gorm.DB, sealer Sealer, fs []Finding) error {
	values := make([]any, 0, len(fs)*len(findingUpdate.columns))
	for i := range fs {
		f := &fs[i]
		subject, summary, err := sealFinding(sealer, f)
		if err != nil {
			return err
		}
		values = append(values, int64(f.ID), f.LastSeen, f.Day, summary, string(f.Severity), f.Evidence, nullID(f.CustomerID), subject,
			nullID(f.TechnicianID), nullID(f.DeviceID), f.Status, f.StatusBy, f.StatusReason, nullTime(f.ResolvedAt))
	}
	return findingUpdate.update(ctx, tx, values)
}

// sealFinding seals f's personal columns, its subject and summary.
func sealFinding(sealer Sealer, f *Finding) (subject, summary string, err error) {
	if subject, err = sealPersonal(sealer, f.Subject, false, personalData); err != nil {
		return "", "", fmt.Errorf("sealing the subject of finding %s: %w", f.Fingerprint, err)
	}
	if summary, err = sealPersonal(sealer, f.Summary, false, personalData); err != nil {
		return "", "", fmt.Errorf("sealing the summary of finding %s: %w", f.Fingerprint, err)
	}
	return subject, summary, nil
}

// nullTime is an optional time as a statement argument.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
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
