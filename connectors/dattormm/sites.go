package dattormm

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// sitesPath lists the account's sites.
const sitesPath = "/api/v2/account/sites"

// SitesStream lists the account's sites, which are the MSP's customers (or their
// locations), as organizations.
type SitesStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *SitesStream) Name() string { return "sites" }

// Mode implements connectors.Stream.
func (s *SitesStream) Mode() connectors.Mode { return connectors.Snapshot }

// Needs implements connectors.Stream.
func (s *SitesStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *SitesStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return accountScopes(), nil
}

// Pull implements connectors.Stream; each API page is one sink page.
func (s *SitesStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	return s.c.pullListing(ctx, from, sink, listing{path: sitesPath, key: "sites", what: "sites", record: toOrganization})
}

// site is the part of a Site that Custos reads.
type site struct {
	ID       json.Number `json:"id"`
	Name     string      `json:"name"`
	OnDemand bool        `json:"onDemand"`
}

// toOrganization maps a site. Its SourceID is the numeric site id, which activity logs
// and devices carry; on-demand sites (such as "Deleted Devices") have Type
// "on-demand", the others "site".
func toOrganization(_ context.Context, item json.RawMessage, _ connectors.Sink) (record.Record, error) {
	var st site
	if err := json.Unmarshal(item, &st); err != nil {
		return quarantine(record.QuarantinedOrganization, "id", numericID, item, fmt.Errorf("decoding the site: %w", err)), nil
	}
	id, err := decimalID(st.ID)
	if err != nil || id == "" {
		return quarantine(record.QuarantinedOrganization, "id", numericID, item, fmt.Errorf("site %q has no numeric id", st.Name)), nil
	}
	typ := "site"
	if st.OnDemand {
		typ = "on-demand"
	}
	return &record.Organization{
		Source: Name, SourceID: id, Name: st.Name, Type: typ, Raw: append([]byte(nil), item...),
	}, nil
}
