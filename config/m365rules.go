package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/custos-msp/custos/duration"
)

// GlobalAdministratorRole is the role template id of Global Administrator.
const GlobalAdministratorRole = "62e90394-69f5-4237-9190-012177145e10"

// GDAPGlobalAdmin configures GDAP-GLOBAL-ADMIN.
type GDAPGlobalAdmin struct {
	Rule
	// ForbiddenRoles are the Entra role template ids no relationship may grant.
	ForbiddenRoles []string `toml:"forbidden_roles"`
}

// GDAPExpiring configures GDAP-EXPIRING.
type GDAPExpiring struct {
	Rule
	// Within is how close to its end a relationship that will not auto-extend is flagged.
	Within duration.Duration `toml:"within"`
}

// AuditGap configures AUDIT-GAP.
type AuditGap struct {
	Rule
	// After is how long a tenant's or tool's audit stream may go without a
	// successful read.
	After duration.Duration `toml:"after"`
	// Streams lists the audit streams watched, as connector/stream; connector/*
	// watches every stream of a connector.
	Streams []string `toml:"streams"`
}

// ReportMissing configures REPORT-MISSING.
type ReportMissing struct {
	Rule
	// Day is the day of the month by which last month's RMM report must have arrived.
	Day int `toml:"day"`
}

// validateM365Rules checks the rules about Microsoft 365 and coverage.
func (c *Config) validateM365Rules(v *validator) {
	r := c.Rules
	v.rule("rules.gdap_global_admin", r.GDAPGlobalAdmin.Rule)
	for i, id := range r.GDAPGlobalAdmin.ForbiddenRoles {
		v.check(roleID.MatchString(id), fmt.Sprintf("rules.gdap_global_admin.forbidden_roles[%d]", i),
			fmt.Sprintf("%q is not a role template id (a GUID such as %s)", id, GlobalAdministratorRole))
	}
	v.rule("rules.gdap_expiring", r.GDAPExpiring.Rule)
	v.check(r.GDAPExpiring.Within > 0, "rules.gdap_expiring.within", "must be positive")
	v.rule("rules.gdap_customer_inactive", r.GDAPCustomerInactive)
	v.rule("rules.access_after_revoke", r.AccessAfterRevoke)
	v.rule("rules.audit_gap", r.AuditGap.Rule)
	v.check(r.AuditGap.After > 0, "rules.audit_gap.after", "must be positive")
	for i, s := range r.AuditGap.Streams {
		connector, stream, ok := strings.Cut(s, "/")
		v.check(ok && connector != "" && stream != "", fmt.Sprintf("rules.audit_gap.streams[%d]", i),
			fmt.Sprintf("%q is not connector/stream or connector/*", s))
	}
	v.rule("rules.report_missing", r.ReportMissing.Rule)
	v.check(r.ReportMissing.Day >= 1 && r.ReportMissing.Day <= 28, "rules.report_missing.day", "must be between 1 and 28")
	v.rule("rules.connector_unhealthy", r.ConnectorUnhealthy)
}

// roleID is the shape of an Entra role template id.
var roleID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
