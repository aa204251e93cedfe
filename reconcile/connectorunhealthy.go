package reconcile

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleConnectorUnhealthy is the id of CONNECTOR-UNHEALTHY.
const RuleConnectorUnhealthy = "CONNECTOR-UNHEALTHY"

var connectorUnhealthy = Spec{
	Key: "connector_unhealthy", Severity: vocab.High,
	Description: "a connector cannot read a customer's data (consent revoked, key expired, access denied, auditing disabled), so that customer is unchecked",
	New:         func() Settings { return &ConnectorUnhealthy{} },
}

// ConnectorUnhealthy flags a connector whose latest pull of a scope was refused: one
// finding per connector and scope, naming the streams.
type ConnectorUnhealthy struct {
	Base
}

// ID implements Rule.
func (ConnectorUnhealthy) ID() string { return RuleConnectorUnhealthy }

// Evaluate implements Rule.
func (r ConnectorUnhealthy) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	index := map[string]int{}
	for _, h := range in.Health {
		if !h.Last.Outcome.Unhealthy() {
			continue
		}
		key := h.Connector + "/" + h.Scope
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			name := in.scopeName(h)
			out = append(out, Finding{
				Rule: RuleConnectorUnhealthy, Subject: "unhealthy:" + key, CustomerID: h.CustomerID, Severity: r.Severity,
				Summary: fmt.Sprintf("%s cannot read %s (%s since %s), so it is unchecked: %s", h.Connector, name,
					outcomeWords[h.Last.Outcome], h.Last.StartedAt.UTC().Format(clock), plainReason(h.Last.Error, h.Scope, name)),
			})
		}
		out[i].Evidence = append(out[i].Evidence, store.Ref[store.Coverage](h.Last.ID))
	}
	return out
}

// outcomeWords say what a refused pull means.
var outcomeWords = map[vocab.Outcome]string{
	vocab.OutcomeAccessDenied:     "access refused",
	vocab.OutcomeAuditingDisabled: "auditing turned off",
	vocab.OutcomeMisconfigured:    "misconfigured",
}

// plainReason is the connector error's own explanation, whole: the first part of the
// wrapped chain ("a: b: the app is not consented in the tenant (AADSTS…") that is a
// phrase of five words or more and names no tenant id, without an unclosed
// parenthesis. Without one, it is the whole error with the scope named by name.
func plainReason(err, scope, name string) string {
	for _, part := range strings.Split(err, ": ") {
		if len(strings.Fields(part)) < 5 || strings.Contains(strings.ToLower(part), strings.ToLower(scope)) {
			continue
		}
		if i := strings.Index(part, " ("); i > 0 && !strings.Contains(part[i:], ")") {
			part = part[:i]
		}
		return part
	}
	return cmp.Or(strings.ReplaceAll(err, scope, name), "no error text")
}
