package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ReportArchive is one rendering of a monthly report kept in the archive: whose and
// which month it is, its format and variant, its rendering number, where the file is
// and its hashes. Every rendering is a row of its own and a file of its own; none
// replaces another.
type ReportArchive struct {
	ID         uint `gorm:"primaryKey"`
	CustomerID uint `gorm:"not null;uniqueIndex:idx_report_archive"`
	// Month is the calendar month, "2026-10", in the customer's time zone.
	Month string `gorm:"not null;uniqueIndex:idx_report_archive"`
	// Format is html or pdf; Variant is customer or internal.
	Format  string `gorm:"not null;uniqueIndex:idx_report_archive"`
	Variant string `gorm:"not null;uniqueIndex:idx_report_archive"`
	// Rendering numbers the renderings of one customer, month, format and variant
	// from 1 (r1, r2, …); rows archived before renderings were numbered were
	// numbered in the order they were written.
	Rendering int `gorm:"not null;default:0;uniqueIndex:idx_report_archive"`
	// SHA256 is the hex SHA-256 of the file's content, as sha256sum prints it.
	SHA256 string `gorm:"column:sha256;not null;index"`
	// DocumentSHA256 is the hash printed in the document's footer: the SHA-256 of
	// the file with every occurrence of that hash read as 64 zeros (report.Stamp);
	// empty for renderings archived before it was printed.
	DocumentSHA256  string `gorm:"column:document_sha256;index"`
	Path            string `gorm:"not null"`
	Size            int64
	TemplateVersion string
	CreatedAt       time.Time
	// SentAt is when the report was e-mailed to the customer; nil if it was not.
	SentAt *time.Time
}

// ErrRenderingTaken is returned by ArchiveReport when the archive already holds the
// rendering number for the customer, month, format and variant.
var ErrRenderingTaken = errors.New("rendering number already archived")

// NextRendering is the number the next rendering of the customer's month in the
// format and variant takes: one more than the highest archived, 1 for the first.
func (s *Store) NextRendering(ctx context.Context, customerID uint, month, format, variant string) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Model(&ReportArchive{}).Select("COALESCE(MAX(rendering), 0)").
		Where("customer_id = ? AND month = ? AND format = ? AND variant = ?", customerID, month, format, variant).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: numbering the next %s %s report of customer %d for %s: %w", variant, format, customerID, month, err)
	}
	return n + 1, nil
}

// ArchiveReport records a rendering. It never replaces a row: when another writer
// archived the same rendering number first, it returns ErrRenderingTaken.
func (s *Store) ArchiveReport(ctx context.Context, a *ReportArchive) error {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(a)
	if res.Error != nil {
		return fmt.Errorf("store: archiving the %s report of customer %d for %s: %w", a.Format, a.CustomerID, a.Month, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: archiving rendering %d of the %s %s report of customer %d for %s: %w", a.Rendering, a.Variant, a.Format, a.CustomerID, a.Month, ErrRenderingTaken)
	}
	return nil
}

// ReportArchivesByHash lists the archived renderings whose file hash or printed
// document hash is sum, by id.
func (s *Store) ReportArchivesByHash(ctx context.Context, sum string) ([]ReportArchive, error) {
	var out []ReportArchive
	if err := s.db.WithContext(ctx).Where("sha256 = ? OR document_sha256 = ?", sum, sum).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: looking up archived reports by SHA-256 %s: %w", sum, err)
	}
	return out, nil
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
// format, variant and rendering.
func (s *Store) ReportArchives(ctx context.Context, customerID uint) ([]ReportArchive, error) {
	var out []ReportArchive
	err := s.db.WithContext(ctx).Where("customer_id = ?", customerID).
		Order("month DESC, format, variant, rendering, id").Find(&out).Error
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

// CustomerFirstRead returns the earliest instant any source read of a customer (as
// CustomerCoverage counts pulls) before asOf: the start of the first window read, or
// the start of the first pull of a stream that reads no window. ok is false when no
// source has read the customer yet.
func (s *Store) CustomerFirstRead(ctx context.Context, customerID uint, asOf time.Time) (first time.Time, ok bool, err error) {
	var rows []Coverage
	err = s.customerCoverage(ctx, customerID, asOf).Select("coverages.started_at", "coverages.window_start").
		Order("COALESCE(coverages.window_start, coverages.started_at), coverages.id").Limit(1).Find(&rows).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: looking for the first pull that read customer %d: %w", customerID, err)
	}
	if len(rows) == 0 {
		return time.Time{}, false, nil
	}
	return cmp.Or(rows[0].WindowStart, &rows[0].StartedAt).UTC(), true, nil
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

// AccessEventIDs lists the access events the finding cites as evidence.
func (f Finding) AccessEventIDs() []uint { return TableOf[AccessEvent]().IDs(f.Evidence) }

// FindingsOccurred says when what each finding is about happened: the start of the
// earliest access event it cites, or, for a finding that cites none, when Custos
// first saw it.
func (s *Store) FindingsOccurred(ctx context.Context, findings []Finding) (map[uint]time.Time, error) {
	var ids []uint
	for _, f := range findings {
		ids = append(ids, f.AccessEventIDs()...)
	}
	starts := make(map[uint]time.Time, len(ids))
	for chunk := range slices.Chunk(ids, maxPruneBatch) {
		var rows []struct {
			ID        uint
			StartedAt time.Time
		}
		if err := s.db.WithContext(ctx).Model(&AccessEvent{}).Select("id, started_at").Where("id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("store: reading when the findings' accesses started: %w", err)
		}
		for _, r := range rows {
			starts[r.ID] = r.StartedAt
		}
	}
	out := make(map[uint]time.Time, len(findings))
	for _, f := range findings {
		at := f.FirstSeen
		for _, id := range f.AccessEventIDs() {
			if start, ok := starts[id]; ok && start.Before(at) {
				at = start
			}
		}
		out[f.ID] = at
	}
	return out, nil
}
