package reconcile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/sweep"
	"github.com/custos-msp/custos/vocab"
)

// Rules lists every rule Custos has, in the order they are evaluated, decoded and
// documented. A rule is one file with its Spec, settings, evaluation and test; adding
// one is that file and one line here. The catalogue, the [rules.*] tables of the
// configuration, config.example.toml and the README's rule table all follow this list.
var Rules = []Spec{
	configBackupMissing,
	configBackupStale,
	configBackupIncomplete,
	agentLingering,
	agentPermanentUnapproved,
	mappingUnresolved,
	grantorNotAuthorised,
	accessUnauthorised,
	commandUnauthorised,
	removalWithoutBackup,
	accessAuthorisedLate,
	gdapGlobalAdmin,
	gdapExpiring,
	gdapCustomerInactive,
	accessAfterRevoke,
	auditGap,
	reportMissing,
	connectorUnhealthy,
	notifyFailing,
	recordsQuarantined,
}

// Catalogue lists the id of every rule Custos has, enabled or not, in the order of Rules.
var Catalogue = catalogue()

func catalogue() []string {
	ids := make([]string, len(Rules))
	for i, spec := range Rules {
		ids[i] = spec.ID()
	}
	return ids
}

// Spec describes one rule: what Custos knows of it besides its evaluation.
type Spec struct {
	// Key names the rule's table in the configuration, [rules.<Key>].
	Key string
	// Severity is the severity of the rule's findings unless its table sets another.
	Severity vocab.Severity
	// Description says in one line when the rule fires (the README's rule table).
	Description string
	// New returns the rule's settings with the defaults of its own fields; Configure
	// enables it at Severity before decoding its table into it.
	New func() Settings
}

// ID is the rule's stable id, e.g. CONFIG-BACKUP-STALE.
func (s Spec) ID() string { return s.New().ID() }

// Settings is one rule's table in the configuration: a pointer to the rule's own
// struct, which embeds Base and has a toml tag on each field. Its type decodes its
// values (durations, severities, patterns decode themselves); it may also have
//
//	Validate() []config.Problem  // problems keyed by the field's path in the table (max_age, streams[0])
//	Build(Env) Evaluator         // what evaluates the rule, when it is not the settings themselves
//
// Without Build, the settings are the rule: a Rule, or an access rule whose findings
// the per-customer access sweep makes.
type Settings interface {
	// ID is the rule's stable id.
	ID() string
	base() *Base
}

// Base holds what every rule's settings have.
type Base struct {
	// Enabled turns the rule on.
	Enabled bool `toml:"enabled"`
	// Severity is the severity of the rule's findings.
	Severity vocab.Severity `toml:"severity"`
}

func (b *Base) base() *Base { return b }

// Env is what a rule may read from the configuration besides its own table.
type Env struct {
	Authorisations config.Authorisations
	// Receivers are the names of the notify receivers configured.
	Receivers []string
}

// Evaluator is what a rule's settings build: a Rule, evaluated over whole tables, or
// an access rule, whose findings the per-customer access sweep (AccessCheck) makes.
type Evaluator interface {
	ID() string
}

// accessRule is a rule the access sweep evaluates. addTo sets up its part of the
// check, which Configure calls whether the rule is enabled or not.
type accessRule interface {
	Evaluator
	addTo(*AccessCheck)
}

// enable turns access rule id on in c at b's severity, when b enables it.
func (b *Base) enable(c *AccessCheck, id string) {
	if b.Enabled {
		c.Severities[id] = b.Severity
	}
}

// positive returns a problem at key unless d is positive.
func positive(key string, d duration.Duration) []config.Problem {
	if d > 0 {
		return nil
	}
	return []config.Problem{{Key: key, Reason: "must be positive"}}
}

type validator interface {
	Validate() []config.Problem
}

type builder interface {
	Build(Env) Evaluator
}

// RuleSet is the rules a configuration enables, ready to evaluate.
type RuleSet struct {
	// Rules are the enabled rules over whole tables, in the order of Rules.
	Rules []Rule
	// Access matches access events to authorisations for the enabled access rules;
	// nil when they are all off.
	Access *AccessCheck
	// settings are every rule's settings as configured, enabled or not.
	settings []Settings
}

// Configured returns the settings of type T (a rule's settings, *ConfigBackupStale)
// as the configuration sets them, enabled or not: for what another part of Custos
// shares with a rule, such as the report's backup age. It is nil when set has none.
func Configured[T Settings](set *RuleSet) T {
	for _, s := range set.settings {
		if t, ok := s.(T); ok {
			return t
		}
	}
	var none T
	return none
}

// Tables returns every rule's settings as configured, enabled or not, by the key of
// its table ([rules.<key>]): the rules' part of the effective configuration.
func (set *RuleSet) Tables() map[string]Settings {
	tables := make(map[string]Settings, len(set.settings))
	for i, s := range set.settings {
		tables[Rules[i].Key] = s
	}
	return tables
}

// Configure decodes each rule's table of cfg into its settings, over the rule's
// defaults, validates them and builds the enabled rules. It returns every problem
// found, each with its key path: a table or key no rule has, a value that does not
// decode or is invalid, and a notify route naming a rule that does not exist.
func Configure(cfg *config.Config) (*RuleSet, []config.Problem) {
	set := &RuleSet{}
	access := &AccessCheck{
		Grace:      sweep.Options{Before: cfg.Authorisations.GraceBefore.Std(), After: cfg.Authorisations.GraceAfter.Std()},
		Severities: map[string]vocab.Severity{},
	}
	env := Env{Authorisations: cfg.Authorisations}
	for _, r := range cfg.Notify.Receivers {
		env.Receivers = append(env.Receivers, r.Name)
	}
	var problems []config.Problem
	for _, spec := range Rules {
		s := spec.New()
		*s.base() = Base{Enabled: true, Severity: spec.Severity}
		found := cfg.Rules.Decode(spec.Key, s)
		if v, ok := s.(validator); ok {
			for _, p := range v.Validate() {
				found = append(found, config.Problem{Key: "rules." + spec.Key + "." + p.Key, Reason: p.Reason})
			}
		}
		problems = append(problems, found...)
		set.settings = append(set.settings, s)
		if len(found) > 0 {
			continue
		}
		var ev Evaluator = s
		if b, ok := s.(builder); ok {
			ev = b.Build(env)
		}
		switch ev := ev.(type) {
		case accessRule:
			ev.addTo(access)
		case Rule:
			if s.base().Enabled {
				set.Rules = append(set.Rules, ev)
			}
		default:
			panic(fmt.Sprintf("reconcile: rule %s builds %T, neither a Rule nor an access rule", spec.ID(), ev))
		}
	}
	if len(access.Severities) > 0 {
		set.Access = access
	}
	problems = append(problems, unknownTables(cfg)...)
	problems = append(problems, unknownRouteRules(cfg)...)
	return set, problems
}

// Check is Configure's problems, for config.Load: the rules' tables are validated
// with the rest of the file.
func Check(cfg *config.Config) []config.Problem {
	_, problems := Configure(cfg)
	return problems
}

// unknownTables reports each [rules.*] table that names no rule.
func unknownTables(cfg *config.Config) []config.Problem {
	keys := make([]string, len(Rules))
	for i, spec := range Rules {
		keys[i] = spec.Key
	}
	var problems []config.Problem
	for _, key := range cfg.Rules.Keys() {
		if !slices.Contains(keys, key) {
			problems = append(problems, config.Problem{Key: "rules." + key,
				Reason: "is not a rule" + config.DidYouMean(key, keys) + " (the rules are " + strings.Join(keys, ", ") + ")"})
		}
	}
	return problems
}

// unknownRouteRules reports each rule id in a notify route that names no rule.
func unknownRouteRules(cfg *config.Config) []config.Problem {
	var problems []config.Problem
	for i, route := range cfg.Notify.Routes {
		for j, id := range route.Rules {
			if !slices.Contains(Catalogue, id) {
				problems = append(problems, config.Problem{Key: fmt.Sprintf("notify.routes[%d].rules[%d]", i, j),
					Reason: fmt.Sprintf("%q is not a rule id; the rules are %s", id, strings.Join(Catalogue, ", "))})
			}
		}
	}
	return problems
}
