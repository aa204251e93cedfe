package reconcile

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/vocab"
)

// RuleGDAPGlobalAdmin is the id of GDAP-GLOBAL-ADMIN.
const RuleGDAPGlobalAdmin = "GDAP-GLOBAL-ADMIN"

// GlobalAdministratorRole is the role template id of Global Administrator.
const GlobalAdministratorRole = "62e90394-69f5-4237-9190-012177145e10"

var gdapGlobalAdmin = Spec{
	Key: "gdap_global_admin", Severity: vocab.Critical,
	Description: "a GDAP relationship, not ended, grants Global Administrator or another role in `forbidden_roles`",
	New:         func() Settings { return &GDAPGlobalAdmin{ForbiddenRoles: []string{GlobalAdministratorRole}} },
}

// GDAPGlobalAdmin flags a relationship, not ended, that grants a forbidden role.
type GDAPGlobalAdmin struct {
	Base
	// ForbiddenRoles are the Entra role template ids no relationship may grant.
	ForbiddenRoles []string `toml:"forbidden_roles"`
}

// ID implements Rule.
func (GDAPGlobalAdmin) ID() string { return RuleGDAPGlobalAdmin }

// roleID is the shape of an Entra role template id.
var roleID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate checks the settings.
func (r *GDAPGlobalAdmin) Validate() []config.Problem {
	var problems []config.Problem
	for i, id := range r.ForbiddenRoles {
		if !roleID.MatchString(id) {
			problems = append(problems, config.Problem{Key: fmt.Sprintf("forbidden_roles[%d]", i),
				Reason: fmt.Sprintf("%q is not a role template id (a GUID such as %s)", id, GlobalAdministratorRole)})
		}
	}
	return problems
}

// Build returns the rule with the role ids in lower case, as Evaluate compares them.
func (r *GDAPGlobalAdmin) Build(Env) Evaluator {
	built := GDAPGlobalAdmin{Base: r.Base, ForbiddenRoles: make([]string, len(r.ForbiddenRoles))}
	for i, id := range r.ForbiddenRoles {
		built.ForbiddenRoles[i] = strings.ToLower(id)
	}
	return built
}

// Evaluate implements Rule.
func (r GDAPGlobalAdmin) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, rel := range in.Relationships {
		if ended(rel.Status) {
			continue
		}
		roles, err := rel.RoleList()
		if err != nil {
			continue // an undecodable role list was stored by an older version; nothing to judge
		}
		var names []string
		for _, role := range roles {
			if slices.Contains(r.ForbiddenRoles, strings.ToLower(role.ID)) {
				names = append(names, cmp.Or(role.Name, role.ID))
			}
		}
		if len(names) > 0 {
			out = append(out, relationshipFinding(RuleGDAPGlobalAdmin, r.Severity, rel,
				fmt.Sprintf("%s (%s) grants %s", relationshipName(rel), rel.Status, strings.Join(names, ", "))))
		}
	}
	return out
}
