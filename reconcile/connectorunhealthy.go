package reconcile

import (
	"cmp"
	"fmt"
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
			msg := h.Last.Error
			if len(msg) > 200 {
				msg = msg[:200] + "…"
			}
			out = append(out, Finding{
				Rule: RuleConnectorUnhealthy, Subject: "unhealthy:" + key, CustomerID: h.CustomerID, Severity: r.Severity,
				Summary: fmt.Sprintf("%s cannot read %s (%s since %s), so it is unchecked: %s", h.Connector, in.scopeName(h),
					h.Last.Outcome, h.Last.StartedAt.UTC().Format(clock), cmp.Or(msg, "no error text")),
			})
		}
		out[i].Evidence = append(out[i].Evidence, store.Ref[store.Coverage](h.Last.ID))
	}
	return out
}
