package record

import "time"

// Authorisation scopes: what kind of access an authorisation allows.
const (
	ScopeRemote  = "remote"
	ScopeCommand = "command"
	ScopeAdmin   = "admin"
	ScopeMailbox = "mailbox"
	ScopeRemoval = "removal"
	ScopeAny     = "any"
)

// Scopes lists every authorisation scope.
var Scopes = []string{ScopeRemote, ScopeCommand, ScopeAdmin, ScopeMailbox, ScopeRemoval, ScopeAny}

// Authorisation is a customer's permission for access, as a source recorded it (a
// PSA ticket note, a CSV register, the command line). References are the source's
// own ids; mapping ties them to the canonical customer, technician and device.
type Authorisation struct {
	Source   string
	SourceID string
	// CustomerRef is the source id of the customer's Organization.
	CustomerRef string
	// TechnicianRef is the source's id of the technician allowed ("" = any
	// technician); DeviceRef the source's id of the machine ("" = any device).
	TechnicianRef string
	DeviceRef     string
	// Scope is one of the Scope constants.
	Scope     string
	ValidFrom time.Time
	// ValidTo is nil for a standing permission (or one that lasts until its ticket
	// completes).
	ValidTo *time.Time
	// GrantedBy names the customer's contact who gave the permission (a name or an
	// e-mail address); GrantedByRef is the source's id of that contact.
	GrantedBy    string
	GrantedByRef string
	// Evidence says where the permission is written: a ticket number, an e-mail
	// message id, a note.
	Evidence string
	// RecordedBy is who recorded it at the source.
	RecordedBy string
	RecordedAt time.Time
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (a *Authorisation) RecordKey() Key { return Key{a.Source, a.SourceID} }

// Contact is a person at a customer, as a PSA knows them. Authorised says the contact
// may authorise access on the customer's behalf.
type Contact struct {
	Source      string
	SourceID    string
	CustomerRef string
	Name        string
	Email       string
	Authorised  bool
	Active      bool
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (c *Contact) RecordKey() Key { return Key{c.Source, c.SourceID} }
