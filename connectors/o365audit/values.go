package o365audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// number is an integer member of an audit record. The schema types RecordType,
// LogonType and OperationCount as numbers, but some workloads send them as strings,
// with a fraction at times: Power BI records carry "RecordType":"20" and
// "OperationCount":"1.0". Null, absent and "" leave it unset.
type number struct {
	n   int64
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if s == "null" || s == "" {
		*v = number{}
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*v = number{n: n, set: true}
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("%.40q is not a whole number", s)
	}
	*v = number{n: int64(f), set: true}
	return nil
}

// String returns the number in decimal, "" when unset.
func (v number) String() string {
	if !v.set {
		return ""
	}
	return strconv.FormatInt(v.n, 10)
}

// targetEntry is one identity of an Azure AD record's Target (and Actor): an id and
// its IdentityType.
type targetEntry struct {
	ID   string `json:"ID"`
	Type number `json:"Type"`
}

// Identity types of Target entries, as the schema's samples number them.
const (
	identityName  = 1 // a display name, e.g. a group's
	identityOther = 2 // "User_<guid>", "Group_<guid>", or the bare type "User"
	identityPUID  = 3
	identitySPN   = 4
	identityUPN   = 5
)

// targetPreference orders Target entries by how well they name the object for a
// person: a UPN, then a display name, a service principal name, a PUID, and the
// typed object ids last.
var targetPreference = []int64{identityUPN, identityName, identitySPN, identityPUID, identityOther}

// bestTarget returns the Target entry that names the object best, or "".
func bestTarget(entries []targetEntry) string {
	rank := func(e targetEntry) int {
		if i := slices.Index(targetPreference, e.Type.n); i >= 0 && e.Type.set {
			return i
		}
		return len(targetPreference)
	}
	best, bestRank := "", len(targetPreference)+1
	for _, e := range entries {
		if strings.TrimSpace(e.ID) == "" {
			continue
		}
		if r := rank(e); r < bestRank {
			best, bestRank = e.ID, r
		}
	}
	return best
}

// placeholderObjectIDs are the values an ObjectId holds when it names nothing: Azure
// AD records send "Not Available" and name the object in Target.
var placeholderObjectIDs = []string{"not available", "n/a", "null", "none"}

// objectID returns ObjectId, or "" when it is a placeholder.
func (r *auditRecord) objectID() string {
	id := strings.TrimSpace(r.ObjectID)
	if slices.Contains(placeholderObjectIDs, strings.ToLower(id)) {
		return ""
	}
	return id
}

// decodeRecord decodes one audit record; one without an Id is not an audit record.
func decodeRecord(raw json.RawMessage) (*auditRecord, error) {
	var r auditRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("decoding the audit record: %w", err)
	}
	if strings.TrimSpace(r.ID) == "" {
		return nil, errors.New("the audit record has no Id")
	}
	return &r, nil
}

// recordID returns the Id of a record that may not decode, "" when it has none.
func recordID(raw json.RawMessage) string {
	var r struct {
		ID string `json:"Id"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	return strings.TrimSpace(r.ID)
}
