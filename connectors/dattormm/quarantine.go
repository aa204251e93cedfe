package dattormm

import (
	"bytes"
	"encoding/json"
	"net/url"

	"github.com/custos-msp/custos/record"
)

// idKind says how an item's id is written.
type idKind int

const (
	// numericID is a number or a numeric string (devices' and sites' ids).
	numericID idKind = iota
	// nameID is a string (a user's username, an activity's id).
	nameID
)

// quarantine returns the quarantined record of an item that does not decode, with
// the id the item holds under idKey when one of the kind can be read.
// The kept excerpt never holds a device's user-defined fields, which often hold
// secrets such as BitLocker keys.
func quarantine(kind, idKey string, ids idKind, item json.RawMessage, err error) *record.Quarantined {
	kept := item
	if stripped, serr := withoutUDFs(item); serr == nil {
		kept = stripped
	}
	return record.Quarantine(Name, kind, itemID(item, idKey, ids), kept, err)
}

// itemID reads the id under key of a JSON object leniently: "" when item is no
// object, or the id is absent, empty or not of the kind. An id that is not of its
// kind names no record Custos could hold, so it counts as unknown.
func itemID(item json.RawMessage, key string, ids idKind) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(item, &m) != nil {
		return ""
	}
	raw := bytes.TrimSpace(m[key])
	if ids == nameID {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if id, err := decimalID(n); err == nil {
			return id
		}
	}
	return ""
}

// pageOf names the page an item came from: the request's path and query, which
// carry no credential (the token travels in a header).
func pageOf(u *url.URL) string { return "GET " + u.RequestURI() }
