package record

import (
	"strings"
	"time"
)

// Access kinds: what sort of access an AccessEvent records.
const (
	// KindRemoteSession is a technician on a customer machine's screen: a
	// ScreenConnect host connection, a Datto RMM remote takeover or Web Remote.
	KindRemoteSession = "remote_session"
	// KindCommand is something run on a customer machine without a screen session:
	// a ScreenConnect command, toolbox or backstage use, a Datto RMM job.
	KindCommand = "command"
	// KindM365SignIn is a partner technician signing in to a customer tenant.
	KindM365SignIn = "m365_signin"
	// KindM365Admin is an administrative action in a customer tenant.
	KindM365Admin = "m365_admin"
	// KindM365Mailbox is access to a mailbox in a customer tenant.
	KindM365Mailbox = "m365_mailbox"
)

// InTenant reports whether an access of the kind is made in a customer's Microsoft
// 365 tenant rather than on one of its machines.
func InTenant(kind string) bool { return strings.HasPrefix(kind, "m365_") }

// AccessEvent is one access by someone to a customer's system, as one source recorded
// it. References are the source's own ids; mapping ties them to the canonical
// customer, technician and device.
type AccessEvent struct {
	Source string
	// SourceID is the source's stable id of the access (a ScreenConnect connection
	// or event id, a Datto RMM activity id), so a re-read window never duplicates it.
	SourceID string
	// Kind is one of the Kind constants.
	Kind string
	// Action is the source's own name for what happened, e.g. "Connected",
	// "QueuedCommand", "remote/jrto", "job/deployment".
	Action    string
	StartedAt time.Time
	// EndedAt is when an interval ended; nil for an instant or one still going on.
	EndedAt *time.Time
	// CustomerRef is the source id of the Organization the access was to.
	CustomerRef string
	// ActorRef is the source's name or id of the technician (a ScreenConnect
	// participant name, a Datto RMM username); ActorName is a display name if known.
	ActorRef  string
	ActorName string
	// DeviceRef is the source id of the Endpoint accessed; DeviceName is the host name
	// the event names.
	DeviceRef  string
	DeviceName string
	// Removal marks the deletion of something (a user, a mailbox, a device).
	Removal bool
	// SourceIP is the technician's address as the source saw it. It is personal
	// data and is anonymised after its retention.
	SourceIP string
	// Detail says what was done in words safe to show in a report, e.g. a job name or
	// "command (212 characters)". Command text and output stay in Raw, sealed.
	Detail string
	// Attributes holds further source facts worth keeping, e.g. session_id, job_uid.
	Attributes map[string]string
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (e *AccessEvent) RecordKey() Key { return Key{e.Source, e.SourceID} }

// Endpoint is a machine as a remote-access or RMM tool knows it: a Datto RMM device,
// a ScreenConnect guest machine. Mapping ties endpoints and configurations that are
// the same machine to one device.
type Endpoint struct {
	Source   string
	SourceID string
	// CustomerRef is the source id of the Organization the machine belongs to.
	CustomerRef string
	Hostname    string
	// Domain is the machine's network domain, e.g. contoso.local.
	Domain   string
	Serial   string
	OS       string
	TypeName string
	// LastSeenAt is when the tool last heard from the machine.
	LastSeenAt *time.Time
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (e *Endpoint) RecordKey() Key { return Key{e.Source, e.SourceID} }

// Agent types.
const (
	// AgentSupport is a temporary agent installed for one support session.
	AgentSupport = "support"
	// AgentAccess is an unattended agent installed for permanent access.
	AgentAccess = "access"
)

// Agent is a remote-access agent installed on a customer machine and what is known of
// its life: installed at InstalledAt, last technician session ended at
// SessionEndedAt, last heard from at LastCheckInAt.
type Agent struct {
	Source string
	// SourceID is the source's id of the agent (a ScreenConnect session id).
	SourceID string
	// Type is AgentSupport or AgentAccess.
	Type        string
	CustomerRef string
	// DeviceRef is the source id of the Endpoint the agent runs on.
	DeviceRef   string
	Hostname    string
	InstalledAt time.Time
	// SessionEndedAt is when the last technician connection to the agent ended; nil
	// when no technician connected.
	SessionEndedAt *time.Time
	// LastCheckInAt is when the agent was last heard from.
	LastCheckInAt *time.Time
	// Ended says the session was ended or deleted at the source; that does not mean
	// the agent was removed from the machine.
	Ended bool
	// UninstalledAt is when the agent confirmed its removal, if it did.
	UninstalledAt *time.Time
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (a *Agent) RecordKey() Key { return Key{a.Source, a.SourceID} }

// UserAccount is a technician's account in one tool, e.g. a Datto RMM user.
type UserAccount struct {
	Source string
	// SourceID is the name the tool records actions under (a Datto RMM username), so
	// that it matches the ActorRef of the account's access events.
	SourceID string
	Name     string
	Email    string
	Disabled bool
	// Raw is the vendor payload, kept sealed for troubleshooting.
	Raw []byte
}

// RecordKey implements Record.
func (u *UserAccount) RecordKey() Key { return Key{u.Source, u.SourceID} }
