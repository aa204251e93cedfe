package findings

import (
	"context"
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
func Apply(ctx context.Context, rows Rows, rules []string, found []Input, now time.Time) (Result, error) {
	return record(ctx, rows, store.FindingScope{Rules: rules}, found, now)
}

// ApplyCustomer records one evaluation of the given rules for one customer, as
// Apply does, except that only that customer's findings of the rules are refreshed
// or resolved: an evaluation is recorded a customer at a time, and each customer in
// a transaction of its own.
func ApplyCustomer(ctx context.Context, rows Rows, rules []string, customerID uint, found []Input, now time.Time) (Result, error) {
	return record(ctx, rows, store.FindingScope{Rules: rules, CustomerID: &customerID}, found, now)
}

func record(ctx context.Context, rows Rows, scope store.FindingScope, found []Input, now time.Time) (Result, error) {
	var res Result
	err := rows.RecordFindings(ctx, scope, now, func(state store.FindingState) (store.FindingWrites, error) {
		p, err := PlanChanges(scope, state, found, now)
		if err != nil {
			return store.FindingWrites{}, err
		}
		res = p.Result()
		return p.Writes(), nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}
