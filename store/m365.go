package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/custos-msp/custos/record"
)

// Relationship is a Microsoft 365 GDAP relationship (record.Relationship).
type Relationship struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	// CustomerRef is the customer tenant id.
	CustomerRef    string `gorm:"index"`
	CustomerID     *uint  `gorm:"index"`
	CustomerName   string
	DisplayName    string
	Status         string `gorm:"index"`
	StartedAt      *time.Time
	EndsAt         *time.Time
	EndedAt        *time.Time
	DurationDays   int
	AutoExtendDays int
	// Roles is a JSON array of record.Role; Assignments of record.RoleAssignment.
	Roles       string
	Assignments string
}

// RoleList decodes the relationship's roles.
func (r Relationship) RoleList() ([]record.Role, error) {
	var roles []record.Role
	if r.Roles == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(r.Roles), &roles); err != nil {
		return nil, fmt.Errorf("store: decoding roles of relationship %s: %w", r.SourceID, err)
	}
	return roles, nil
}

// AssignmentList decodes the relationship's access assignments.
func (r Relationship) AssignmentList() ([]record.RoleAssignment, error) {
	var as []record.RoleAssignment
	if r.Assignments == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(r.Assignments), &as); err != nil {
		return nil, fmt.Errorf("store: decoding assignments of relationship %s: %w", r.SourceID, err)
	}
	return as, nil
}

// ReportReceipt is a monthly RMM report seen in the report mailbox (record.ReportReceipt).
type ReportReceipt struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	ContentDigest
	MessageID string
	// CustomerRef is the company name as the subject writes it.
	CustomerRef string `gorm:"index"`
	CustomerID  *uint  `gorm:"index"`
	// Month is "2026-10".
	Month      string `gorm:"index"`
	Subject    string
	ReceivedAt time.Time
	// Attachments is a JSON array of record.ReportAttachment.
	Attachments string
}

// AttachmentList decodes the receipt's attachments.
func (r ReportReceipt) AttachmentList() ([]record.ReportAttachment, error) {
	var as []record.ReportAttachment
	if r.Attachments == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(r.Attachments), &as); err != nil {
		return nil, fmt.Errorf("store: decoding attachments of report %s: %w", r.SourceID, err)
	}
	return as, nil
}

// Relationships returns every GDAP relationship still listed by its source, by
// customer tenant and id.
func (s *Store) Relationships(ctx context.Context) ([]Relationship, error) {
	var rs []Relationship
	err := s.db.WithContext(ctx).Where("removed_at IS NULL").Order("customer_ref, source_id, id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading relationships: %w", err)
	}
	return rs, nil
}

// ReportReceipts returns the report receipts of month ("2026-10"), by company
// and time received.
func (s *Store) ReportReceipts(ctx context.Context, month string) ([]ReportReceipt, error) {
	var rs []ReportReceipt
	err := s.db.WithContext(ctx).Where("month = ?", month).Order("customer_ref, received_at, id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading report receipts of %s: %w", month, err)
	}
	return rs, nil
}

func relationshipRow(base Pulled, r *record.Relationship) Relationship {
	return Relationship{
		Pulled: base, CustomerRef: r.CustomerRef, CustomerName: r.CustomerName, DisplayName: r.DisplayName,
		Status: r.Status, StartedAt: utcPtr(r.StartedAt), EndsAt: utcPtr(r.EndsAt), EndedAt: utcPtr(r.EndedAt),
		DurationDays: r.DurationDays, AutoExtendDays: r.AutoExtendDays,
		Roles: jsonOf(r.Roles), Assignments: jsonOf(r.Assignments),
	}
}

func reportReceiptRow(base Pulled, r *record.ReportReceipt) ReportReceipt {
	return ReportReceipt{
		Pulled: base, MessageID: r.MessageID, CustomerRef: r.CustomerRef, Month: r.Month, Subject: r.Subject,
		ReceivedAt: r.ReceivedAt.UTC(), Attachments: jsonOf(r.Attachments),
	}
}

// jsonOf encodes a slice as JSON, "" when empty.
func jsonOf[T any](v []T) string {
	if len(v) == 0 {
		return ""
	}
	b, _ := json.Marshal(v) // slices of plain structs always encode
	return string(b)
}
