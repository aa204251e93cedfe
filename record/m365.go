package record

import "time"

// SourceM365 is the Source of the records the Microsoft 365 connector makes, and the
// connector's name.
const SourceM365 = "m365"

// SourceO365Audit is the Source of the records the Office 365 Management Activity
// connector makes (the unified audit log), and the connector's name.
const SourceO365Audit = "o365audit"

// StreamRMMReports is the Microsoft 365 connector's stream that reads the monthly RMM
// report e-mails from the report mailbox.
const StreamRMMReports = "rmmreports"

// Relationship is a Microsoft 365 GDAP relationship between the partner (MSP) tenant
// and a customer tenant, with the roles it grants and the partner security groups
// that hold them.
type Relationship struct {
	Source string
	// SourceID is the relationship id.
	SourceID string
	// CustomerRef is the customer tenant id; CustomerName is the customer's name as
	// the relationship records it.
	CustomerRef  string
	CustomerName string
	DisplayName  string
	// Status is Graph's status: created, approvalPending, active, expired,
	// terminated, … (unknown values are kept as sent).
	Status string
	// StartedAt is when the relationship became active; nil before.
	StartedAt *time.Time
	// EndsAt is when it ends; auto-extension moves it.
	EndsAt *time.Time
	// DurationDays is the relationship's length; AutoExtendDays is how far each
	// auto-extension moves its end (0: it does not auto-extend).
	DurationDays   int
	AutoExtendDays int
	// EndedAt is when an expired or terminated relationship was last modified: the
	// moment the customer or partner ended it, as far as Graph says.
	EndedAt *time.Time
	// Roles are the roles the relationship grants.
	Roles []Role
	// Assignments are its access assignments.
	Assignments []RoleAssignment
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (r *Relationship) RecordKey() Key { return Key{r.Source, r.SourceID} }

// Role is an Entra role by its template id, with its well-known name when known.
type Role struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// RoleAssignment grants roles of a relationship to a partner security group.
type RoleAssignment struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	GroupID string `json:"group_id"`
	Roles   []Role `json:"roles"`
}

// ReportReceipt is a monthly RMM report found in the report mailbox. Its body is not
// kept; its attachments are kept as names, sizes and digests.
type ReportReceipt struct {
	Source string
	// SourceID is the message's Internet Message-ID (stable when the mail is moved).
	SourceID string
	// MessageID is the mailbox's id of the message.
	MessageID string
	// CustomerRef is the company name as the subject writes it.
	CustomerRef string
	// Month is the month the report covers, "2026-10".
	Month       string
	Subject     string
	ReceivedAt  time.Time
	Attachments []ReportAttachment
}

// RecordKey implements Record.
func (r *ReportReceipt) RecordKey() Key { return Key{r.Source, r.SourceID} }

// ReportAttachment is one attachment of a report mail.
type ReportAttachment struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}
