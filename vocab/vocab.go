// Package vocab holds the few words every part of Custos shares: how severe a finding
// is, in order, and how a pull of a vendor's data ended. It imports nothing of Custos,
// so connectors, config, store, reconcile, notify and report can all speak it.
package vocab

import (
	"fmt"
	"slices"
	"strings"
)

// Severity says how urgently a finding needs a person. Severities are ordered: Info is
// the least severe, Critical the most.
type Severity string

// The severities, least severe first.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists every severity, least severe first.
var Severities = []Severity{Info, Low, Medium, High, Critical}

// ParseSeverity returns the severity a name spells, or an error that lists the names
// it accepts.
func ParseSeverity(name string) (Severity, error) {
	s := Severity(name)
	if !slices.Contains(Severities, s) {
		return "", fmt.Errorf("%q is not one of %s", name, severityNames())
	}
	return s, nil
}

// Rank orders severities: 0 for Info up to 4 for Critical, -1 for anything else.
func (s Severity) Rank() int { return slices.Index(Severities, s) }

// Above says whether s is more severe than other.
func (s Severity) Above(other Severity) bool { return s.Rank() > other.Rank() }

// UnmarshalText reads a severity from configuration, refusing an unknown name.
func (s *Severity) UnmarshalText(text []byte) error {
	parsed, err := ParseSeverity(string(text))
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

func severityNames() string {
	names := make([]string, len(Severities))
	for i, s := range Severities {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Outcome classifies how a pull of one stream for one scope ended. It is stored in
// coverage rows, so that "no findings" is never confused with "no data".
type Outcome string

// The outcomes of a pull.
const (
	OutcomeOK               Outcome = "ok"
	OutcomeThrottled        Outcome = "throttled"
	OutcomeAccessDenied     Outcome = "access_denied"
	OutcomeNotLicensed      Outcome = "not_licensed"
	OutcomeAuditingDisabled Outcome = "auditing_disabled"
	OutcomeMisconfigured    Outcome = "misconfigured"
	OutcomeCancelled        Outcome = "cancelled"
	OutcomeFailed           Outcome = "failed"
)

// Unhealthy says whether the outcome means the connector cannot read the scope's data
// until someone fixes its setup (consent, key, licence settings), as opposed to a
// transient failure that the next pull may not meet.
func (o Outcome) Unhealthy() bool {
	return o == OutcomeAccessDenied || o == OutcomeAuditingDisabled || o == OutcomeMisconfigured
}
