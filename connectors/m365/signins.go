package m365

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// signIns reads partner technicians' sign-ins to each customer tenant from the beta
// sign-in log, whose crossTenantAccessType says "serviceProvider" for GDAP and DAP
// access.
type signIns struct{ c *Connector }

func (s *signIns) Name() string          { return "signins" }
func (s *signIns) Mode() connectors.Mode { return connectors.Incremental }

// Needs lists the permissions in every customer tenant and the licence.
func (s *signIns) Needs() []string {
	return []string{needAuditLog, needDirectory, "Entra ID P1 or P2 in the customer tenant (otherwise coverage is not_licensed)"}
}

func (s *signIns) Scopes(ctx context.Context) ([]connectors.Scope, error) { return s.c.Tenants(ctx) }

// Pull reads the tenant's sign-ins in the window and keeps the partner's.
// crossTenantAccessType is not documented as filterable, so signInEvent checks it
// rather than $filter.
func (s *signIns) Pull(ctx context.Context, scope connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	return pullTenantLog[models.SignInCollectionResponseable](ctx, s.c, scope, from, sink, s.log())
}

// Probe implements connectors.Prober: one sign-in of the tenant's last hour, which
// meets the permission, consent and licence a pull needs.
func (s *signIns) Probe(ctx context.Context, scope connectors.Scope) error {
	return probeTenantLog(ctx, s.c, scope, s.log())
}

// log says where sign-ins are read and how they become access events.
func (s *signIns) log() tenantLog[models.SignInable] {
	return tenantLog[models.SignInable]{
		stream: s.Name(), what: "list sign-ins",
		url: func(g *graphClient, w window, top int) string {
			return g.beta("auditLogs/signIns?" + query("$filter", w.filter("createdDateTime"), "$top", strconv.Itoa(top)))
		},
		factory: models.CreateSignInCollectionResponseFromDiscriminatorValue,
		event:   s.c.signInEvent,
	}
}

// signInEvent returns the access event of a partner sign-in, nil for any other.
func (c *Connector) signInEvent(tenant string, si models.SignInable) *record.AccessEvent {
	if additional(si, "crossTenantAccessType") != "serviceProvider" {
		return nil
	}
	home := additional(si, "homeTenantId")
	if home != "" && !strings.EqualFold(home, c.cfg.PartnerTenantID) {
		return nil // another provider's technician
	}
	when := utc(si.GetCreatedDateTime())
	if when == nil {
		return nil
	}
	app, resource := str(si.GetAppDisplayName()), str(si.GetResourceDisplayName())
	ev := &record.AccessEvent{
		Source: Name, SourceID: str(si.GetId()), Kind: record.KindM365SignIn, Action: "signIn",
		StartedAt: *when, CustomerRef: tenant,
		ActorRef: strings.ToLower(str(si.GetUserPrincipalName())), ActorName: str(si.GetUserDisplayName()),
		SourceIP: str(si.GetIpAddress()),
		Detail:   fmt.Sprintf("sign-in to %s", app),
		Attributes: map[string]string{
			"app_id": str(si.GetAppId()), "app": app, "resource": resource,
			"user_id": str(si.GetUserId()), "home_tenant_id": home, "correlation_id": str(si.GetCorrelationId()),
			"cross_tenant_access_type": "serviceProvider",
		},
	}
	if st := si.GetStatus(); st != nil && st.GetErrorCode() != nil && *st.GetErrorCode() != 0 {
		ev.Action = "signInFailed"
		ev.Detail = fmt.Sprintf("failed sign-in to %s: %s", app, str(st.GetFailureReason()))
		ev.Attributes["error_code"] = fmt.Sprint(*st.GetErrorCode())
	}
	for k, v := range ev.Attributes {
		if v == "" {
			delete(ev.Attributes, k)
		}
	}
	return ev
}
