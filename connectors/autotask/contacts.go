package autotask

import (
	"context"
	"strconv"
	"strings"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// contactRecords maps contacts to records.Contact. A contact is an authorisation
// contact when the configured user-defined field says yes (or true, or 1); without
// one, every active contact is.
func (c *Connector) contactRecords(_ context.Context, rows []row[contact], _ connectors.Sink) ([]record.Record, error) {
	out := make([]record.Record, 0, len(rows))
	for _, r := range rows {
		ct := r.item
		out = append(out, &record.Contact{
			Source:      Name,
			SourceID:    strconv.FormatInt(ct.ID, 10),
			CustomerRef: strconv.FormatInt(ct.CompanyID, 10),
			Name:        ct.name(),
			Email:       ct.EmailAddress,
			Active:      ct.IsActive == 1,
			Authorised:  c.authorises(ct),
			Raw:         append([]byte(nil), r.raw...),
		})
	}
	return out, nil
}

// authorises says whether the contact may authorise access for its company.
func (c *Connector) authorises(ct contact) bool {
	field := strings.TrimSpace(c.cfg.ContactField)
	if field == "" {
		return ct.IsActive == 1
	}
	for _, f := range ct.UserDefinedFields {
		if !strings.EqualFold(strings.TrimSpace(f.Name), field) || f.Value == nil {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(*f.Value)) {
		case "yes", "true", "1":
			return true
		}
	}
	return false
}
