package reconcile

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// Rule ids of Microsoft 365 partner access and of coverage.
const (
	RuleGDAPGlobalAdmin      = "GDAP-GLOBAL-ADMIN"
	RuleGDAPExpiring         = "GDAP-EXPIRING"
	RuleGDAPCustomerInactive = "GDAP-CUSTOMER-INACTIVE"
	RuleAccessAfterRevoke    = "ACCESS-AFTER-REVOKE"
	RuleAuditGap             = "AUDIT-GAP"
	RuleReportMissing        = "REPORT-MISSING"
	RuleConnectorUnhealthy   = "CONNECTOR-UNHEALTHY"
)

// ended reports whether a GDAP relationship status means it no longer grants access.
func ended(status string) bool {
	switch strings.ToLower(status) {
	case "expired", "terminated":
		return true
	}
	return false
}

// relationshipFinding is a finding about one relationship.
func relationshipFinding(rule string, severity vocab.Severity, r store.Relationship, summary string) Finding {
	return Finding{
		Rule: rule, Subject: "m365:relationship:" + r.SourceID, CustomerID: r.CustomerID, Severity: severity,
		Summary: summary, Evidence: []string{fmt.Sprintf("relationships:%d", r.ID)},
	}
}

// relationshipName names a relationship and its customer in a summary.
func relationshipName(r store.Relationship) string {
	return fmt.Sprintf("GDAP relationship %q with %s", cmp.Or(r.DisplayName, r.SourceID), cmp.Or(r.CustomerName, "tenant "+r.CustomerRef))
}

// GDAPGlobalAdmin flags a relationship, not ended, that grants a forbidden role.
type GDAPGlobalAdmin struct {
	Severity vocab.Severity
	// Forbidden holds the forbidden role template ids, lower case.
	Forbidden []string
}

// ID implements Rule.
func (GDAPGlobalAdmin) ID() string { return RuleGDAPGlobalAdmin }

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
			if slices.Contains(r.Forbidden, strings.ToLower(role.ID)) {
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

// GDAPExpiring flags an active relationship that ends within Within and will not
// auto-extend.
type GDAPExpiring struct {
	Severity vocab.Severity
	Within   time.Duration
}

// ID implements Rule.
func (GDAPExpiring) ID() string { return RuleGDAPExpiring }

// Evaluate implements Rule.
func (r GDAPExpiring) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, rel := range in.Relationships {
		if !strings.EqualFold(rel.Status, "active") || rel.EndsAt == nil || rel.AutoExtendDays > 0 {
			continue
		}
		left := rel.EndsAt.Sub(now)
		if left <= 0 || left > r.Within {
			continue
		}
		out = append(out, relationshipFinding(RuleGDAPExpiring, r.Severity, rel,
			fmt.Sprintf("%s ends %s (in %s) and will not auto-extend", relationshipName(rel), rel.EndsAt.UTC().Format(time.DateOnly), roundDuration(left))))
	}
	return out
}

// GDAPCustomerInactive flags an active relationship with a tenant that matches no
// customer or whose customer is offboarded.
type GDAPCustomerInactive struct{ Severity vocab.Severity }

// ID implements Rule.
func (GDAPCustomerInactive) ID() string { return RuleGDAPCustomerInactive }

// Evaluate implements Rule.
func (r GDAPCustomerInactive) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, rel := range in.Relationships {
		if !strings.EqualFold(rel.Status, "active") {
			continue
		}
		var why string
		switch c, ok := in.customer(rel.CustomerID); {
		case !ok:
			why = "a tenant that matches no customer"
		case c.Status == store.CustomerOffboarded:
			why = "offboarded customer " + c.Name
			if c.StatusSince != nil {
				why += " (since " + c.StatusSince.UTC().Format(time.DateOnly) + ")"
			}
		default:
			continue
		}
		out = append(out, relationshipFinding(RuleGDAPCustomerInactive, r.Severity, rel,
			fmt.Sprintf("%s is active for %s", relationshipName(rel), why)))
	}
	return out
}

// AccessAfterRevoke flags partner access to a tenant at a time when none of its
// relationships was active and one had already ended: one finding per tenant and day.
type AccessAfterRevoke struct{ Severity vocab.Severity }

// ID implements Rule.
func (AccessAfterRevoke) ID() string { return RuleAccessAfterRevoke }

// Evaluate implements Rule.
func (r AccessAfterRevoke) Evaluate(in *Input, _ time.Time) []Finding {
	byTenant := map[string][]store.Relationship{}
	for _, rel := range in.Relationships {
		byTenant[rel.CustomerRef] = append(byTenant[rel.CustomerRef], rel)
	}
	var out []Finding
	index := map[string]int{}
	for _, e := range in.PartnerAccess {
		last, covered := lastEnded(byTenant[e.CustomerRef], e.StartedAt)
		if covered || last == nil {
			continue
		}
		key := e.CustomerRef + ":" + e.StartedAt.UTC().Format(time.DateOnly)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Finding{
				Rule: RuleAccessAfterRevoke, Subject: "m365:after-revoke:" + key, CustomerID: e.CustomerID, Severity: r.Severity,
				Evidence: []string{fmt.Sprintf("relationships:%d", last.ID)},
				Summary: fmt.Sprintf("partner access to %s on %s after %s ended %s: first %s by %s at %s",
					cmp.Or(last.CustomerName, "tenant "+e.CustomerRef), e.StartedAt.UTC().Format(time.DateOnly),
					relationshipName(*last), last.EndedAt.UTC().Format(clock), strings.ReplaceAll(e.Kind, "_", " "),
					cmp.Or(e.ActorName, e.ActorRef, "an unknown partner user"), e.StartedAt.UTC().Format(clock)),
			})
		}
		if len(out[i].Evidence) <= maxEvidence {
			out[i].Evidence = append(out[i].Evidence, fmt.Sprintf("access_events:%d", e.ID))
		}
	}
	return out
}

// lastEnded returns the relationship of the tenant that ended last at or before t,
// and whether any relationship was active at t.
func lastEnded(rels []store.Relationship, t time.Time) (*store.Relationship, bool) {
	var last *store.Relationship
	for i := range rels {
		rel := &rels[i]
		endedAt := rel.EndedAt
		if !ended(rel.Status) {
			endedAt = nil
		}
		if rel.StartedAt != nil && !rel.StartedAt.After(t) && (endedAt == nil || endedAt.After(t)) {
			return nil, true
		}
		if endedAt != nil && !endedAt.After(t) && (last == nil || endedAt.After(*last.EndedAt)) {
			last = rel
		}
	}
	return last, false
}

// AuditGap flags an audit stream of a scope with no successful read for longer than
// After. A stream whose latest pull said the tenant is not licensed for it is left to
// coverage: it has no data to wait for.
type AuditGap struct {
	Severity vocab.Severity
	After    time.Duration
	// Streams are connector/stream patterns (path.Match), e.g. o365audit/*.
	Streams []string
}

// ID implements Rule.
func (AuditGap) ID() string { return RuleAuditGap }

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
		if now.Sub(since) <= r.After {
			continue
		}
		what := "no successful read since " + since.UTC().Format(clock)
		if h.LastOK == nil {
			what = "never read successfully (first tried " + since.UTC().Format(clock) + ")"
		}
		out = append(out, Finding{
			Rule: RuleAuditGap, Subject: "audit-gap:" + h.Connector + "/" + h.Stream + "/" + h.Scope, CustomerID: h.CustomerID, Severity: r.Severity,
			Evidence: []string{fmt.Sprintf("coverages:%d", h.Last.ID)},
			Summary: fmt.Sprintf("%s %s for %s: %s (%s; allowed %s); latest pull %s", h.Connector, h.Stream, in.scopeName(h),
				what, roundDuration(now.Sub(since)), roundDuration(r.After), h.Last.Outcome),
		})
	}
	return out
}

func (r AuditGap) watches(stream string) bool {
	return slices.ContainsFunc(r.Streams, func(p string) bool { ok, _ := path.Match(p, stream); return ok })
}

// ConnectorUnhealthy flags a connector whose latest pull of a scope was refused: one
// finding per connector and scope, naming the streams.
type ConnectorUnhealthy struct{ Severity vocab.Severity }

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
		out[i].Evidence = append(out[i].Evidence, fmt.Sprintf("coverages:%d", h.Last.ID))
	}
	return out
}

// ReportMissing flags an active customer with no RMM report for the month just
// past once Day of the month has come; it runs only when the report mailbox is read.
type ReportMissing struct {
	Severity vocab.Severity
	Day      int
}

// ID implements Rule.
func (ReportMissing) ID() string { return RuleReportMissing }

// Evaluate implements Rule.
func (r ReportMissing) Evaluate(in *Input, now time.Time) []Finding {
	if !in.ReportsRead || now.UTC().Day() < r.Day {
		return nil
	}
	month := previousMonth(now)
	got := map[uint]bool{}
	gotName := map[string]bool{}
	for _, rc := range in.Receipts {
		if rc.CustomerID != nil {
			got[*rc.CustomerID] = true
		}
		gotName[mapping.NormaliseName(rc.CustomerRef)] = true
	}
	var out []Finding
	for _, c := range in.Customers {
		if c.Status != store.CustomerActive || got[c.ID] || gotName[mapping.NormaliseName(c.Name)] {
			continue
		}
		id := c.ID
		out = append(out, Finding{
			Rule: RuleReportMissing, Subject: fmt.Sprintf("report-missing:%d:%s", c.ID, month), CustomerID: &id, Severity: r.Severity,
			Summary: fmt.Sprintf("no RMM report for %s received for %s by day %d of the month", c.Name, month, r.Day),
		})
	}
	return out
}

// previousMonth is the month before now's, as "2026-10".
func previousMonth(now time.Time) string {
	y, m, _ := now.UTC().Date()
	return time.Date(y, m-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}
