package autotask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The entities Custos reads, as the REST API names them.
const (
	entityCompanies          = "Companies"
	entityResources          = "Resources"
	entityContacts           = "Contacts"
	entityTickets            = "Tickets"
	entityTicketNotes        = "TicketNotes"
	entityConfigurationItems = "ConfigurationItems"
)

// systemResourceID is the resource that system and workflow notes are created
// under ("Autotask Administrator").
const systemResourceID = 4

// company is the part of a Companies item Custos reads. isActive is a boolean here.
type company struct {
	ID               int64  `json:"id"`
	CompanyName      string `json:"companyName"`
	CompanyType      *int64 `json:"companyType"`
	IsActive         bool   `json:"isActive"`
	LastActivityDate atTime `json:"lastActivityDate"`
}

func (c company) itemID() int64 { return c.ID }

// resource is the part of a Resources item Custos reads.
type resource struct {
	ID        int64  `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	IsActive  bool   `json:"isActive"`
}

func (r resource) itemID() int64 { return r.ID }

// contact is the part of a Contacts item Custos reads. isActive is an integer (1 or
// 0) here, unlike on Companies and Resources.
type contact struct {
	ID                int64  `json:"id"`
	CompanyID         int64  `json:"companyID"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	EmailAddress      string `json:"emailAddress"`
	EmailAddress2     string `json:"emailAddress2"`
	EmailAddress3     string `json:"emailAddress3"`
	IsActive          int    `json:"isActive"`
	UserDefinedFields []udf  `json:"userDefinedFields"`
}

func (c contact) itemID() int64 { return c.ID }

// name is the contact's full name.
func (c contact) name() string { return fullName(c.FirstName, c.LastName) }

// udf is one user-defined field of an item.
type udf struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// ticket is the part of a Tickets item Custos reads.
type ticket struct {
	ID                  int64  `json:"id"`
	TicketNumber        string `json:"ticketNumber"`
	Description         string `json:"description"`
	Status              int64  `json:"status"`
	CompanyID           int64  `json:"companyID"`
	ContactID           *int64 `json:"contactID"`
	ConfigurationItemID *int64 `json:"configurationItemID"`
	AssignedResourceID  *int64 `json:"assignedResourceID"`
	CreatorResourceID   *int64 `json:"creatorResourceID"`
	CreateDate          atTime `json:"createDate"`
	CompletedDate       atTime `json:"completedDate"`
	LastActivityDate    atTime `json:"lastActivityDate"`
}

func (t ticket) itemID() int64 { return t.ID }

// note is the part of a TicketNotes item Custos reads.
type note struct {
	ID                int64  `json:"id"`
	TicketID          int64  `json:"ticketID"`
	Description       string `json:"description"`
	NoteType          int64  `json:"noteType"`
	CreatorResourceID *int64 `json:"creatorResourceID"`
	CreateDateTime    atTime `json:"createDateTime"`
	LastActivityDate  atTime `json:"lastActivityDate"`
}

func (n note) itemID() int64 { return n.ID }

// configurationItem is the part of a ConfigurationItems item Custos reads.
type configurationItem struct {
	ID             int64  `json:"id"`
	CompanyID      int64  `json:"companyID"`
	ReferenceTitle string `json:"referenceTitle"`
	SerialNumber   string `json:"serialNumber"`
}

func (c configurationItem) itemID() int64 { return c.ID }

// atTime is an Autotask datetime: UTC, ISO 8601, with or without fractional seconds
// (up to seven digits); null or "" leaves it unset. A value without a zone is read as
// UTC, the zone Autotask keeps every datetime in.
type atTime struct {
	Time time.Time
	Set  bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *atTime) UnmarshalJSON(b []byte) error {
	*t = atTime{}
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a datetime string, got %s", excerpt(b))
	}
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = atTime{Time: v.UTC(), Set: true}
			return nil
		}
	}
	return fmt.Errorf("%q is not a datetime", s)
}

// fullName joins a first and a last name.
func fullName(first, last string) string {
	return strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
}

// ref formats an optional id as a reference: "" when unset.
func ref(id *int64) string {
	if id == nil || *id == 0 {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// excerpt shortens a payload for an error message.
func excerpt(b []byte) string {
	const maxLen = 120
	if len(b) > maxLen {
		return string(b[:maxLen]) + "…"
	}
	return string(b)
}
