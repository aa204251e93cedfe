package o365audit

import (
	"context"
	"fmt"
	"strings"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// TenantsStream lists the customer tenants as organizations, so that mapping ties
// each tenant's access events to its customer by name.
type TenantsStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *TenantsStream) Name() string { return "tenants" }

// Mode implements connectors.Stream.
func (s *TenantsStream) Mode() connectors.Mode { return connectors.Snapshot }

// Needs implements connectors.Stream.
func (s *TenantsStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *TenantsStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// Pull implements connectors.Stream: one page with every tenant.
func (s *TenantsStream) Pull(ctx context.Context, _ connectors.Scope, _ connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	scopes, err := s.c.tenants.Tenants(ctx)
	if err != nil {
		return "", fmt.Errorf("o365audit: listing tenants: %w", err)
	}
	records := make([]record.Record, 0, len(scopes))
	for _, t := range scopes {
		records = append(records, &record.Organization{
			Source: Name, SourceID: strings.ToLower(t.ID), Name: t.Name, Type: "tenant", Status: "active",
		})
	}
	if err := sink.Page(ctx, records, ""); err != nil {
		return "", fmt.Errorf("o365audit: tenants: handing over records: %w", err)
	}
	return "", nil
}
