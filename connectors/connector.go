// Package connectors defines the contract between Custos and a vendor: a connector is
// a set of streams, a stream pulls one kind of record for one scope from a cursor. It
// also holds the shared HTTP client that every connector uses. A connector knows its
// vendor and nothing of the store: it emits records, the sync engine writes them.
package connectors

import (
	"context"
	"time"

	"github.com/custos-msp/custos/record"
)

// Connector is one vendor's integration: a set of streams and a connection test.
type Connector interface {
	// Name is the connector's id, e.g. "itglue"; it is also the Source of its records.
	Name() string
	// Streams lists the streams the connector offers, in the order they should run.
	Streams() []Stream
	// Check tests the connection and the credentials with one cheap request.
	Check(ctx context.Context) error
}

// Mode says how a stream's cursor relates to the records it emits.
type Mode int

const (
	// Snapshot streams list everything in a scope on every pull. The cursor only
	// resumes an interrupted pull; when a pull completes, records of the scope that it
	// did not emit are marked removed.
	Snapshot Mode = iota + 1
	// Incremental streams pull what changed since the cursor (a watermark, a delta
	// link, a page token); records are never marked removed by absence.
	Incremental
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case Snapshot:
		return "snapshot"
	case Incremental:
		return "incremental"
	}
	return "unknown"
}

// Scope is the unit a stream pulls for: a customer organization, a tenant, a site, or
// the whole account. Scopes of one stream run concurrently and fail independently.
type Scope struct {
	ID   string
	Name string
}

// Account is the scope of a stream that reads the whole vendor account at once.
var Account = Scope{ID: "account", Name: "whole account"}

// Cursor is a stream's position, opaque to everything but the stream. The empty cursor
// means "from the beginning".
type Cursor string

// Stream pulls one kind of record.
type Stream interface {
	// Name is the stream's id within its connector, e.g. "configurations".
	Name() string
	// Mode says whether the stream lists everything or what changed.
	Mode() Mode
	// Needs lists the API rights, permissions or roles the stream requires, as an
	// operator would grant them.
	Needs() []string
	// Scopes lists the scopes to pull for, e.g. every customer organization.
	Scopes(ctx context.Context) ([]Scope, error)
	// Pull reads the scope from the cursor and hands records to the sink page by page,
	// each page with the cursor that resumes right after it. It returns the cursor the
	// next pull starts from (for a snapshot stream, usually the empty cursor). When Pull
	// fails, everything the sink accepted stays stored and the cursor of the last
	// accepted page is where the next pull resumes.
	Pull(ctx context.Context, scope Scope, from Cursor, sink Sink) (Cursor, error)
}

// Emitter is a stream that says which kinds of record it hands over (quarantined
// records aside), as typed nil pointers such as (*record.Configuration)(nil), so that
// completing one of its snapshot pulls looks for rows it no longer lists in their
// tables only. A snapshot stream that does not say has every snapshot table swept.
type Emitter interface {
	Emits() []record.Record
}

// Prober is a stream that can test one scope with the cheapest request its pull
// makes (one item of the first page), through the same client code. A stream
// without it is tested by a pull stopped at its first page.
type Prober interface {
	// Probe reads as little of the scope as the vendor allows and returns the error
	// the pull would meet, or nil when the scope can be read.
	Probe(ctx context.Context, scope Scope) error
}

// Sink receives what a stream pulls. The sync engine implements it.
type Sink interface {
	// Page hands over records and the cursor that resumes after them. When it returns
	// nil the records and the cursor will be committed together; an error means the
	// pull must stop.
	Page(ctx context.Context, records []record.Record, next Cursor) error
	// Warn reports a problem with one record that the stream skipped without stopping.
	Warn(err error)
	// Covered says that every record the source holds between from and to (by the
	// time the stream reads by, e.g. when an event happened or was published) has
	// now been handed over through Page, or was handed over by an earlier pull. An
	// incremental stream calls it, after the pages that carry the window's records,
	// for each window it finished reading, and only then: a window cut short by a
	// failure is not covered. The engine stores the earliest from and the latest to
	// of a pull on its coverage row, once the pages before the call are committed,
	// so that a report shows which stretches of time were read and where the gaps
	// are. A snapshot stream reads the current state and usually has no window.
	Covered(from, to time.Time)
}
