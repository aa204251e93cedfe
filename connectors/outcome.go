package connectors

import (
	"context"
	"errors"
)

// Outcome classifies how a pull ended. It is stored in coverage rows, so that "no
// findings" is never confused with "no data".
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

// outcomer is implemented by errors that know their outcome.
type outcomer interface {
	Outcome() Outcome
}

// ClassifiedError attaches an outcome to an error.
type ClassifiedError struct {
	Kind Outcome
	Err  error
}

// Error implements error.
func (e *ClassifiedError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ClassifiedError) Unwrap() error { return e.Err }

// Outcome returns the error's outcome.
func (e *ClassifiedError) Outcome() Outcome { return e.Kind }

// Misconfigured marks err as a problem with the vendor account's setup that an
// operator must fix (for example, no configuration type matches the configured names).
func Misconfigured(err error) error {
	return &ClassifiedError{Kind: OutcomeMisconfigured, Err: err}
}

// Classify returns the outcome of a pull that ended with err.
func Classify(err error) Outcome {
	if err == nil {
		return OutcomeOK
	}
	var o outcomer
	if errors.As(err, &o) {
		return o.Outcome()
	}
	if errors.Is(err, context.Canceled) {
		return OutcomeCancelled
	}
	return OutcomeFailed
}
