package m365

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// directoryAudits reads each customer tenant's Entra directory audits and keeps the
// actions of partner technicians.
type directoryAudits struct{ c *Connector }

func (s *directoryAudits) Name() string          { return "directoryaudits" }
func (s *directoryAudits) Mode() connectors.Mode { return connectors.Incremental }

// Needs lists the permissions in every customer tenant.
func (s *directoryAudits) Needs() []string {
	return []string{needAuditLog, needDirectory}
}

func (s *directoryAudits) Scopes(ctx context.Context) ([]connectors.Scope, error) {
	return s.c.Tenants(ctx)
}

// Pull reads the tenant's directory audits in the window.
func (s *directoryAudits) Pull(ctx context.Context, scope connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	return pullTenantLog[models.DirectoryAuditCollectionResponseable](ctx, s.c, scope, from, sink, s.log())
}

// Probe implements connectors.Prober: one directory audit of the tenant's last hour.
func (s *directoryAudits) Probe(ctx context.Context, scope connectors.Scope) error {
	return probeTenantLog(ctx, s.c, scope, s.log())
}

// log says where directory audits are read and how they become access events.
func (s *directoryAudits) log() tenantLog[models.DirectoryAuditable] {
	return tenantLog[models.DirectoryAuditable]{
		stream: s.Name(), what: "list directory audits",
		url: func(g *graphClient, w window, top int) string {
			return g.v1("auditLogs/directoryAudits?" + query("$filter", w.filter("activityDateTime"), "$top", strconv.Itoa(top)))
		},
		factory: models.CreateDirectoryAuditCollectionResponseFromDiscriminatorValue,
		event:   s.c.auditEvent,
	}
}

// removable are the target types whose deletion is a removal.
var removable = []string{"user", "group", "device", "application", "app", "serviceprincipal"}

// partnerActor reports whether an audit's user actor is a partner technician: the
// partner tenant is their home tenant, or they sign in with a partner domain.
func (c *Connector) partnerActor(u models.UserIdentityable) bool {
	if u == nil {
		return false
	}
	if home := additional(u, "homeTenantId"); home != "" {
		return strings.EqualFold(home, c.cfg.PartnerTenantID)
	}
	upn := strings.ToLower(str(u.GetUserPrincipalName()))
	_, domain, ok := strings.Cut(upn, "@")
	return ok && slices.ContainsFunc(c.cfg.PartnerDomains, func(d string) bool { return strings.EqualFold(d, domain) })
}

// auditEvent returns the access event of a partner technician's action, nil for
// any other.
func (c *Connector) auditEvent(tenant string, a models.DirectoryAuditable) *record.AccessEvent {
	var u models.UserIdentityable
	if ib := a.GetInitiatedBy(); ib != nil {
		u = ib.GetUser()
	}
	when := utc(a.GetActivityDateTime())
	if !c.partnerActor(u) || when == nil {
		return nil
	}
	activity := str(a.GetActivityDisplayName())
	ev := &record.AccessEvent{
		Source: Name, SourceID: str(a.GetId()), Kind: record.KindM365Admin, Action: activity,
		StartedAt: *when, CustomerRef: tenant,
		ActorRef: strings.ToLower(str(u.GetUserPrincipalName())), ActorName: str(u.GetDisplayName()),
		SourceIP: str(u.GetIpAddress()),
		Attributes: map[string]string{
			"category": str(a.GetCategory()), "operation_type": str(a.GetOperationType()),
			"correlation_id": str(a.GetCorrelationId()), "logged_by_service": str(a.GetLoggedByService()),
		},
	}
	if r := a.GetResult(); r != nil {
		ev.Attributes["result"] = r.String()
	}
	var targets []string
	deleting := strings.EqualFold(str(a.GetOperationType()), "Delete") || strings.HasPrefix(strings.ToLower(activity), "delete ") ||
		strings.HasPrefix(strings.ToLower(activity), "hard delete ")
	for _, t := range a.GetTargetResources() {
		name := str(t.GetUserPrincipalName())
		if name == "" {
			name = str(t.GetDisplayName())
		}
		typ := strings.ToLower(str(t.GetTypeEscaped()))
		targets = append(targets, fmt.Sprintf("%s %s", str(t.GetTypeEscaped()), name))
		if deleting && slices.Contains(removable, typ) {
			ev.Removal = true
		}
		if ev.Attributes["target_id"] == "" {
			ev.Attributes["target_id"] = str(t.GetId())
		}
	}
	ev.Detail = activity
	if len(targets) > 0 {
		ev.Detail += ": " + strings.Join(targets, ", ")
	}
	for k, v := range ev.Attributes {
		if v == "" {
			delete(ev.Attributes, k)
		}
	}
	return ev
}
