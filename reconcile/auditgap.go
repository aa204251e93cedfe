package reconcile

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleAuditGap is the id of AUDIT-GAP.
const RuleAuditGap = "AUDIT-GAP"

var auditGap = Spec{
	Key: "audit_gap", Severity: vocab.High,
	Description: "no audit records arrived from a tenant or tool (a stream in `streams`) for longer than `after`",
	New: func() Settings {
		return &AuditGap{After: duration.Duration(24 * time.Hour), Streams: []string{"m365/signins", "m365/directoryaudits", "o365audit/*",
			"screenconnect/connections", "screenconnect/events", "dattormm/activity"}}
	},
}

// AuditGap flags an audit stream of a scope with no successful read for longer than
// After. A stream whose latest pull said the tenant is not licensed for it is left to
// coverage: it has no data to wait for.
type AuditGap struct {
	Base
	// After is how long a tenant's or tool's audit stream may go without a
	// successful read.
	After duration.Duration `toml:"after"`
	// Streams are connector/stream patterns (path.Match), e.g. o365audit/*.
	Streams []string `toml:"streams"`
}

// ID implements Rule.
func (AuditGap) ID() string { return RuleAuditGap }

// Validate checks the settings.
func (r *AuditGap) Validate() []config.Problem {
	problems := positive("after", r.After)
	for i, s := range r.Streams {
		if connector, stream, ok := strings.Cut(s, "/"); !ok || connector == "" || stream == "" {
			problems = append(problems, config.Problem{Key: fmt.Sprintf("streams[%d]", i),
				Reason: fmt.Sprintf("%q is not connector/stream or connector/*", s)})
		}
	}
	return problems
}

// Evaluate implements Rule.
func (r AuditGap) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, h := range in.Health {
		if !r.watches(h.Connector+"/"+h.Stream) || h.Last.Outcome == vocab.OutcomeNotLicensed {
			continue
		}
		since := h.Last.StartedAt
		if h.LastOK != nil {
			since = *h.LastOK
		}
		if now.Sub(since) <= r.After.Std() {
			continue
		}
		what := "no successful read since " + since.UTC().Format(clock)
		if h.LastOK == nil {
			what = "never read successfully (first tried " + since.UTC().Format(clock) + ")"
		}
		out = append(out, Finding{
			Rule: RuleAuditGap, Subject: "audit-gap:" + h.Connector + "/" + h.Stream + "/" + h.Scope, CustomerID: h.CustomerID, Severity: r.Severity,
			Evidence: []string{store.Ref[store.Coverage](h.Last.ID)},
			Summary: fmt.Sprintf("%s %s for %s: %s (%s; allowed %s); latest pull %s", h.Connector, h.Stream, in.scopeName(h),
				what, roundDuration(now.Sub(since)), roundDuration(r.After.Std()), h.Last.Outcome),
		})
	}
	return out
}

func (r AuditGap) watches(stream string) bool {
	return slices.ContainsFunc(r.Streams, func(p string) bool { ok, _ := path.Match(p, stream); return ok })
}
