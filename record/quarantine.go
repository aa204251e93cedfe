package record

import (
	"errors"
	"unicode/utf8"
)

// Record kinds a Quarantined record names: what it would have been had it decoded.
const (
	QuarantinedOrganization  = "organization"
	QuarantinedConfiguration = "configuration"
	QuarantinedAccessEvent   = "access_event"
	QuarantinedEndpoint      = "endpoint"
	QuarantinedUserAccount   = "user_account"
)

// QuarantineExcerpt bounds the payload a Quarantined record keeps: enough to see
// which field is wrong, not a whole record of personal data.
const QuarantineExcerpt = 1024

// Quarantined is a record a stream could not decode. It is data, not silence: it is
// stored beside the stream's other records, it never fails the records of its page,
// and a complete snapshot never marks its SourceID (or, when the id is unknown,
// anything of its scope) removed because of it. A later pull that decodes the record
// deletes it.
type Quarantined struct {
	Source string
	// SourceID is the record's id at the source when the payload names one that can
	// be read; "" when it does not.
	SourceID string
	// Kind is the Quarantined… constant of the record it would have been.
	Kind string
	// Page says where the payload came from, e.g. "GET /api/v2/account/devices page 3":
	// a path and a page, never a query string or a host's credentials.
	Page string
	// Err says why the payload did not decode.
	Err string
	// Raw is the payload's first QuarantineExcerpt bytes, kept sealed like every raw
	// payload and cleared with them.
	Raw []byte
}

// RecordKey implements Record.
func (q *Quarantined) RecordKey() Key { return Key{q.Source, q.SourceID} }

// Quarantine returns the quarantined record of a payload that did not decode: err
// says why, id is the record's id if the payload names one ("" when not). The kept
// payload is cut to QuarantineExcerpt bytes on a character boundary.
func Quarantine(source, kind, id string, payload []byte, err error) *Quarantined {
	if err == nil {
		err = errors.New("the payload did not decode")
	}
	return &Quarantined{Source: source, SourceID: id, Kind: kind, Err: err.Error(), Raw: Excerpt(payload, QuarantineExcerpt)}
}

// Excerpt returns a copy of b's first n bytes or fewer, never cutting a UTF-8
// character in two.
func Excerpt(b []byte, n int) []byte {
	if len(b) <= n {
		return append([]byte(nil), b...)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return append([]byte(nil), b[:cut]...)
}
