package autotask

import (
	"context"
	"strconv"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// resourceRecords maps resources (the MSP's staff) to user accounts; SourceID is the
// resource id, which tickets and notes name as assigned and creator resource.
func resourceRecords(_ context.Context, rows []row[resource], _ connectors.Sink) ([]record.Record, error) {
	out := make([]record.Record, 0, len(rows))
	for _, r := range rows {
		res := r.item
		out = append(out, &record.UserAccount{
			Source:   Name,
			SourceID: strconv.FormatInt(res.ID, 10),
			Name:     fullName(res.FirstName, res.LastName),
			Email:    res.Email,
			Disabled: !res.IsActive,
			Raw:      append([]byte(nil), r.raw...),
		})
	}
	return out, nil
}
