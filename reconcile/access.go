package reconcile

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/sweep"
	"github.com/custos-msp/custos/vocab"
)

// maxEvidence bounds the events one finding lists.
const maxEvidence = 50

// AccessCheck matches every access event to the customer's authorisations, one
// customer at a time, stores each decision with its reason, and reports what nothing
// covered: one finding per rule, customer, technician, device and day. Its rules are
// ACCESS-UNAUTHORISED, COMMAND-UNAUTHORISED, REMOVAL-WITHOUT-BACKUP and
// ACCESS-AUTHORISED-LATE (ruleOf), each enabled on it by its settings.
type AccessCheck struct {
	Grace sweep.Options
	// Severities holds the enabled access rules and their severities.
	Severities map[string]vocab.Severity
	// BackupMaxAge is how long before a removal a verified backup may have been
	// taken and still cover it in place of a removal authorisation.
	BackupMaxAge time.Duration
}

// Rules lists the enabled access rules, in the order of Rules.
func (c *AccessCheck) Rules() []string {
	var out []string
	for _, id := range Catalogue {
		if _, ok := c.Severities[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// AccessRun counts what one access check did.
type AccessRun struct {
	// Changed counts the decisions that differ from the stored ones.
	Changed int
	Events  int
	Covered int
}

// CustomerCheck is what the access check decided about one customer.
type CustomerCheck struct {
	CustomerID uint
	// Days, when set, are the only days checked: the events that started on them,
	// and of the findings those about them.
	Days     *store.DaySpan
	Findings []Finding
	// Decisions are the decisions that differ from the stored ones.
	Decisions []store.DecisionUpdate
}

// Run checks the access events of scope's customers that started at or after since
// (every listed customer, whether it has events or not; with a Full scope, every
// customer with events; of a customer scope.Days names, only those that started on
// its days), streamed per customer: each customer's decisions and findings go to
// each as soon as the customer is matched, so that only one customer's events are
// held. On PostgreSQL, where a read is mostly waiting for the server, the next
// customer is read and matched while each handles the last, never more than one
// ahead (two customers held). On SQLite that costs more than it saves: the reading
// connection's page cache is dropped at every commit of the writing one, so
// customers are read in turn.
func (c *AccessCheck) Run(ctx context.Context, st *store.Store, since time.Time, scope Scope, each func(context.Context, CustomerCheck) error) (AccessRun, error) {
	var run AccessRun
	customers := scope.Customers
	if scope.Full {
		var err error
		if customers, err = st.AccessCustomers(ctx, since); err != nil {
			return run, err
		}
	}
	if len(customers) == 0 {
		return run, nil
	}
	names, err := st.ReadNames(ctx)
	if err != nil {
		return run, err
	}
	// checkAll reads and matches every customer, handing each result to next.
	checkAll := func(ctx context.Context, next func(CustomerCheck) error) error {
		for _, id := range customers {
			days, ranged := scope.Days[id]
			ca, err := st.ReadCustomerAccess(ctx, id, store.AccessRead{Since: since, Days: days, GraceAfter: c.Grace.After})
			if err != nil {
				return err
			}
			out := c.check(ca, names, &run)
			if ranged {
				out.Days = &days
			}
			run.Changed += len(out.Decisions)
			if err := next(out); err != nil {
				return err
			}
		}
		return nil
	}
	if st.Driver() != "postgres" {
		err := checkAll(ctx, func(out CustomerCheck) error { return each(ctx, out) })
		return run, err
	}
	g, ctx := errgroup.WithContext(ctx)
	checked := make(chan CustomerCheck)
	g.Go(func() error {
		defer close(checked)
		return checkAll(ctx, func(out CustomerCheck) error {
			select {
			case checked <- out:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	g.Go(func() error {
		for out := range checked {
			if err := each(ctx, out); err != nil {
				return err
			}
		}
		return nil
	})
	err = g.Wait()
	return run, err
}

// check matches one customer's events, counting them in run.
func (c *AccessCheck) check(ca store.CustomerAccess, names store.Names, run *AccessRun) CustomerCheck {
	out := CustomerCheck{CustomerID: ca.CustomerID}
	events := make([]sweep.Event, len(ca.Events))
	byID := make(map[uint]*store.AccessEvent, len(ca.Events))
	for i := range ca.Events {
		e := &ca.Events[i]
		byID[e.ID] = e
		events[i] = sweepEvent(e)
	}
	grants := make([]sweep.Grant, len(ca.Authorisations))
	authByID := make(map[uint]*store.Authorisation, len(ca.Authorisations))
	for i := range ca.Authorisations {
		a := &ca.Authorisations[i]
		authByID[a.ID] = a
		grants[i] = sweepGrant(a)
	}
	groups := map[string]*group{}
	var order []string
	for _, d := range sweep.Match(events, grants, c.Grace) {
		e := byID[d.Event]
		run.Events++
		u, why := c.decide(e, d, ca.Backups, authByID, names)
		if !sameUint(e.CoveredBy, u.CoveredBy) || !sameUint(e.BackupID, u.BackupID) || e.Decision != u.Decision ||
			!sameUint(e.AuthorisedLateBy, u.AuthorisedLateBy) || !sameUint(e.LateBackupID, u.LateBackupID) {
			out.Decisions = append(out.Decisions, u)
		}
		if u.CoveredBy != nil || u.BackupID != nil {
			run.Covered++
			continue
		}
		rule := ruleOf(e, u)
		severity, enabled := c.Severities[rule]
		if !enabled {
			continue
		}
		day := e.StartedAt.UTC().Format(time.DateOnly)
		key := fmt.Sprintf("%s|%d|%s|%s|%s", rule, ca.CustomerID, technicianKey(e), deviceKey(e), day)
		g, ok := groups[key]
		if !ok {
			g = &group{why: why, f: Finding{
				Rule: rule, Subject: "access:" + strings.TrimPrefix(key, rule+"|"), CustomerID: e.CustomerID,
				Severity: severity, TechnicianID: e.TechnicianID, DeviceID: e.DeviceID, Day: day,
			}}
			groups[key] = g
			order = append(order, key)
		}
		if len(g.f.Evidence) < maxEvidence {
			g.f.Evidence = append(g.f.Evidence, store.Ref[store.AccessEvent](e.ID))
		}
		g.add(e)
	}
	for _, key := range order {
		g := groups[key]
		g.f.Summary = g.summary(names)
		out.Findings = append(out.Findings, g.f)
	}
	return out
}

// decide turns the sweep's decision about e into what is stored, and says why e
// raises a finding when it does: nothing covered it, or what covers it was recorded
// only after it began. A removal nothing covers in advance may be covered by a
// verified backup; an authorisation recorded late is named before a backup recorded
// late.
func (c *AccessCheck) decide(e *store.AccessEvent, d sweep.Decision, backups []store.VerifiedBackup,
	auths map[uint]*store.Authorisation, names store.Names) (u store.DecisionUpdate, why string) {
	u.EventID = e.ID
	if d.CoveredBy != 0 {
		u.CoveredBy, u.Decision = &d.CoveredBy, "covered by authorisation "+strconv.FormatUint(uint64(d.CoveredBy), 10)
		return u, ""
	}
	var backupWhy string
	if e.Removal {
		b, late, text := c.backupFor(e, backups, names)
		switch {
		case b != nil:
			u.BackupID, u.Decision = &b.ID, text
			return u, ""
		case late != nil && d.Late == 0:
			u.LateBackupID, u.Decision = &late.ID, authorisedLate+": "+text
			return u, text
		}
		backupWhy = text
	}
	if d.Late != 0 {
		why = lateAuthorisation(e, d, auths[d.Late])
		u.AuthorisedLateBy, u.Decision = &d.Late, authorisedLate+": "+why
		return u, why
	}
	u.Decision = explainMisses(e, d.Misses, auths, names)
	if backupWhy != "" {
		u.Decision += "; " + backupWhy
	}
	return u, u.Decision
}

// backupFor finds the verified backup that covers removal e in place of a removal
// authorisation: of the same customer, of e's device or of no one device, taken at
// most BackupMaxAge before e started, verified by then and recorded by then (within
// the skew tolerance). With none it returns nil and says why the nearest backup did
// not cover it; late is the nearest that would have covered it but was recorded
// after the removal began, and then the text says so.
func (c *AccessCheck) backupFor(e *store.AccessEvent, backups []store.VerifiedBackup, names store.Names) (b, late *store.VerifiedBackup, text string) {
	var nearest *store.VerifiedBackup
	for i := len(backups) - 1; i >= 0; i-- {
		b := &backups[i]
		if b.TakenAt.After(e.StartedAt) || (b.DeviceID != nil && !sameUint(b.DeviceID, e.DeviceID)) {
			continue
		}
		if nearest == nil {
			nearest = b
		}
		if e.StartedAt.Sub(b.TakenAt) > c.BackupMaxAge || b.VerifiedAt.After(e.StartedAt) {
			continue
		}
		if recordedLate(b.RecordedAt, e.StartedAt, c.Grace.Skew) {
			if late == nil {
				late = b
			}
			continue
		}
		return b, nil, fmt.Sprintf("covered by verified backup %d: %s taken %s, verified by %s (%s)",
			b.ID, b.What, b.TakenAt.UTC().Format(clock), b.VerifiedBy, b.Evidence)
	}
	if late != nil {
		return nil, late, lateBackup(e, late)
	}
	switch {
	case nearest == nil:
		return nil, nil, "no verified backup of " + place(e, names) + " recorded before it"
	case !nearest.VerifiedAt.After(e.StartedAt):
		return nil, nil, fmt.Sprintf("verified backup %d was taken %s, more than %s before the removal",
			nearest.ID, nearest.TakenAt.UTC().Format(clock), duration.Duration(c.BackupMaxAge))
	}
	return nil, nil, fmt.Sprintf("verified backup %d was verified %s, after the removal", nearest.ID, nearest.VerifiedAt.UTC().Format(clock))
}

// sweepEvent turns a stored event into what the sweep matches: the scope its kind
// needs (a removal needs removal; a command inside a screen session is also covered
// by a remote authorisation).
func sweepEvent(e *store.AccessEvent) sweep.Event {
	se := sweep.Event{ID: e.ID, Start: e.StartedAt, End: e.StartedAt, Technician: deref(e.TechnicianID), Device: deref(e.DeviceID)}
	if e.EndedAt != nil && e.EndedAt.After(e.StartedAt) {
		se.End = *e.EndedAt
	}
	switch e.Kind {
	case record.KindRemoteSession:
		se.Scope = record.ScopeRemote
	case record.KindCommand:
		se.Scope = record.ScopeCommand
		if strings.Contains(e.Attributes, `"connection_id"`) {
			se.AlsoScope = record.ScopeRemote
		}
	case record.KindM365Mailbox:
		se.Scope = record.ScopeMailbox
	default:
		se.Scope = record.ScopeAdmin
	}
	if e.Removal {
		se.Scope, se.AlsoScope = record.ScopeRemoval, ""
	}
	return se
}

func sweepGrant(a *store.Authorisation) sweep.Grant {
	g := sweep.Grant{ID: a.ID, Technician: deref(a.TechnicianID), Device: deref(a.DeviceID), Scope: a.AccessScope, From: a.ValidFrom}
	if a.ValidTo != nil {
		g.To = *a.ValidTo
	}
	if a.RevokedAt != nil {
		g.Revoked = *a.RevokedAt
	}
	g.Recorded = a.RecordedAt
	return g
}

// ruleOf is the rule an event nothing covered in advance falls under, given what
// was decided about it.
func ruleOf(e *store.AccessEvent, u store.DecisionUpdate) string {
	switch {
	case u.AuthorisedLateBy != nil || u.LateBackupID != nil:
		return RuleAccessAuthorisedLate
	case e.Removal:
		return RuleRemovalWithoutBackup
	case e.Kind == record.KindCommand:
		return RuleCommandUnauthorised
	}
	return RuleAccessUnauthorised
}

func technicianKey(e *store.AccessEvent) string {
	if e.TechnicianID != nil {
		return "t" + strconv.FormatUint(uint64(*e.TechnicianID), 10)
	}
	return "a:" + e.Source + ":" + e.ActorRef
}

func deviceKey(e *store.AccessEvent) string {
	if e.DeviceID != nil {
		return "d" + strconv.FormatUint(uint64(*e.DeviceID), 10)
	}
	return "n:" + e.Source + ":" + e.DeviceRef
}

func nameOr(m map[uint]string, id uint, fallback string) string {
	if n := m[id]; n != "" {
		return n
	}
	return fallback
}

func deref(p *uint) uint {
	if p == nil {
		return 0
	}
	return *p
}

func sameUint(a, b *uint) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
