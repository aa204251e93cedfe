// Package reconcile holds the rules that turn normalised records into findings, and
// the engine that evaluates them and records the result. Each rule has a stable id; a
// finding's fingerprint depends only on the rule and the subject, never on a volatile
// detail, so re-running reconcile updates findings instead of duplicating them.
package reconcile

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// Finding is what a rule reports.
type Finding struct {
	Rule       string
	Subject    string
	CustomerID *uint
	Severity   vocab.Severity
	Summary    string
	Evidence   []string
	// TechnicianID and DeviceID, when the finding is about one, let exclusions match it.
	TechnicianID *uint
	DeviceID     *uint
	// Day is the UTC day ("2006-01-02") a finding one per day is about (an access
	// finding); empty for one about no one day.
	Day string
}

// Fingerprint identifies a finding across runs: a hash of the rule and the subject.
func Fingerprint(rule, subject string) string {
	sum := sha256.Sum256([]byte(rule + "\x00" + subject))
	return hex.EncodeToString(sum[:12])
}

// Input is the records rules evaluate, read once per run.
type Input struct {
	Configurations []store.CheckedConfiguration
	Agents         []store.CheckedAgent
	Unresolved     []store.Unresolved
	// Standing holds the devices with a standing permission.
	Standing map[uint]bool
	// Grants are the authorisations not revoked; Contacts, by customer, the people
	// who may grant them.
	Grants   []store.CheckedAuthorisation
	Contacts map[uint][]store.Contact
	// Customers are every customer, by id order.
	Customers []store.Customer
	// Relationships are the GDAP relationships still listed.
	Relationships []store.Relationship
	// PartnerAccess holds the Microsoft 365 access to tenants since their first
	// relationship ended.
	PartnerAccess []store.AccessEvent
	// Names are the customers', technicians' and devices' names, by id.
	Names store.Names
	// Health is each stream's latest and latest successful pull, per scope.
	Health []store.StreamHealth
	// Quarantined are the records pulls could not decode, by source, stream, scope
	// and first seen.
	Quarantined []store.QuarantinedRecord
	// Receipts are the RMM reports received for the month before now; ReportsRead
	// says whether the report mailbox has been read at all.
	Receipts    []store.ReportReceipt
	ReportsRead bool
	// Receivers are the notify receivers' delivery health.
	Receivers []store.ReceiverHealth
}

// customer returns the customer with the id, if there is one.
func (in *Input) customer(id *uint) (store.Customer, bool) {
	if id == nil {
		return store.Customer{}, false
	}
	i, ok := slices.BinarySearchFunc(in.Customers, *id, func(c store.Customer, id uint) int { return cmp.Compare(c.ID, id) })
	if !ok {
		return store.Customer{}, false
	}
	return in.Customers[i], true
}

// scopeName names a pulled scope: its customer's name when it is linked to one.
func (in *Input) scopeName(h store.StreamHealth) string {
	if c, ok := in.customer(h.CustomerID); ok {
		return c.Name
	}
	for _, r := range in.Relationships {
		if strings.EqualFold(r.CustomerRef, h.Scope) && r.CustomerName != "" {
			return "the tenant of " + r.CustomerName + " (no customer linked)"
		}
	}
	return h.Scope
}

// Rule turns records into findings.
type Rule interface {
	// ID is the rule's stable id, e.g. CONFIG-BACKUP-MISSING.
	ID() string
	// Evaluate returns the rule's findings at now.
	Evaluate(in *Input, now time.Time) []Finding
}

// Engine evaluates rules against the store.
type Engine struct {
	Store *store.Store
	Rules []Rule
	// Access, when set, matches access events to authorisations.
	Access *AccessCheck
	// FullEvery is how long after the last run that checked every customer a run of
	// the changed customers checks every customer again, as a safety net; zero means
	// DefaultFullEvery.
	FullEvery time.Duration
	// ListChanges lists every change a run records in Result.Changes; without it a
	// run only counts them, since a first run opens a finding for about every other
	// access and listing them all would hold them all.
	ListChanges bool
	Log         zerolog.Logger
}

// Result says what one run did.
type Result struct {
	// Recorded counts what the run changed and, when the engine's ListChanges is
	// set, lists the changes.
	findings.Recorded
	// Health is each rule's health in the run; a failed rule's findings were left as
	// they were.
	Health Healths
	// Events and Covered count the access events checked and those covered.
	Events, Covered int
	// Scope is the customers whose access events the run checked.
	Scope Scope
}

// Evaluation is what the rules found, before it is recorded.
type Evaluation struct {
	// Evaluated lists the rules that ran to the end.
	Evaluated []string
	Found     []findings.Input
	Health    Healths
	Events    int
	Covered   int
	// Changed counts the access decisions that differ from the stored ones.
	Changed int
	// PerCustomer holds, in a run of listed customers, the per-customer rules that
	// ran to the end and their findings, to be recorded with each customer's access
	// findings.
	PerCustomer struct {
		Evaluated []string
		Found     []findings.Input
	}
}

// Scope says which customers' access events a run checks. The zero Scope checks the
// customers whose inputs changed since the last completed run, as the store's change
// journal says (or every customer when the access rules' settings changed, when a
// change concerns every customer, or when the last full run is FullEvery old); Full
// checks every customer; Customers lists the customers a command changed. The rules
// over whole tables always run whole.
type Scope struct {
	// Customers lists the customers to check, in id order.
	Customers []uint
	// Full checks every customer.
	Full bool
	// Days limits, by customer of Customers, the check to the access events that
	// started in a span of days, and the recording to the access findings about
	// those days; a customer it does not name is checked whole.
	Days map[uint]store.DaySpan
	// EventsOnly holds the customers of Customers of which only access events or
	// verified backups changed: the per-customer rules (CustomerRule), whose
	// findings follow from authorisations, contacts and names, are not evaluated
	// for them, and their findings stay as they are.
	EventsOnly map[uint]bool
}

// String names the scope in a job run's record: "changed", "all", "no customers",
// "customers 3,7" or, for customers checked on some days only, "customers 3,7
// (days 2026-10-30..2026-10-31)" ("2026-10-30.." up to now), the customers checked
// whole first and those of each span of days after, each span once.
func (s Scope) String() string {
	switch {
	case s.Full:
		return "all"
	case s.Customers == nil:
		return "changed"
	case len(s.Customers) == 0:
		return "no customers"
	}
	var whole []string
	var spans []store.DaySpan
	bySpan := map[store.DaySpan][]string{}
	for _, id := range s.Customers {
		n := strconv.FormatUint(uint64(id), 10)
		d, ok := s.Days[id]
		switch {
		case !ok:
			whole = append(whole, n)
		case bySpan[d] == nil:
			spans = append(spans, d)
			fallthrough
		default:
			bySpan[d] = append(bySpan[d], n)
		}
	}
	var parts []string
	if len(whole) > 0 {
		parts = append(parts, strings.Join(whole, ","))
	}
	for _, d := range spans {
		parts = append(parts, strings.Join(bySpan[d], ",")+" (days "+d.String()+")")
	}
	return "customers " + strings.Join(parts, "; ")
}

// Run reads the records, evaluates every rule and records the findings at now,
// checking the access events of the customers whose inputs changed since the last
// run (Scope's zero value). The rules over whole tables are recorded in one
// transaction; access events are checked a customer at a time, so the run holds one
// customer's events, never every customer's, and their decisions and findings are
// recorded a batch of customers a transaction (each customer whole within one).
func (e *Engine) Run(ctx context.Context, now time.Time) (Result, error) {
	return e.RunScope(ctx, now, Scope{})
}

// RunFull is Run checking every customer's access events.
func (e *Engine) RunFull(ctx context.Context, now time.Time) (Result, error) {
	return e.RunScope(ctx, now, Scope{Full: true})
}

// RunScope is Run with the access check limited to scope's customers. A run of the
// changed customers or of every customer claims the change journal first and, once
// it completes, deletes the marks it claimed; a run of listed customers leaves the
// journal to the next.
func (e *Engine) RunScope(ctx context.Context, now time.Time, scope Scope) (Result, error) {
	if e.Access == nil {
		return e.runScope(ctx, now, Scope{Full: true})
	}
	if scope.Customers != nil {
		return e.runScope(ctx, now, scope)
	}
	changes, err := e.Store.ClaimChanges(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("reconcile: %w", err)
	}
	settings := e.fingerprint()
	if !scope.Full {
		if scope, err = e.changed(ctx, changes, settings, now); err != nil {
			return Result{}, fmt.Errorf("reconcile: %w", err)
		}
	}
	res, err := e.runScope(ctx, now, scope)
	e.Log.Info().Stringer("checked", scope).Int("events", res.Events).Msg("reconcile: access checked")
	if err != nil || len(res.Health.Failed()) > 0 {
		// The marks stay claimed: the next run checks their customers again.
		return res, err
	}
	if err := e.Store.CompleteChanges(ctx, changes, settings, now, scope.Full); err != nil {
		return res, fmt.Errorf("reconcile: %w", err)
	}
	return res, nil
}

// runScope evaluates every rule and checks the access events of scope's customers.
func (e *Engine) runScope(ctx context.Context, now time.Time, scope Scope) (Result, error) {
	ev, err := e.evaluateRules(ctx, now, scope)
	res := Result{Health: ev.Health, Scope: scope}
	if err != nil {
		return res, err
	}
	r, err := findings.Apply(ctx, e.Store, ev.Evaluated, ev.Found, now)
	if err != nil {
		return res, fmt.Errorf("reconcile: %w", err)
	}
	e.add(&res, r)
	if e.Access == nil {
		return res, nil
	}
	rules := e.Access.Rules()
	// A run of listed customers records the per-customer rules' findings with each
	// customer's access findings, in the customer's transaction.
	byCustomer := map[uint][]findings.Input{}
	for _, f := range ev.PerCustomer.Found {
		byCustomer[*f.CustomerID] = append(byCustomer[*f.CustomerID], f)
	}
	customerRules := append(slices.Clone(rules), ev.PerCustomer.Evaluated...)
	var (
		checked []uint
		batch   []findings.Customer
		rows    int
	)
	// flush records the customers checked since the last flush, in one transaction.
	flush := func(ctx context.Context) error {
		if len(batch) == 0 {
			return nil
		}
		r, err := findings.ApplyCustomers(ctx, e.Store, customerRules, batch, now)
		e.add(&res, r)
		batch, rows = batch[:0], 0
		return err
	}
	run, health, err := e.runAccess(ctx, now, time.Time{}, scope, func(ctx context.Context, ca CustomerCheck) error {
		checked = append(checked, ca.CustomerID)
		c := findings.Customer{ID: ca.CustomerID, Days: ca.Days, Found: inputs(ca.Findings), Decisions: ca.Decisions}
		if scope.EventsOnly[ca.CustomerID] {
			c.Rules = rules // its per-customer rules' findings stay as they are
		} else {
			c.Found = append(c.Found, byCustomer[ca.CustomerID]...)
		}
		batch = append(batch, c)
		if rows += 1 + len(c.Found) + len(c.Decisions); rows >= batchRows {
			return flush(ctx)
		}
		return nil
	})
	if err == nil {
		err = flush(ctx)
	}
	res.Events, res.Covered = run.Events, run.Covered
	res.Health = append(res.Health, health...)
	if err != nil {
		return res, fmt.Errorf("reconcile: %w", err)
	}
	if !scope.Full {
		// The access check went through every listed customer, events or none.
		return res, nil
	}
	// Customers left with no access events at all resolve their access findings.
	others, err := e.Store.CustomersWithFindings(ctx, rules)
	if err != nil {
		return res, fmt.Errorf("reconcile: %w", err)
	}
	for _, id := range others {
		if _, found := slices.BinarySearch(checked, id); !found {
			if err := e.applyAccess(ctx, rules, id, nil, now, &res); err != nil {
				return res, fmt.Errorf("reconcile: %w", err)
			}
		}
	}
	return res, nil
}

// applyAccess records one customer's access findings and adds what changed to res.
func (e *Engine) applyAccess(ctx context.Context, rules []string, customer uint, fs []Finding, now time.Time, res *Result) error {
	r, err := findings.ApplyCustomer(ctx, e.Store, rules, customer, nil, inputs(fs), now)
	e.add(res, r)
	return err
}

// add adds what r recorded to res, its changes only when the engine lists them.
func (e *Engine) add(res *Result, r findings.Recorded) {
	if !e.ListChanges {
		r.Changes = nil
	}
	res.Recorded.Add(r)
}

// batchRows bounds the findings and decisions (and customers) recorded in one
// transaction: a commit per customer was a sixth of a first run, and a batch is
// held in memory until it is written. A variable for tests.
var batchRows = 5000

// Evaluate reads the records and evaluates every rule at now, changing nothing.
// Access events that started before since are not checked (zero checks them all).
func (e *Engine) Evaluate(ctx context.Context, now, since time.Time) (Evaluation, error) {
	ev, err := e.evaluateRules(ctx, now, Scope{Full: true})
	if err != nil || e.Access == nil {
		return ev, err
	}
	run, health, err := e.runAccess(ctx, now, since, Scope{Full: true}, func(_ context.Context, ca CustomerCheck) error {
		ev.Found = append(ev.Found, inputs(ca.Findings)...)
		return nil
	})
	ev.Health = append(ev.Health, health...)
	if err != nil {
		return ev, fmt.Errorf("reconcile: %w", err)
	}
	ev.Evaluated = append(ev.Evaluated, e.Access.Rules()...)
	ev.Changed, ev.Events, ev.Covered = run.Changed, run.Events, run.Covered
	return ev, nil
}

// evaluateRules reads the records and evaluates the rules over whole tables: every
// rule but the access check. Unless scope is Full, the per-customer rules
// (CustomerRule) are evaluated over scope's customers only, and their findings go
// to ev.PerCustomer, to be recorded a customer at a time.
func (e *Engine) evaluateRules(ctx context.Context, now time.Time, scope Scope) (Evaluation, error) {
	var ev Evaluation
	in, err := e.read(ctx, now, scope)
	if err != nil {
		return ev, fmt.Errorf("reconcile: %w", err)
	}
	for _, r := range e.Rules {
		fs, health := evaluateRule(r, in, now, e.Log)
		ev.Health = append(ev.Health, health)
		if health.Err != nil {
			continue
		}
		if _, ok := r.(CustomerRule); ok && !scope.Full {
			ev.PerCustomer.Evaluated = append(ev.PerCustomer.Evaluated, r.ID())
			ev.PerCustomer.Found = append(ev.PerCustomer.Found, inputs(fs)...)
			continue
		}
		ev.Evaluated = append(ev.Evaluated, r.ID())
		ev.Found = append(ev.Found, inputs(fs)...)
	}
	return ev, nil
}

// runAccess runs the access check over the events of scope's customers since since, timing it for the
// health of each access rule: the sweep evaluates them together, so they share its
// duration and its error.
func (e *Engine) runAccess(ctx context.Context, now, since time.Time, scope Scope, each func(context.Context, CustomerCheck) error) (AccessRun, Healths, error) {
	start := time.Now()
	found := map[string]int{}
	run, err := e.Access.Run(ctx, e.Store, since, scope, func(ctx context.Context, ca CustomerCheck) error {
		for _, f := range ca.Findings {
			found[f.Rule]++
		}
		return each(ctx, ca)
	})
	var health Healths
	for _, id := range e.Access.Rules() {
		health = append(health, Health{Rule: id, At: now, Duration: time.Since(start), Findings: found[id], Err: err})
	}
	return run, health, err
}

// inputs turns rules' findings into what the finding lifecycle records.
func inputs(fs []Finding) []findings.Input {
	out := make([]findings.Input, len(fs))
	for i, f := range fs {
		out[i] = findings.Input{
			Rule: f.Rule, Fingerprint: Fingerprint(f.Rule, f.Subject), Subject: f.Subject,
			CustomerID: f.CustomerID, Severity: f.Severity, Summary: f.Summary,
			Evidence: strings.Join(f.Evidence, ","), TechnicianID: f.TechnicianID, DeviceID: f.DeviceID, Day: f.Day,
		}
	}
	return out
}

// read loads what the rules evaluate at now; unless scope is Full, the
// authorisations of scope's customers only.
func (e *Engine) read(ctx context.Context, now time.Time, scope Scope) (*Input, error) {
	var (
		in  Input
		err error
	)
	if in.Configurations, err = e.Store.CheckedConfigurations(ctx); err != nil {
		return nil, err
	}
	if in.Agents, err = e.Store.CheckedAgents(ctx); err != nil {
		return nil, err
	}
	if in.Unresolved, err = e.Store.Unresolved(ctx); err != nil {
		return nil, err
	}
	if in.Quarantined, err = e.Store.ListQuarantined(ctx, store.QuarantineFilter{}); err != nil {
		return nil, err
	}
	if in.Standing, err = e.Store.StandingDevices(ctx); err != nil {
		return nil, err
	}
	var of []uint
	if !scope.Full {
		of = slices.DeleteFunc(slices.Clone(scope.Customers), func(id uint) bool { return scope.EventsOnly[id] })
		if of == nil {
			of = []uint{}
		}
	}
	if in.Grants, err = e.Store.CheckedAuthorisations(ctx, of); err != nil {
		return nil, err
	}
	if in.Contacts, err = e.Store.AuthorisationContacts(ctx); err != nil {
		return nil, err
	}
	if err := e.readM365(ctx, &in, now); err != nil {
		return nil, err
	}
	if in.Receivers, err = e.Store.ReceiverHealths(ctx); err != nil {
		return nil, err
	}
	return &in, nil
}

// readM365 loads what the Microsoft 365 and coverage rules evaluate.
func (e *Engine) readM365(ctx context.Context, in *Input, now time.Time) error {
	var err error
	if in.Customers, err = e.Store.Customers(ctx); err != nil {
		return err
	}
	if in.Relationships, err = e.Store.Relationships(ctx); err != nil {
		return err
	}
	if in.Names, err = e.Store.ReadNames(ctx); err != nil {
		return err
	}
	if in.Health, err = e.Store.StreamHealths(ctx); err != nil {
		return err
	}
	in.ReportsRead = slices.ContainsFunc(in.Health, func(h store.StreamHealth) bool {
		return h.Connector == record.SourceM365 && h.Stream == record.StreamRMMReports
	})
	if in.Receipts, err = e.Store.ReportReceipts(ctx, previousMonth(now)); err != nil {
		return err
	}
	var tenants []string
	var first time.Time
	for _, r := range in.Relationships {
		if ended(r.Status) && r.EndedAt != nil {
			tenants = append(tenants, r.CustomerRef)
			if first.IsZero() || r.EndedAt.Before(first) {
				first = *r.EndedAt
			}
		}
	}
	in.PartnerAccess, err = e.Store.PartnerAccess(ctx, tenants, first)
	return err
}
