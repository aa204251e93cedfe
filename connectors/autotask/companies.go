package autotask

import (
	"context"
	"strconv"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// companyRecords maps companies to organizations: active and inactive ones, with
// the company type's picklist label (its number when the picklist cannot be read).
func (c *Connector) companyRecords(ctx context.Context, rows []row[company], _ connectors.Sink) ([]record.Record, error) {
	labels, err := c.picklist(ctx, entityCompanies, "companyType")
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		c.log.Warn().Err(err).Msg("company types stay numbers")
	}
	out := make([]record.Record, 0, len(rows))
	for _, r := range rows {
		co := r.item
		typ := ""
		if co.CompanyType != nil {
			typ = labels[*co.CompanyType]
			if typ == "" {
				typ = strconv.FormatInt(*co.CompanyType, 10)
			}
		}
		status := "Inactive"
		if co.IsActive {
			status = "Active"
		}
		out = append(out, &record.Organization{
			Source:          Name,
			SourceID:        strconv.FormatInt(co.ID, 10),
			Name:            co.CompanyName,
			Type:            typ,
			Status:          status,
			SourceUpdatedAt: co.LastActivityDate.Time,
			Raw:             append([]byte(nil), r.raw...),
		})
	}
	return out, nil
}
