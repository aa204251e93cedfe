package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// evidence is one permission found in a ticket or one of its notes.
type evidence struct {
	ticket ticket
	// note is the note that carries the permission; nil when the ticket itself does.
	note *note
	// raw is the payload of the note, or of the ticket.
	raw json.RawMessage
	// grantor is who the marker line names; "" when it names nobody.
	grantor string
}

// lookups are the companies' contacts and the configuration items that a page of
// evidence refers to.
type lookups struct {
	contacts  map[int64]contact
	byCompany map[int64][]contact
	cis       map[int64]row[configurationItem]
}

// authorisations turns a page's evidence into authorisations, preceded by an
// endpoint for every configuration item they name. Records are unique by key within
// the page: a later one replaces an earlier one.
func (c *Connector) authorisations(ctx context.Context, evs []evidence, sink connectors.Sink) ([]record.Record, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	lk, err := c.lookup(ctx, evs)
	if err != nil {
		return nil, err
	}
	var out []record.Record
	index := map[record.Key]int{}
	add := func(r record.Record) {
		if i, ok := index[r.RecordKey()]; ok {
			out[i] = r
			return
		}
		index[r.RecordKey()] = len(out)
		out = append(out, r)
	}
	for _, ev := range evs {
		a := c.authorisation(ev, lk)
		if id := ev.ticket.ConfigurationItemID; id != nil && *id != 0 {
			if ci, ok := lk.cis[*id]; ok {
				add(toEndpoint(ci))
			} else {
				sink.Warn(fmt.Errorf("autotask: ticket %s names configuration item %d, which the API user cannot read; the authorisation keeps its id",
					ev.ticket.TicketNumber, *id))
			}
		}
		add(a)
	}
	return out, nil
}

// authorisation builds the record of one permission.
func (c *Connector) authorisation(ev evidence, lk lookups) *record.Authorisation {
	t := ev.ticket
	a := &record.Authorisation{
		Source:        Name,
		SourceID:      "ticket:" + strconv.FormatInt(t.ID, 10),
		CustomerRef:   strconv.FormatInt(t.CompanyID, 10),
		TechnicianRef: ref(t.AssignedResourceID),
		DeviceRef:     ref(t.ConfigurationItemID),
		Scope:         c.cfg.Scope,
		ValidFrom:     t.CreateDate.Time,
		Evidence:      "Autotask ticket " + t.TicketNumber,
		RecordedBy:    ref(t.CreatorResourceID),
		RecordedAt:    t.CreateDate.Time,
		Raw:           append([]byte(nil), ev.raw...),
	}
	if n := ev.note; n != nil {
		a.SourceID = "note:" + strconv.FormatInt(n.ID, 10)
		a.ValidFrom = n.CreateDateTime.Time
		a.Evidence += ", note " + strconv.FormatInt(n.ID, 10)
		a.RecordedBy = ref(n.CreatorResourceID)
		a.RecordedAt = n.CreateDateTime.Time
	}
	if t.CompletedDate.Set {
		end := t.CompletedDate.Time.Add(c.cfg.Grace.Std())
		a.ValidTo = &end
	}
	a.GrantedBy, a.GrantedByRef = grantedBy(ev, lk)
	return a
}

// grantedBy names who gave the permission: the contact the marker line names
// (matched by e-mail address or name among the company's contacts), else the
// ticket's contact.
func grantedBy(ev evidence, lk lookups) (name, contactRef string) {
	if ev.grantor != "" {
		if ct, ok := matchContact(ev.grantor, lk.byCompany[ev.ticket.CompanyID]); ok {
			return ev.grantor, strconv.FormatInt(ct.ID, 10)
		}
		return ev.grantor, ""
	}
	id := ev.ticket.ContactID
	if id == nil || *id == 0 {
		return "", ""
	}
	return lk.contacts[*id].name(), strconv.FormatInt(*id, 10)
}

// matchContact finds the contact a marker line names: an e-mail address (alone or in
// angle brackets) equal to one of the contact's, or the contact's full name.
func matchContact(text string, contacts []contact) (contact, bool) {
	addr := text
	if i, j := strings.IndexByte(text, '<'), strings.LastIndexByte(text, '>'); i >= 0 && j > i {
		addr = text[i+1 : j]
	}
	addr = strings.TrimSpace(addr)
	for _, ct := range contacts {
		if strings.Contains(addr, "@") {
			for _, e := range []string{ct.EmailAddress, ct.EmailAddress2, ct.EmailAddress3} {
				if e != "" && strings.EqualFold(e, addr) {
					return ct, true
				}
			}
			continue
		}
		if strings.EqualFold(ct.name(), strings.Join(strings.Fields(text), " ")) {
			return ct, true
		}
	}
	return contact{}, false
}

// toEndpoint maps a configuration item to an endpoint.
func toEndpoint(r row[configurationItem]) *record.Endpoint {
	ci := r.item
	return &record.Endpoint{
		Source:      Name,
		SourceID:    strconv.FormatInt(ci.ID, 10),
		CustomerRef: strconv.FormatInt(ci.CompanyID, 10),
		Hostname:    ci.ReferenceTitle,
		Serial:      ci.SerialNumber,
		Raw:         append([]byte(nil), r.raw...),
	}
}

// lookup reads the contacts of the evidence's companies and the configuration items
// its tickets name, with "in" queries of at most chunkSize ids.
func (c *Connector) lookup(ctx context.Context, evs []evidence) (lookups, error) {
	lk := lookups{contacts: map[int64]contact{}, byCompany: map[int64][]contact{}, cis: map[int64]row[configurationItem]{}}
	var companies, cis []int64
	for _, ev := range evs {
		companies = append(companies, ev.ticket.CompanyID)
		if id := ev.ticket.ConfigurationItemID; id != nil && *id != 0 {
			cis = append(cis, *id)
		}
	}
	contacts, err := byIDs[contact](ctx, c, entityContacts, "companyID", companies)
	if err != nil {
		return lk, fmt.Errorf("looking up contacts: %w", err)
	}
	for _, r := range contacts {
		lk.contacts[r.item.ID] = r.item
		lk.byCompany[r.item.CompanyID] = append(lk.byCompany[r.item.CompanyID], r.item)
	}
	if len(cis) > 0 {
		rows, err := byIDs[configurationItem](ctx, c, entityConfigurationItems, "id", cis)
		if err != nil {
			return lk, fmt.Errorf("looking up configuration items: %w", err)
		}
		for _, r := range rows {
			lk.cis[r.item.ID] = r
		}
	}
	return lk, nil
}

// windowTime formats a datetime for a filter: UTC, whole seconds, with Z.
func windowTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
