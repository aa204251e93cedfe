// Package explain prints why Custos decided what it did: for an access event, the
// authorisation that covered it or why each candidate did not, and the findings that
// cite it; for a finding, its status, its history (who acknowledged, assigned,
// commented on, resolved or re-opened it, and what the lifecycle did) and every
// access event behind it with its decision.
package explain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-msp/custos/acts"
	"github.com/custos-msp/custos/store"
)

// eventTable is the table findings name when they cite access events as evidence.
var eventTable = store.TableOf[store.AccessEvent]()

// timeLayout is how explanations write an instant, in the caller's zone.
const timeLayout = "2006-01-02 15:04 MST"

// Ref is what to explain: an access event or a finding.
type Ref struct {
	// Event is an access event id; 0 when the ref is a finding.
	Event uint
	// Finding is a finding's id or fingerprint.
	Finding string
}

// ParseRef reads "event:12" (or "access_events:12") as an access event and
// "finding:7", "7" or a fingerprint as a finding.
func ParseRef(s string) (Ref, error) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"event:", eventTable.Name + ":"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			id, err := strconv.ParseUint(rest, 10, 64)
			if err != nil || id == 0 {
				return Ref{}, fmt.Errorf("%q: an access event is event:ID with a positive number", s)
			}
			return Ref{Event: uint(id)}, nil
		}
	}
	s = strings.TrimPrefix(s, "finding:")
	if s == "" {
		return Ref{}, errors.New("nothing to explain: give event:ID, a finding id or a fingerprint")
	}
	return Ref{Finding: s}, nil
}

// Explainer writes explanations from a store, with times in Location.
type Explainer struct {
	Store    *store.Store
	Location *time.Location
}

// Write explains ref to w.
func (x Explainer) Write(ctx context.Context, w io.Writer, ref Ref) error {
	if ref.Event != 0 {
		return x.event(ctx, w, ref.Event)
	}
	return x.finding(ctx, w, ref.Finding)
}

func (x Explainer) event(ctx context.Context, w io.Writer, id uint) error {
	events, err := x.Store.AccessEventsByID(ctx, []uint{id})
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return fmt.Errorf("access event %d: %w", id, store.ErrNotFound)
	}
	e := events[0]
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Access event %d\t%s %s %s\n", e.ID, e.Source, strings.ReplaceAll(e.Kind, "_", " "), e.SourceID)
	fmt.Fprintf(tw, "what\t%s\n", what(e))
	fmt.Fprintf(tw, "when\t%s\n", x.span(e.StartedAt, e.EndedAt))
	fmt.Fprintf(tw, "customer\t%s\n", mapped(e.CustomerName, e.CustomerRef, "customer"))
	fmt.Fprintf(tw, "technician\t%s\n", mapped(e.TechnicianName, cmp.Or(e.ActorName, e.ActorRef), "technician"))
	fmt.Fprintf(tw, "device\t%s\n", mapped(e.CanonicalName, cmp.Or(e.DeviceName, e.DeviceRef), "device"))
	fmt.Fprintf(tw, "decision\t%s\n", decision(e))
	if e.CoveredBy != nil {
		a, err := x.Store.AuthorisationByID(ctx, *e.CoveredBy)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "authorisation %d\t%s\n", a.ID, x.authorisation(a))
	}
	if err := x.late(ctx, tw, e); err != nil {
		return err
	}
	findings, err := x.Store.FindingsCiting(ctx, eventTable.Ref(id))
	if err != nil {
		return err
	}
	if len(findings) == 0 {
		fmt.Fprintf(tw, "findings\tnone\n")
	}
	for _, f := range findings {
		fmt.Fprintf(tw, "finding %d\t%s %s (%s): %s\n", f.ID, f.Rule, f.Status, f.Severity, f.Summary)
	}
	return tw.Flush()
}

func (x Explainer) finding(ctx context.Context, w io.Writer, ref string) error {
	f, err := x.Store.FindingByRef(ctx, ref)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Finding %d\t%s, %s, %s\n", f.ID, f.Rule, f.Severity, f.Status)
	fmt.Fprintf(tw, "customer\t%s\n", cmp.Or(f.CustomerName, "none"))
	fmt.Fprintf(tw, "summary\t%s\n", f.Summary)
	fmt.Fprintf(tw, "seen\t%s to %s\n", x.at(f.FirstSeen), x.at(f.LastSeen))
	if f.ResolvedAt != nil {
		fmt.Fprintf(tw, "resolved\t%s\n", x.at(*f.ResolvedAt))
	}
	if f.StatusReason != "" {
		fmt.Fprintf(tw, "status\t%s by %s: %s\n", f.Status, cmp.Or(f.StatusBy, "custos"), f.StatusReason)
	}
	if f.Assignee != "" {
		fmt.Fprintf(tw, "assigned to\t%s\n", f.Assignee)
	}
	fmt.Fprintf(tw, "fingerprint\t%s (subject %s)\n", f.Fingerprint, f.Subject)
	ids := eventTable.IDs(f.Evidence)
	var other []string
	for _, item := range strings.Split(f.Evidence, ",") {
		if item != "" && !strings.HasPrefix(item, eventTable.Name+":") {
			other = append(other, item)
		}
	}
	if len(other) > 0 {
		fmt.Fprintf(tw, "evidence\t%s\n", strings.Join(other, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := x.history(ctx, w, f.ID); err != nil {
		return err
	}
	events, err := x.Store.AccessEventsByID(ctx, ids)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		fmt.Fprintf(w, "\n%d access event(s) behind it", len(ids))
		if gone := len(ids) - len(events); gone > 0 {
			fmt.Fprintf(w, " (%d no longer stored: retention)", gone)
		}
		fmt.Fprintln(w, ":")
	}
	for _, e := range events {
		fmt.Fprintf(w, "  event:%d  %s  %s by %s on %s\n    %s\n", e.ID, x.span(e.StartedAt, e.EndedAt), what(e),
			mapped(e.TechnicianName, e.ActorRef, "technician"), mapped(e.CanonicalName, cmp.Or(e.DeviceName, e.DeviceRef), "device"),
			decision(e))
	}
	return nil
}

// late writes, for an access authorised afterwards, the authorisation or verified
// backup that covers it and when that was recorded: after the access began, so
// neither covered it in advance.
func (x Explainer) late(ctx context.Context, w io.Writer, e store.AccessEventView) error {
	switch {
	case e.AuthorisedLateBy != nil:
		a, err := x.Store.AuthorisationByID(ctx, *e.AuthorisedLateBy)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "outcome\tauthorised afterwards by authorisation %d, recorded %s, after the access began %s\n",
			a.ID, x.at(a.RecordedAt), x.at(e.StartedAt))
		fmt.Fprintf(w, "authorisation %d\t%s\n", a.ID, x.authorisation(a))
	case e.LateBackupID != nil:
		b, err := x.Store.VerifiedBackup(ctx, *e.LateBackupID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "outcome\tauthorised afterwards by verified backup %d, recorded %s, after the removal began %s\n",
			b.ID, x.at(b.RecordedAt), x.at(e.StartedAt))
		fmt.Fprintf(w, "verified backup %d\t%s taken %s, verified %s by %s, evidence %s\n",
			b.ID, b.What, x.at(b.TakenAt), x.at(b.VerifiedAt), b.VerifiedBy, b.Evidence)
	}
	return nil
}

// history writes what people and the lifecycle did to finding id, oldest first: when,
// who, what, to whom and why.
func (x Explainer) history(ctx context.Context, w io.Writer, id uint) error {
	es, err := x.Store.FindingHistory(ctx, id)
	if err != nil || len(es) == 0 {
		return err
	}
	fmt.Fprintln(w, "\nHistory:")
	for _, e := range es {
		line := fmt.Sprintf("  %s  %s by %s", x.at(e.At), e.Action, e.Actor)
		if e.Assignee != "" {
			line += " to " + e.Assignee
		}
		if e.Note != "" {
			line += ": " + e.Note
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

// authorisation describes an authorisation in one line.
func (x Explainer) authorisation(a store.AuthorisationView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s for %s on %s, %s", a.AccessScope, cmp.Or(a.TechnicianName, "any technician"),
		cmp.Or(a.DeviceName, "any device"), x.validity(a.ValidFrom, a.ValidTo))
	if a.GrantedBy != "" {
		fmt.Fprintf(&b, ", granted by %s", a.GrantedBy)
	}
	if a.Evidence != "" {
		fmt.Fprintf(&b, ", evidence %s", a.Evidence)
	}
	fmt.Fprintf(&b, ", from %s", cmp.Or(a.Source, "custos"))
	if a.RevokedAt != nil {
		fmt.Fprintf(&b, "; revoked %s by %s: %s", x.at(*a.RevokedAt), a.RevokedBy, a.RevokeReason)
	}
	return b.String()
}

func (x Explainer) validity(from time.Time, to *time.Time) string {
	if to == nil {
		return "standing since " + x.at(from)
	}
	return x.at(from) + " to " + x.at(*to)
}

func (x Explainer) span(start time.Time, end *time.Time) string {
	if end == nil {
		return x.at(start)
	}
	return x.at(start) + " to " + x.at(*end)
}

func (x Explainer) at(t time.Time) string { return t.In(x.Location).Format(timeLayout) }

// decision is the stored decision, or why there is none.
func decision(e store.AccessEventView) string {
	switch {
	case e.Decision != "":
		return e.Decision
	case e.CustomerID == nil:
		return "not checked: " + cmp.Or(e.CustomerRef, "the record names no customer") +
			" is mapped to no customer, so no authorisation can cover it (custos map --unresolved)"
	}
	return "not checked yet (run custos reconcile)"
}

// what says what the access did in plain words, and the source's own name for it.
func what(e store.AccessEventView) string {
	s := acts.Of(&e.AccessEvent).String() + " (" + e.Source + " " + e.Action + ")"
	if e.Removal {
		s += ", a removal"
	}
	return s
}

// mapped names a canonical record, or the source's name when mapping found none.
func mapped(canonical, source, kind string) string {
	switch {
	case canonical != "":
		return canonical
	case source != "":
		return source + " (no " + kind + " matched)"
	}
	return "unknown"
}
