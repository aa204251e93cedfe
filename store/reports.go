package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ReportArchive is one rendered monthly report kept in the archive: whose and which
// month it is, its format and variant, where the file is and its SHA-256. A
// re-rendering with the same content is the same archive row.
type ReportArchive struct {
	ID         uint `gorm:"primaryKey"`
	CustomerID uint `gorm:"not null;uniqueIndex:idx_report_archive"`
	// Month is the calendar month, "2026-10", in the customer's time zone.
	Month string `gorm:"not null;uniqueIndex:idx_report_archive"`
	// Format is html or pdf; Variant is customer or internal.
	Format  string `gorm:"not null;uniqueIndex:idx_report_archive"`
	Variant string `gorm:"not null;uniqueIndex:idx_report_archive"`
	// SHA256 is the hex SHA-256 of the file's content.
	SHA256          string `gorm:"column:sha256;not null;uniqueIndex:idx_report_archive"`
	Path            string `gorm:"not null"`
	Size            int64
	TemplateVersion string
	CreatedAt       time.Time
	// SentAt is when the report was e-mailed to the customer; nil if it was not.
	SentAt *time.Time
}

// ArchiveReport records a rendered report. When the archive already holds the same
// customer, month, format, variant and content, it fills a with that row and returns
// false.
func (s *Store) ArchiveReport(ctx context.Context, a *ReportArchive) (bool, error) {
	db := s.db.WithContext(ctx)
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(a)
	if res.Error != nil {
		return false, fmt.Errorf("store: archiving the %s report of customer %d for %s: %w", a.Format, a.CustomerID, a.Month, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	err := db.Where("customer_id = ? AND month = ? AND format = ? AND variant = ? AND sha256 = ?",
		a.CustomerID, a.Month, a.Format, a.Variant, a.SHA256).First(a).Error
	if err != nil {
		return false, fmt.Errorf("store: reading the archived %s report of customer %d for %s: %w", a.Format, a.CustomerID, a.Month, err)
	}
	return false, nil
}

// MarkReportsSent records that the archived reports were e-mailed at.
func (s *Store) MarkReportsSent(ctx context.Context, ids []uint, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.db.WithContext(ctx).Model(&ReportArchive{}).Where("id IN ?", ids).Update("sent_at", at.UTC()).Error; err != nil {
		return fmt.Errorf("store: marking reports %v sent: %w", ids, err)
	}
	return nil
}

// ReportArchives lists a customer's archived reports, newest month first, then by
// format, variant and creation.
func (s *Store) ReportArchives(ctx context.Context, customerID uint) ([]ReportArchive, error) {
	var out []ReportArchive
	err := s.db.WithContext(ctx).Where("customer_id = ?", customerID).
		Order("month DESC, format, variant, created_at, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: listing the archived reports of customer %d: %w", customerID, err)
	}
	return out, nil
}

// ErrNoCustomer is returned when no customer has the name asked for.
var ErrNoCustomer = errors.New("no such customer")

// CustomerByName returns the customer with the name, compared case-insensitively.
func (s *Store) CustomerByName(ctx context.Context, name string) (Customer, error) {
	var c Customer
	err := s.db.WithContext(ctx).Where("LOWER(name) = LOWER(?)", strings.TrimSpace(name)).Order("id").First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, fmt.Errorf("store: customer %q: %w", name, ErrNoCustomer)
	}
	if err != nil {
		return c, fmt.Errorf("store: reading customer %q: %w", name, err)
	}
	return c, nil
}

// ActiveCustomers lists the active customers by name.
func (s *Store) ActiveCustomers(ctx context.Context) ([]Customer, error) {
	var out []Customer
	if err := s.db.WithContext(ctx).Where("status = ?", CustomerActive).Order("name, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing active customers: %w", err)
	}
	return out, nil
}

// ReportAccess is an access event as a report shows it: with its technician's and
// device's canonical names and the authorisation that covered it, in advance or
// afterwards, if any.
type ReportAccess struct {
	AccessEvent
	TechnicianName  string `gorm:"serializer:personal"`
	CanonicalDevice string
	// The covering authorisation's evidence, grantor, scope, validity and when it
	// was recorded (covered_by, or authorised_late_by); empty when nothing covered
	// the access.
	AuthEvidence   string `gorm:"serializer:personal"`
	AuthGrantedBy  string `gorm:"serializer:personal"`
	AuthScope      string
	AuthValidFrom  *time.Time
	AuthValidTo    *time.Time
	AuthRecordedAt *time.Time
	// BackupEvidence is the evidence of the verified backup that a removal relied on
	// (backup_id, or late_backup_id), BackupRecordedAt when it was recorded.
	BackupEvidence   string `gorm:"serializer:personal"`
	BackupRecordedAt *time.Time
}

// ReportAccessEvents lists a customer's access events that started in [from, to),
// in the order they started.
func (s *Store) ReportAccessEvents(ctx context.Context, customerID uint, from, to time.Time) ([]ReportAccess, error) {
	var out []ReportAccess
	err := s.db.WithContext(ctx).Model(&AccessEvent{}).
		Select(`access_events.*, COALESCE(technicians.name, '') AS technician_name,
			COALESCE(devices.name, '') AS canonical_device,
			COALESCE(authorisations.evidence, '') AS auth_evidence,
			COALESCE(authorisations.granted_by, '') AS auth_granted_by,
			COALESCE(authorisations.access_scope, '') AS auth_scope,
			authorisations.valid_from AS auth_valid_from, authorisations.valid_to AS auth_valid_to,
			authorisations.recorded_at AS auth_recorded_at,
			COALESCE(verified_backups.evidence, '') AS backup_evidence, verified_backups.recorded_at AS backup_recorded_at`).
		Joins("LEFT JOIN technicians ON technicians.id = access_events.technician_id").
		Joins("LEFT JOIN devices ON devices.id = access_events.device_id").
		Joins("LEFT JOIN authorisations ON authorisations.id = COALESCE(access_events.covered_by, access_events.authorised_late_by)").
		Joins("LEFT JOIN verified_backups ON verified_backups.id = COALESCE(access_events.backup_id, access_events.late_backup_id)").
		Where("access_events.customer_id = ? AND access_events.started_at >= ? AND access_events.started_at < ?", customerID, from.UTC(), to.UTC()).
		Order("access_events.started_at, access_events.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the access events of customer %d from %s to %s: %w", customerID, from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return out, nil
}

// CustomerFindings lists every finding of a customer that was first seen before to,
// ordered by id.
func (s *Store) CustomerFindings(ctx context.Context, customerID uint, to time.Time) ([]Finding, error) {
	var out []Finding
	err := s.db.WithContext(ctx).Where("customer_id = ? AND first_seen < ?", customerID, to.UTC()).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the findings of customer %d: %w", customerID, err)
	}
	return out, nil
}

// CustomerConfigurations lists a customer's configurations still listed by their
// source and not archived, ordered by name and id, with their backups ordered by id.
func (s *Store) CustomerConfigurations(ctx context.Context, customerID uint) ([]Configuration, error) {
	var out []Configuration
	err := s.db.WithContext(ctx).
		Preload("Backups", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("customer_id = ? AND removed_at IS NULL AND archived = ?", customerID, false).
		Order("name, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the configurations of customer %d: %w", customerID, err)
	}
	return out, nil
}

// AccountScope is the scope of a pull that reads a whole account, every customer at
// once (connectors.Account).
const AccountScope = "account"

// CustomerCoverage lists the coverage rows that concern a customer (pulls of the
// whole account and pulls of a scope linked to the customer: its organization, site
// or tenant at that source) and the period [from, until): pulls that started in it,
// and pulls that started later, up to asOf, but read a window of it. Rows are ordered
// by connector, stream, start and id.
func (s *Store) CustomerCoverage(ctx context.Context, customerID uint, from, until, asOf time.Time) ([]Coverage, error) {
	var out []Coverage
	err := s.customerCoverage(ctx, customerID, asOf).
		Where("(coverages.started_at >= ? AND coverages.started_at < ?) OR (coverages.window_start < ? AND coverages.window_end > ?)",
			from.UTC(), until.UTC(), until.UTC(), from.UTC()).
		Order("coverages.connector, coverages.stream, coverages.started_at, coverages.id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the coverage of customer %d: %w", customerID, err)
	}
	return out, nil
}

// CoveredStream names one stream of one connector.
type CoveredStream struct {
	Connector, Stream string
}

// CustomerStreams lists, ordered, the streams that had read a customer (as
// CustomerCoverage counts them) before to: the sources a report expects data from.
func (s *Store) CustomerStreams(ctx context.Context, customerID uint, to time.Time) ([]CoveredStream, error) {
	var out []CoveredStream
	err := s.customerCoverage(ctx, customerID, to).Distinct("coverages.connector", "coverages.stream").
		Order("coverages.connector, coverages.stream").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: listing the streams that read customer %d: %w", customerID, err)
	}
	return out, nil
}

func (s *Store) customerCoverage(ctx context.Context, customerID uint, to time.Time) *gorm.DB {
	linked := s.db.Model(&Link{}).Select("source_id").
		Where("links.kind = ? AND links.target_id = ? AND links.source = coverages.connector", LinkCustomer, customerID)
	return s.db.WithContext(ctx).Model(&Coverage{}).
		Where("coverages.started_at < ? AND (coverages.scope = ? OR coverages.scope IN (?))", to.UTC(), AccountScope, linked)
}

// StreamRead reports whether the stream of the connector has pulled any scope,
// successfully or not, before the time: whether that source is configured at all.
func (s *Store) StreamRead(ctx context.Context, connector, stream string, before time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Coverage{}).
		Where("connector = ? AND stream = ? AND started_at < ?", connector, stream, before.UTC()).Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: looking for pulls of %s/%s: %w", connector, stream, err)
	}
	return n > 0, nil
}

// ExpiredReports lists the archived reports written before cutoff, oldest first.
func (s *Store) ExpiredReports(ctx context.Context, cutoff time.Time) ([]ReportArchive, error) {
	var out []ReportArchive
	if err := s.db.WithContext(ctx).Where("created_at < ?", cutoff.UTC()).Order("created_at, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing reports written before %s: %w", cutoff.UTC().Format(time.DateOnly), err)
	}
	return out, nil
}

// DeleteReportArchive deletes one archive row, once its file is gone.
func (s *Store) DeleteReportArchive(ctx context.Context, id uint) error {
	if err := s.db.WithContext(ctx).Delete(&ReportArchive{}, id).Error; err != nil {
		return fmt.Errorf("store: deleting archived report %d: %w", id, err)
	}
	return nil
}
