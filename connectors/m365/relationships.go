package m365

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// relationships reads the partner's GDAP relationships with their access assignments.
type relationships struct{ c *Connector }

func (s *relationships) Name() string          { return "relationships" }
func (s *relationships) Mode() connectors.Mode { return connectors.Snapshot }

// Needs lists the permission in the partner tenant.
func (s *relationships) Needs() []string {
	return []string{needRelationships}
}

func (s *relationships) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// Pull reads every relationship page by page; each page's cursor is the next link.
func (s *relationships) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	g, err := s.c.client(s.c.cfg.PartnerTenantID)
	if err != nil {
		return from, err
	}
	link := string(from)
	if link == "" {
		link = g.v1("tenantRelationships/delegatedAdminRelationships?$top=300")
	}
	pages := s.c.pager(s.Name(), connectors.Account)
	for n := 1; link != ""; n++ {
		if err := pages.Next(link); err != nil {
			return from, err
		}
		page, err := g.relationshipsPage(ctx, link)
		if err != nil {
			return from, fmt.Errorf("m365: list relationships page %d: %w", n, err)
		}
		recs := make([]record.Record, 0, len(page.rels))
		for _, r := range page.rels {
			recs = append(recs, r)
		}
		if err := sink.Page(ctx, recs, connectors.Cursor(page.next)); err != nil {
			return from, err
		}
		from, link = connectors.Cursor(page.next), page.next
	}
	return "", nil
}

// Probe implements connectors.Prober: one relationship and its access assignments.
func (s *relationships) Probe(ctx context.Context, _ connectors.Scope) error {
	g, err := s.c.client(s.c.cfg.PartnerTenantID)
	if err == nil {
		_, err = g.relationshipsPage(ctx, g.v1("tenantRelationships/delegatedAdminRelationships?$top=1"))
	}
	if err != nil {
		return fmt.Errorf("m365: probe relationships in the partner tenant: %w", err)
	}
	return nil
}

type relPage struct {
	rels []*record.Relationship
	next string
}

// relationshipsPage reads one page of relationships and the access assignments of
// each.
func (g *graphClient) relationshipsPage(ctx context.Context, link string) (relPage, error) {
	res, err := g.get(ctx, link, models.CreateDelegatedAdminRelationshipCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return relPage{}, err
	}
	page := res.(models.DelegatedAdminRelationshipCollectionResponseable)
	out := relPage{next: nextLink(page)}
	for _, r := range page.GetValue() {
		rec := relationshipRecord(r)
		if rec.Assignments, err = g.assignments(ctx, rec.SourceID); err != nil {
			return relPage{}, fmt.Errorf("access assignments of relationship %s: %w", rec.SourceID, err)
		}
		out.rels = append(out.rels, rec)
	}
	return out, nil
}

// eachRelationshipPage reads every relationship and hands fn each page as it is read.
func (g *graphClient) eachRelationshipPage(ctx context.Context, pages *connectors.Pager, fn func([]*record.Relationship) error) error {
	link := g.v1("tenantRelationships/delegatedAdminRelationships?$top=300")
	for n := 1; link != ""; n++ {
		if err := pages.Next(link); err != nil {
			return err
		}
		page, err := g.relationshipsPage(ctx, link)
		if err != nil {
			return fmt.Errorf("m365: list relationships page %d: %w", n, err)
		}
		if err := fn(page.rels); err != nil {
			return err
		}
		link = page.next
	}
	return nil
}

func (g *graphClient) assignments(ctx context.Context, relID string) ([]record.RoleAssignment, error) {
	var out []record.RoleAssignment
	link := g.v1("tenantRelationships/delegatedAdminRelationships/" + relID + "/accessAssignments?$top=300")
	pages := connectors.NewPager(Name, "access assignments of relationship "+relID, connectors.Account, g.maxPages)
	for link != "" {
		if err := pages.Next(link); err != nil {
			return nil, err
		}
		res, err := g.get(ctx, link, models.CreateDelegatedAdminAccessAssignmentCollectionResponseFromDiscriminatorValue)
		if err != nil {
			return nil, err
		}
		page := res.(models.DelegatedAdminAccessAssignmentCollectionResponseable)
		for _, a := range page.GetValue() {
			ra := record.RoleAssignment{ID: str(a.GetId()), Roles: roles(a.GetAccessDetails())}
			if st := a.GetStatus(); st != nil {
				ra.Status = st.String()
			}
			if ac := a.GetAccessContainer(); ac != nil {
				ra.GroupID = str(ac.GetAccessContainerId())
			}
			out = append(out, ra)
		}
		link = nextLink(page)
	}
	slices.SortFunc(out, func(a, b record.RoleAssignment) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func relationshipRecord(r models.DelegatedAdminRelationshipable) *record.Relationship {
	rec := &record.Relationship{
		Source: Name, SourceID: str(r.GetId()), DisplayName: str(r.GetDisplayName()),
		StartedAt: utc(r.GetActivatedDateTime()), EndsAt: utc(r.GetEndDateTime()),
		DurationDays: days(r.GetDuration()), AutoExtendDays: days(r.GetAutoExtendDuration()),
		Roles: roles(r.GetAccessDetails()),
	}
	if cu := r.GetCustomer(); cu != nil {
		rec.CustomerRef, rec.CustomerName = str(cu.GetTenantId()), str(cu.GetDisplayName())
	}
	if st := r.GetStatus(); st != nil {
		rec.Status = st.String()
	}
	switch rec.Status {
	case "expired", "terminated", "terminating", "terminationRequested", "expiring":
		rec.EndedAt = utc(r.GetLastModifiedDateTime())
	}
	return rec
}

func roles(d interface {
	GetUnifiedRoles() []models.UnifiedRoleable
}) []record.Role {
	if d == nil {
		return nil
	}
	var out []record.Role
	for _, r := range d.GetUnifiedRoles() {
		id := strings.ToLower(str(r.GetRoleDefinitionId()))
		out = append(out, record.Role{ID: id, Name: RoleNames[id]})
	}
	return out
}

// days returns an ISO 8601 duration in whole days (P730D, P104W2D and P2Y alike; a
// year counts 365 days).
func days(d *absser.ISODuration) int {
	if d == nil {
		return 0
	}
	return d.GetYears()*365 + d.GetWeeks()*7 + d.GetDays() + d.GetHours()/24
}

func utc(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// customers reads the customer tenants as organizations.
type customers struct{ c *Connector }

func (s *customers) Name() string          { return "customers" }
func (s *customers) Mode() connectors.Mode { return connectors.Snapshot }

// Needs lists the permission in the partner tenant.
func (s *customers) Needs() []string {
	return []string{needRelationships}
}

func (s *customers) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// Pull emits one organization per customer tenant, page by page as the tenants are
// read; a snapshot pull that fails part-way starts again from the first page.
func (s *customers) Pull(ctx context.Context, _ connectors.Scope, _ connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	return "", s.c.eachTenant(ctx, func(tenants []connectors.Scope) error {
		recs := make([]record.Record, 0, len(tenants))
		for _, t := range tenants {
			recs = append(recs, &record.Organization{Source: Name, SourceID: t.ID, Name: t.Name, Type: "customer tenant"})
		}
		return sink.Page(ctx, recs, "")
	})
}

// customers reads the partner's GDAP customers and hands fn each page as it is
// read, as tenant scopes.
func (g *graphClient) customers(ctx context.Context, pages *connectors.Pager, fn func([]connectors.Scope) error) error {
	link := g.v1("tenantRelationships/delegatedAdminCustomers?$top=300")
	for n := 1; link != ""; n++ {
		if err := pages.Next(link); err != nil {
			return err
		}
		res, err := g.get(ctx, link, models.CreateDelegatedAdminCustomerCollectionResponseFromDiscriminatorValue)
		if err != nil {
			return fmt.Errorf("m365: list GDAP customers page %d: %w", n, err)
		}
		page := res.(models.DelegatedAdminCustomerCollectionResponseable)
		out := make([]connectors.Scope, 0, len(page.GetValue()))
		for _, cu := range page.GetValue() {
			out = append(out, connectors.Scope{ID: str(cu.GetTenantId()), Name: str(cu.GetDisplayName())})
		}
		if err := fn(out); err != nil {
			return err
		}
		link = nextLink(page)
	}
	return nil
}
