package itglue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// OrganizationsStream lists the customer organizations of the whole account: every
// organization but the MSP's own (primary) one, limited to the configured
// organization types when there are any.
type OrganizationsStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *OrganizationsStream) Name() string { return "organizations" }

// Mode implements connectors.Stream.
func (s *OrganizationsStream) Mode() connectors.Mode { return connectors.Snapshot }

// Needs implements connectors.Stream.
func (s *OrganizationsStream) Needs() []string { return needs() }

// Emits implements connectors.Emitter.
func (s *OrganizationsStream) Emits() []record.Record {
	return []record.Record{(*record.Organization)(nil)}
}

// Scopes implements connectors.Stream: the whole account.
func (s *OrganizationsStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// pageCursor resumes a listing at a page.
type pageCursor struct {
	Page int `json:"page"`
}

// Pull implements connectors.Stream. Each API page is one sink page whose cursor
// resumes at the next API page; the last one carries the empty cursor.
func (s *OrganizationsStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	start := 1
	if from != "" {
		var cur pageCursor
		if err := json.Unmarshal([]byte(from), &cur); err != nil || cur.Page < 1 {
			sink.Warn(fmt.Errorf("itglue: organizations: unreadable cursor %q, restarting from the first page", excerpt([]byte(from))))
		} else {
			start = cur.Page
		}
	}
	err := walk(ctx, s.c, "/organizations", s.c.orgQuery(), start, "organizations", "organizations",
		func(doc *orgDocument, page int) error {
			orgs, bad := decodeOrganizations(doc)
			records := make([]record.Record, 0, len(orgs)+len(bad))
			for _, o := range orgs {
				if s.c.isCustomer(o) {
					records = append(records, toOrganization(o))
				}
			}
			for _, b := range bad {
				records = append(records, b.quarantine(record.QuarantinedOrganization, fmt.Sprintf("GET /organizations page %d", page)))
			}
			var next connectors.Cursor
			if doc.NextPage != 0 {
				b, _ := json.Marshal(pageCursor{Page: doc.NextPage})
				next = connectors.Cursor(b)
			}
			if err := sink.Page(ctx, records, next); err != nil {
				return fmt.Errorf("itglue: organizations page %d: handing over records: %w", page, err)
			}
			return nil
		})
	return "", err
}

func toOrganization(o organization) *record.Organization {
	return &record.Organization{
		Source:          Name,
		SourceID:        strconv.FormatInt(o.res.ID, 10),
		Name:            o.attrs.Name,
		ShortName:       o.attrs.ShortName,
		Type:            o.attrs.OrganizationTypeName,
		Status:          o.attrs.OrganizationStatusName,
		SourceUpdatedAt: o.attrs.UpdatedAt.Time,
		Raw:             append([]byte(nil), o.res.Raw...),
	}
}
