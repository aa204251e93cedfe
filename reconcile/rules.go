package reconcile

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/sweep"
	"github.com/custos-msp/custos/vocab"
)

// Catalogue lists the id of every rule Custos has, enabled or not.
var Catalogue = []string{
	RuleConfigBackupMissing, RuleConfigBackupStale, RuleConfigBackupIncomplete,
	RuleAgentLingering, RuleAgentPermanentUnapproved, RuleMappingUnresolved, RuleGrantorNotAuthorised,
	RuleAccessUnauthorised, RuleCommandUnauthorised, RuleRemovalWithoutBackup,
	RuleGDAPGlobalAdmin, RuleGDAPExpiring, RuleGDAPCustomerInactive, RuleAccessAfterRevoke,
	RuleAuditGap, RuleReportMissing, RuleConnectorUnhealthy,
}

// FromConfig builds the enabled rules, in a fixed order.
func FromConfig(cfg config.Rules, auth config.Authorisations) ([]Rule, error) {
	var rules []Rule
	if cfg.ConfigBackupMissing.Enabled {
		rules = append(rules, ConfigBackupMissing{Severity: cfg.ConfigBackupMissing.Severity})
	}
	if c := cfg.ConfigBackupStale; c.Enabled {
		rules = append(rules, ConfigBackupStale{Severity: c.Severity, MaxAge: c.MaxAge.Std()})
	}
	if c := cfg.ConfigBackupIncomplete; c.Enabled {
		old, err := regexp.Compile(c.OldPattern)
		if err != nil {
			return nil, fmt.Errorf("rules.config_backup_incomplete.old_pattern: %w", err)
		}
		nw, err := regexp.Compile(c.NewPattern)
		if err != nil {
			return nil, fmt.Errorf("rules.config_backup_incomplete.new_pattern: %w", err)
		}
		rules = append(rules, ConfigBackupIncomplete{Severity: c.Severity, Window: c.Window.Std(), Old: old, New: nw})
	}
	if c := cfg.AgentLingering; c.Enabled {
		rules = append(rules, AgentLingering{Severity: c.Severity, After: c.After.Std()})
	}
	if c := cfg.AgentPermanent; c.Enabled {
		rules = append(rules, NewAgentPermanentUnapproved(c.Severity, c.ApprovedMachines))
	}
	if c := cfg.MappingUnresolved; c.Enabled {
		rules = append(rules, MappingUnresolved{Severity: c.Severity})
	}
	if c := cfg.GrantorNotAuthorised; c.Enabled {
		rules = append(rules, NewGrantorNotAuthorised(c.Severity, auth.Contacts))
	}
	if c := cfg.GDAPGlobalAdmin; c.Enabled {
		forbidden := make([]string, len(c.ForbiddenRoles))
		for i, id := range c.ForbiddenRoles {
			forbidden[i] = strings.ToLower(id)
		}
		rules = append(rules, GDAPGlobalAdmin{Severity: c.Severity, Forbidden: forbidden})
	}
	if c := cfg.GDAPExpiring; c.Enabled {
		rules = append(rules, GDAPExpiring{Severity: c.Severity, Within: c.Within.Std()})
	}
	if c := cfg.GDAPCustomerInactive; c.Enabled {
		rules = append(rules, GDAPCustomerInactive{Severity: c.Severity})
	}
	if c := cfg.AccessAfterRevoke; c.Enabled {
		rules = append(rules, AccessAfterRevoke{Severity: c.Severity})
	}
	if c := cfg.AuditGap; c.Enabled {
		rules = append(rules, AuditGap{Severity: c.Severity, After: c.After.Std(), Streams: c.Streams})
	}
	if c := cfg.ReportMissing; c.Enabled {
		rules = append(rules, ReportMissing{Severity: c.Severity, Day: c.Day})
	}
	if c := cfg.ConnectorUnhealthy; c.Enabled {
		rules = append(rules, ConnectorUnhealthy{Severity: c.Severity})
	}
	return rules, nil
}

// AccessCheckFromConfig builds the access check, or nil when all its rules are off.
func AccessCheckFromConfig(cfg config.Rules, auth config.Authorisations) *AccessCheck {
	c := &AccessCheck{
		Grace:        sweep.Options{Before: auth.GraceBefore.Std(), After: auth.GraceAfter.Std()},
		Severities:   map[string]vocab.Severity{},
		BackupMaxAge: cfg.RemovalWithoutBackup.BackupMaxAge.Std(),
	}
	for id, r := range map[string]config.Rule{
		RuleAccessUnauthorised: cfg.AccessUnauthorised, RuleCommandUnauthorised: cfg.CommandUnauthorised,
		RuleRemovalWithoutBackup: cfg.RemovalWithoutBackup.Rule,
	} {
		if r.Enabled {
			c.Severities[id] = r.Severity
		}
	}
	if len(c.Severities) == 0 {
		return nil
	}
	return c
}
