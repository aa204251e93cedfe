package findings

import (
	"context"
	"slices"
	"time"

	"github.com/custos-msp/custos/store"
)

// Rows is the part of the store the lifecycle reads and writes; *store.Store is one.
type Rows interface {
	// ReadFindingState reads a scope's stored findings and the exclusions in force at now.
	ReadFindingState(ctx context.Context, scope store.FindingScope, now time.Time) (store.FindingState, error)
	// RecordFindings reads the same state, asks plan what to write and writes it, in
	// one transaction.
	RecordFindings(ctx context.Context, scope store.FindingScope, now time.Time,
		plan func(store.FindingState) (store.FindingWrites, error)) error
	// ReadNames loads the names of customers, technicians and devices.
	ReadNames(ctx context.Context) (store.Names, error)
}

// Apply records one evaluation of the given rules at now: a finding seen for the
// first time opens, a resolved one seen again re-opens, an open one is refreshed
// (escalated when its severity rose), and a finding of these rules that was not
// reported again is resolved. A finding an active exclusion matches is kept as
// suppressed, and opens again when no exclusion matches it any more. Rules not
// listed are left alone, so a rule that failed to evaluate never resolves its
// findings. Each change that somebody may have to be told about writes an outbox
// entry in the same transaction, so no alert is lost to a crash.
func Apply(ctx context.Context, rows Rows, rules []string, found []Input, now time.Time) (Recorded, error) {
	return record(ctx, rows, store.FindingScope{Rules: rules}, found, now)
}

// ApplyCustomer records one evaluation of the given rules for one customer, as
// Apply does, except that only that customer's findings of the rules are refreshed
// or resolved: an evaluation is recorded a customer at a time, and each customer in
// a transaction of its own. With days, of the findings about a day only those
// about a day in days are: the evaluation checked those days alone.
func ApplyCustomer(ctx context.Context, rows Rows, rules []string, customerID uint, days *store.DaySpan, found []Input, now time.Time) (Recorded, error) {
	return record(ctx, rows, store.FindingScope{Rules: rules, CustomerID: &customerID, Days: days}, found, now)
}

// Recorded is what recording an evaluation did: how many findings each change
// touched, and the changes themselves but for findings only seen again, new findings
// with their ids.
type Recorded struct {
	Result
	Changes []Change
}

// Add adds what o recorded to r.
func (r *Recorded) Add(o Recorded) {
	r.Result.Add(o.Result)
	r.Changes = append(r.Changes, o.Changes...)
}

// Customer is one customer's evaluation, for ApplyCustomers: what the rules found
// and the changed decisions about its access events, recorded with its findings.
// Rules, when set, are the rules evaluated for this customer, of the batch's; Days,
// when set, the days its access was checked on, as for ApplyCustomer.
type Customer struct {
	ID        uint
	Rules     []string
	Days      *store.DaySpan
	Found     []Input
	Decisions []store.DecisionUpdate
}

// CustomerRows is the part of the store that records several customers'
// evaluations in one transaction; *store.Store is one.
type CustomerRows interface {
	RecordCustomerFindings(ctx context.Context, rules []string, now time.Time, customers []store.CustomerFindings) error
}

// ApplyCustomers records several customers' evaluations of the given rules (or of
// a customer's own, some of them) at now, each as ApplyCustomer does, all in one
// transaction (a run pays one commit for a
// batch of customers): each customer's decisions and findings are recorded
// together with the others', or, when anything fails, none is.
func ApplyCustomers(ctx context.Context, rows CustomerRows, rules []string, customers []Customer, now time.Time) (Recorded, error) {
	each := make([]Recorded, len(customers))
	writes := make([]store.FindingWrites, len(customers))
	batch := make([]store.CustomerFindings, len(customers))
	for i, c := range customers {
		scope := store.FindingScope{Rules: rules, CustomerID: &c.ID, Days: c.Days}
		if c.Rules != nil {
			scope.Rules = c.Rules
		}
		batch[i] = store.CustomerFindings{CustomerID: c.ID, Days: c.Days, Decisions: c.Decisions,
			Plan: planner(scope, c.Found, now, &each[i], &writes[i])}
	}
	if err := rows.RecordCustomerFindings(ctx, rules, now, batch); err != nil {
		return Recorded{}, err
	}
	var rec Recorded
	for i := range customers {
		each[i].nameNew(writes[i])
		rec.Add(each[i])
	}
	return rec, nil
}

func record(ctx context.Context, rows Rows, scope store.FindingScope, found []Input, now time.Time) (Recorded, error) {
	var (
		rec Recorded
		w   store.FindingWrites
	)
	if err := rows.RecordFindings(ctx, scope, now, planner(scope, found, now, &rec, &w)); err != nil {
		return Recorded{}, err
	}
	rec.nameNew(w)
	return rec, nil
}

// planner plans recording found in scope at now from the stored state, leaving in
// rec what the plan does and in w what it writes.
func planner(scope store.FindingScope, found []Input, now time.Time, rec *Recorded, w *store.FindingWrites) func(store.FindingState) (store.FindingWrites, error) {
	return func(state store.FindingState) (store.FindingWrites, error) {
		p, err := PlanChanges(scope, state, found, now)
		if err != nil {
			return store.FindingWrites{}, err
		}
		rec.Result, *w = p.Result(), p.Writes()
		rec.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool { return c.Kind == Refresh })
		return *w, nil
	}
}

// nameNew gives the new findings among r's changes the ids w's inserts were written with.
func (r *Recorded) nameNew(w store.FindingWrites) {
	inserted := make(map[string]uint, len(w.Insert))
	for _, f := range w.Insert {
		inserted[f.Fingerprint] = f.ID
	}
	for i := range r.Changes {
		if c := &r.Changes[i]; c.Was == nil {
			c.Finding.ID = inserted[c.Finding.Fingerprint]
		}
	}
}
