// Package record defines the normalised records that connectors emit and the store
// keeps. It knows no vendor and no database: a connector maps its vendor's payloads
// onto these types, and the store maps these types onto its tables.
package record

import "time"

// Key identifies a record at its source. (Source, SourceID) is unique, so pulling the
// same record again updates it and never duplicates it.
type Key struct {
	Source   string
	SourceID string
}

// Record is anything a stream emits.
type Record interface {
	// RecordKey returns the record's identity at its source.
	RecordKey() Key
}

// Organization is a customer as one source knows it: an IT Glue organization, a Datto
// RMM site, a ScreenConnect company value, a Microsoft 365 tenant. Mapping links it to
// a canonical customer.
type Organization struct {
	Source    string
	SourceID  string
	Name      string
	ShortName string
	// Type and Status are the source's own names, e.g. "Customer" and "Active".
	Type            string
	Status          string
	SourceUpdatedAt time.Time
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (o *Organization) RecordKey() Key { return Key{o.Source, o.SourceID} }

// Configuration is a configuration item (a device) as a documentation tool knows it,
// together with the complete set of configuration backups attached to it.
type Configuration struct {
	Source   string
	SourceID string
	// CustomerRef is the source id of the Organization the configuration belongs to.
	CustomerRef string
	Name        string
	Hostname    string
	Serial      string
	TypeName    string
	// InstalledAt is the day the device was installed or replaced, if recorded.
	InstalledAt     *time.Time
	Archived        bool
	SourceCreatedAt time.Time
	SourceUpdatedAt time.Time
	// Backups is every backup attached to the configuration when it was read; a backup
	// missing from the list has been removed at the source.
	Backups []Backup
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (c *Configuration) RecordKey() Key { return Key{c.Source, c.SourceID} }

// Backup is a file attached to a configuration: a configuration backup.
type Backup struct {
	SourceID    string
	FileName    string
	Name        string
	ContentType string
	Size        int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}
